// The `timeport` command from the TypeScript sources through tsx's loader, as every start ran
// before the compiled build: the benchmarks measure it beside bin/timeport.js (bench/lib.ts, BUILDS).
import { run } from '../src/cli/main.js';

await run(process.argv);
