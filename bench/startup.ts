/**
 * `npm run bench -- startup`: what a start costs, the compiled build (`node bin/timeport.js`, as
 * installed) side by side with the sources through tsx's loader (how every start ran before issue
 * 16; lib.ts, BUILDS), rounds interleaved so both see the same machine:
 *
 * - time from spawning `timeport serve` to its first answer to GET /healthz (polled every 5 ms), on
 *   a SQLite database created before the first round (a restart, not a first start);
 * - the server's RSS once idle (VmRSS, 2 s after that answer);
 * - `timeport --help`'s peak RSS (GNU time's maximum resident set size).
 *
 * Settings (environment): BENCH_ROUNDS (quick 3, full 10), the median is shown.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUILDS, type Build, TOKEN, fmt, log, main, printSection, sandbox, setting, table } from './lib.js';

const ROUNDS = setting('BENCH_ROUNDS', 3, 10);
const ORDER: Build[] = ['source', 'dist'];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function residentMegabytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** Starts the server, times its first /healthz answer, reads its idle RSS, stops it. */
async function startOnce(build: Build, dataDir: string): Promise<{ seconds: number; idleMiB: number }> {
  const box = sandbox();
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = box.spawn(process.execPath, [...BUILDS[build].entry, 'serve'], {
    TIMEPORT_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TIMEPORT_ADMIN_TOKEN: TOKEN,
    TIMEPORT_RATE_LIMIT: 'off',
  });
  let seconds: number | undefined;
  while (seconds === undefined) {
    if (performance.now() - started > 60_000)
      throw new Error(`the server (${build}) did not answer /healthz within 60 s:\n${child.transcript()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.status === 200) seconds = (performance.now() - started) / 1000;
      await response.arrayBuffer();
    } catch {
      await sleep(5);
    }
  }
  await sleep(2000);
  const idleMiB = residentMegabytes(child.process.pid!);
  await child.kill();
  return { seconds, idleMiB };
}

/** `timeport --help` under GNU time: its peak RSS in MiB. */
function helpPeak(build: Build): number {
  const result = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, ...BUILDS[build].entry, '--help'], { encoding: 'utf8' });
  const match = /maxrss (\d+)/.exec(result.stderr);
  if (result.status !== 0 || match === null) throw new Error(`timeport --help (${build}) failed: ${result.stderr}`);
  return Number(match[1]) / 1024;
}

await main(async () => {
  const box = sandbox();
  const dataDir = box.dataDir;
  // The database exists before the first measured start.
  await startOnce('dist', dataDir);
  const figures = Object.fromEntries(
    ORDER.map((build) => [build, { seconds: [] as number[], idle: [] as number[], help: [] as number[] }]),
  );
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const build of ORDER) {
      const { seconds, idleMiB } = await startOnce(build, dataDir);
      const help = helpPeak(build);
      figures[build]!.seconds.push(seconds);
      figures[build]!.idle.push(idleMiB);
      figures[build]!.help.push(help);
      log(
        `round ${round}, ${BUILDS[build].label}: first /healthz after ${seconds.toFixed(2)} s, idle RSS ${idleMiB.toFixed(0)} MiB, --help peak ${help.toFixed(0)} MiB`,
      );
    }
  }
  const rows = [
    [
      'Start to first /healthz answer',
      (values: typeof figures.dist) => `${median(values!.seconds).toFixed(2)} s`,
      (build: Build) => median(figures[build]!.seconds),
    ],
    [
      'Idle server RSS',
      (values: typeof figures.dist) => `${fmt(median(values!.idle))} MiB`,
      (build: Build) => median(figures[build]!.idle),
    ],
    [
      '`timeport --help` peak RSS',
      (values: typeof figures.dist) => `${fmt(median(values!.help))} MiB`,
      (build: Build) => median(figures[build]!.help),
    ],
  ] as const;
  printSection(
    'Start-up: compiled build vs the tsx loader',
    'startup',
    [
      table(
        ['', BUILDS.source.label, BUILDS.dist.label, 'compiled / tsx'],
        rows.map(([label, show, value]) => [
          label,
          show(figures.source),
          show(figures.dist),
          `${(value('dist') / value('source')).toFixed(2)}×`,
        ]),
      ),
    ],
    [
      `Median of ${ROUNDS} rounds, the two alternating. Start: spawn of \`timeport serve\` (SQLite, the database already created and migrated) to the first 200 from /healthz, polled every 5 ms. Idle RSS: VmRSS 2 s after that answer. \`--help\`: GNU time's maximum resident set size.`,
    ],
  );
});
