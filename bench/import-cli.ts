/**
 * `npm run bench -- import-cli`: `timeport import` of N entries (NDJSON, native format, with
 * external ids, over 20 issues) into a local Timeport server started for the purpose (SQLite,
 * loopback, a fresh database for each N). Prints the entries per second and the peak memory
 * (VmHWM, sampled every 50 ms from /proc) of the CLI and of the server processes.
 *
 * N: quick 20,000; full 200,000, 1,000,000, and 1,000,000 again with the CLI's V8 heap capped at
 * 64 MiB (`1000000@64`: `node --max-old-space-size=64`), which shows how much of the CLI's RSS is
 * heap headroom rather than live data. BENCH_ENTRIES (comma-separated, `N` or `N@MiB`) sets the runs;
 * BENCH_CLI_ARGS adds options to every `timeport import`, BENCH_CLI_NODE_ARGS options for its `node`.
 * BENCH_CLI_BUILDS=dist,source runs each N with the compiled build and with the sources through tsx
 * (lib.ts, BUILDS), one after the other, for a side-by-side comparison (default: dist).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { within } from '../support/harness.js';
import {
  BUILDS,
  type Build,
  QUICK,
  TOKEN,
  argumentsSetting,
  buildsSetting,
  benchEntry,
  fmt,
  log,
  main,
  peakMegabytes,
  printSection,
  sandbox,
  seedIssues,
  sqliteBackend,
  startServer,
  stopServer,
  table,
} from './lib.js';

const RUNS = (process.env.BENCH_ENTRIES ?? (QUICK ? '20000' : '200000,1000000,1000000@64')).split(',').map((spec) => {
  const [size, heap] = spec.replace(/_/g, '').split('@');
  return { entries: Number(size), heapMiB: heap === undefined ? undefined : Number(heap) };
});
const ISSUES = 20;
/** More `timeport import` options for every run (BENCH_CLI_ARGS, space-separated), e.g. `--batch-size 2000`. */
const EXTRA_ARGS = argumentsSetting('BENCH_CLI_ARGS');
/** Options for `node` running the CLI (BENCH_CLI_NODE_ARGS), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const CLI_NODE_ARGS = argumentsSetting('BENCH_CLI_NODE_ARGS');
const CLI_BUILDS = buildsSetting('BENCH_CLI_BUILDS', 'dist');

interface Figures {
  build: Build;
  entries: number;
  heapMiB: number | undefined;
  importSeconds: number | undefined;
  /** The rate the command reports for its import phase. */
  importRate: number | undefined;
  commandSeconds: number;
  cliPeak: number;
  serverPeak: number;
  summary: string;
}

async function run(entries: number, heapMiB: number | undefined, build: Build): Promise<Figures> {
  const box = sandbox();
  const api = await startServer(box, sqliteBackend());
  const issues = await seedIssues(api, 'BENCH', ISSUES);
  const file = path.join(box.dataDir, 'entries.ndjson');
  const out = fs.createWriteStream(file);
  for (let index = 0; index < entries; index += 1) {
    if (!out.write(JSON.stringify(benchEntry(index, issues)) + '\n'))
      await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  log(`${fmt(entries)} entries written (${fmt(fs.statSync(file).size / 1024 ** 2)} MiB); running timeport import`);

  const args = [
    ...(heapMiB === undefined ? [] : [`--max-old-space-size=${heapMiB}`]),
    ...CLI_NODE_ARGS,
    ...BUILDS[build].entry,
    ...[
      'import',
      file,
      '--url',
      api.url,
      '--token',
      TOKEN,
      '--org',
      '1',
      '--journal',
      path.join(box.dataDir, 'journal.ndjson'),
      '--progress-interval',
      '10',
    ],
    ...EXTRA_ARGS,
  ];
  const started = performance.now();
  const cli = box.spawn(process.execPath, args);
  let cliPeak = 0;
  let serverPeak = 0;
  const sample = () => {
    cliPeak = Math.max(cliPeak, peakMegabytes(cli.process.pid) ?? 0);
    serverPeak = Math.max(serverPeak, peakMegabytes(api.pid) ?? 0);
  };
  const sampler = setInterval(sample, 50);
  // Bounded: a minute plus a millisecond an entry (a 1,000,000-entry run may take 17 minutes).
  const exit = await within(cli.exited, 'timeport import to finish', 60_000 + entries).finally(() => clearInterval(sampler));
  const commandSeconds = (performance.now() - started) / 1000;
  serverPeak = Math.max(serverPeak, peakMegabytes(api.pid) ?? 0);
  if (exit.code !== 0) throw new Error(`timeport import exited with ${JSON.stringify(exit)}:\n${cli.transcript().slice(-3000)}`);
  const summary = /Import finished.*/.exec(cli.stdout)?.[0] ?? cli.stdout.trim().split('\n').slice(-3).join(' / ');
  // "Import finished in 46.4 s: created ...; 4308 entries/s": the import phase, as the command reports it.
  const phase = /in (\d+(?:\.\d+)?) s\b/.exec(summary);
  const rate = /(\d+) entries\/s/.exec(summary);
  const stored = await api.countWorklogs();
  if (stored !== entries) throw new Error(`${entries} entries imported but ${stored} stored: ${summary}`);
  await stopServer(api);
  log(`${summary}`);
  log(
    `${fmt(entries)} entries: command ${commandSeconds.toFixed(1)} s, ${fmt(entries / commandSeconds)}/s; peak RSS CLI ${cliPeak} MiB, server ${serverPeak} MiB`,
  );
  return {
    build,
    entries,
    heapMiB,
    importSeconds: phase === null ? undefined : Number(phase[1]),
    importRate: rate === null ? undefined : Number(rate[1]),
    commandSeconds,
    cliPeak,
    serverPeak,
    summary,
  };
}

await main(async () => {
  const figures: Figures[] = [];
  for (const { entries, heapMiB } of RUNS) for (const build of CLI_BUILDS) figures.push(await run(entries, heapMiB, build));
  printSection(
    '`timeport import` into a local Timeport (SQLite)',
    'import-cli',
    [
      table(
        [
          'Entries',
          'CLI',
          'CLI heap cap',
          'Import phase',
          'Entries/s (import phase)',
          'Whole command',
          'Entries/s (whole command)',
          'Peak RSS CLI',
          'Peak RSS server',
        ],
        figures.map((figure) => [
          fmt(figure.entries),
          BUILDS[figure.build].label,
          figure.heapMiB === undefined ? 'none' : `${figure.heapMiB} MiB`,
          figure.importSeconds === undefined ? '–' : `${figure.importSeconds.toFixed(1)} s`,
          figure.importRate === undefined ? '–' : fmt(figure.importRate),
          `${figure.commandSeconds.toFixed(1)} s`,
          fmt(figure.entries / figure.commandSeconds),
          `${figure.cliPeak} MiB`,
          `${figure.serverPeak} MiB`,
        ]),
      ),
    ],
    [
      'NDJSON in the native format with external ids, over 20 issues; `timeport import` with its defaults (batch extension, batch size 5,000, 2 in flight), `--journal`, `--progress-interval 10`.',
      'Whole command: start-up, preflight over the file and the target, import. Peak RSS: VmHWM from /proc, sampled every 50 ms. Stored count checked after each run.',
      ...figures.map((figure) => `${fmt(figure.entries)}, ${BUILDS[figure.build].label}: ${figure.summary}`),
    ],
    [sqliteBackend().description],
  );
});
