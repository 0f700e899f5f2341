/**
 * The benchmarks of issue #6. Not part of `npm test`.
 *
 *   npm run bench                    every script, full mode (long: the growth script fills 5,000,000 entries)
 *   npm run bench -- --quick         every quick-mode script, in under two minutes (figures only indicative)
 *   npm run bench -- http            one script (or several), full mode; add --quick for its quick mode
 *
 * Scripts: startup (start to first /healthz, idle RSS, `timeport --help` peak RSS; compiled build vs
 * the tsx loader), parse (the timestamp and duration parsers, in process), http (single import vs a bare Fastify echo, autocannon, 1/16/64 connections, SQLite and
 * PostgreSQL), peers (the single import beside a real Redmine's POST /time_entries.json, skipped
 * without a Redmine), batch (the batch extension over HTTP), reads (listing one issue's 10,000 entries page
 * by page; the time-spent report over 1,000,000 entries over HTTP), import-cli (`timeport import`,
 * with peak memory), report (the report in process), growth (import rate empty vs 5,000,000 stored;
 * full mode only when no name is given), indexes (what each time index costs the batch at 5,000,000
 * stored and what the reads lose without it; likewise full mode only when no name is given).
 *
 * The mode reaches each script as BENCH_MODE=quick|full; each script runs in its own process and
 * stops every process and database it started. Each prints its figures as Markdown for
 * BENCHMARKS.md. PostgreSQL runs use postgres://postgres@127.0.0.1:5432 (BENCH_PG_URL; `off` to skip).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const here = import.meta.dirname;
const SCRIPTS = ['startup', 'parse', 'http', 'peers', 'batch', 'reads', 'import-cli', 'report', 'growth', 'indexes'];
const FULL_ONLY = new Set(['growth', 'indexes']);

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const unknownFlags = args.filter((arg) => arg.startsWith('-') && arg !== '--quick' && arg !== '--full');
const names = args.filter((arg) => !arg.startsWith('-')).map((name) => name.replace(/^bench\//, '').replace(/\.ts$/, ''));
const unknown = names.filter((name) => !SCRIPTS.includes(name));
if (unknownFlags.length > 0 || unknown.length > 0) {
  console.error(`unknown ${[...unknownFlags, ...unknown].join(', ')}; usage: npm run bench -- [--quick] [${SCRIPTS.join('|')} ...]`);
  process.exit(2);
}
const mode = quick ? 'quick' : 'full';
const scripts = names.length > 0 ? names : SCRIPTS.filter((name) => !(quick && FULL_ONLY.has(name)));

const began = performance.now();
const timings: string[] = [];
const failed: string[] = [];
for (const script of scripts) {
  console.log(`\n== bench/${script}.ts (${mode} mode)`);
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${script}.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_MODE: mode },
    // A last bound; each script also stops itself (BENCH_TIMEOUT_S) and cleans up on SIGTERM.
    timeout: (quick ? 180 : 4 * 3600) * 1000,
    killSignal: 'SIGTERM',
  });
  const seconds = (performance.now() - start) / 1000;
  timings.push(`${script} ${seconds.toFixed(1)} s`);
  if (result.signal === 'SIGINT' || result.status === 130) process.exit(130);
  if (result.status !== 0) {
    failed.push(script);
    console.error(`bench/${script}.ts failed (${result.error?.message ?? result.signal ?? `exit ${result.status}`})`);
  }
}
console.log(`\nbench (${mode}): ${((performance.now() - began) / 1000).toFixed(1)} s in all (${timings.join(', ')})`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
