#!/usr/bin/env node
// The `timeport` command: runs the compiled build in dist/ (`npm run build`, which `npm ci` and
// `npm install` run through `prepare`). No loader and no compiler at run time (docs/decisions.md).
import './require-node.js';
import './young-generation.js';
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('timeport: dist/ is missing: run `npm run build` (npm ci and npm install run it) first.\n');
  process.exit(1);
}
const { run } = await import(main.href);
await run(process.argv);
