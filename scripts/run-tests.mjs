#!/usr/bin/env node
// Runs every test file under test/ with node:test and tsx. This lists the .ts test files itself
// (Node 22's runner finds only .js ones without a glob). Arguments narrow the run to paths containing them.
//
// The backend is a parameter the files run over, one pass per backend: every file on SQLite, then
// every file again on PostgreSQL (TIMEPORT_TEST_BACKEND=postgres, server TIMEPORT_TEST_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/test), except the files support/backend-list.mjs lists,
// each with the reason it needs no test database. Nothing is guessed from a file's source: a file
// leaves the PostgreSQL pass only by being listed, and a listed file that opens the test backend
// (support/app.ts `claimTestBackend`, called by every factory of test stores, apps and servers) fails
// its test; each file records its claim in TIMEPORT_TEST_CLAIMS, and the run fails if a claim comes
// from a file the PostgreSQL pass leaves out (test/runner/backends.test.ts shows both catching an
// undeclared suite). Files of the PostgreSQL pass that opened nothing are named, as candidates for the list.
//
// Without a reachable PostgreSQL the second pass is skipped, loudly; with CI=true that is a failure
// instead. TIMEPORT_TEST_PASSES=sqlite or postgres runs one pass only (CI runs each on a different
// Node line, .ci/run); the default is both. The summary gives files, tests, passed, failed, cancelled
// (a failed hook's tests) and skipped per backend; the last lines are the totals of the passes, in
// the runner's own `ℹ tests N` form.
//
// The process tests run bin/timeport.js, which runs the compiled dist/: the build (incremental)
// runs first, so they test the sources as they are.
//
// Test databases are named tpt_<this pid>_...; they are dropped together at the end (each DROP
// DATABASE waits for a checkpoint, so one by one would cost seconds), and those of earlier runs
// whose process is gone are dropped at the start. Other runs' databases are left alone.
import '../bin/require-node.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { claimsLeftOut, postgresPassFiles } from '../support/backend-list.mjs';

const root = path.resolve(import.meta.dirname, '..');
const DATABASE_URL = process.env.TIMEPORT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = String(process.pid);
const CI = process.env.CI === 'true';
const PASSES = (process.env.TIMEPORT_TEST_PASSES || 'sqlite,postgres').split(',');
if (PASSES.length === 0 || PASSES.some((pass) => pass !== 'sqlite' && pass !== 'postgres')) {
  console.error(`TIMEPORT_TEST_PASSES=${process.env.TIMEPORT_TEST_PASSES}: give sqlite, postgres or both (comma-separated)`);
  process.exit(2);
}

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findTests(full);
    return entry.name.endsWith('.test.ts') ? [path.relative(root, full)] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests(path.join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// The list's extra entries are for test/runner/backends.test.ts alone: no run leaves files out through the environment.
const { TIMEPORT_TEST_ONE_BACKEND: _extraEntries, ...runEnv } = process.env;
const postgresFiles = postgresPassFiles(files, runEnv);

function redacted(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

async function withAdminClient(work) {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// As src/importer/processes.ts; written again because this script runs without tsx.
function processIsAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Drops test databases: this run's (`tpt_<pid>_...`), or those of runs whose process is gone. */
async function dropTestDatabases(which) {
  await withAdminClient(async (client) => {
    const { rows } = await client.query("select datname from pg_database where datname like 'tpt\\_%'");
    const names = rows
      .map((row) => row.datname)
      .filter((name) => {
        const pid = Number(/^tpt_(\d+)_/.exec(name)?.[1]);
        if (!Number.isSafeInteger(pid)) return false;
        return which === 'this run' ? String(pid) === RUN_ID : String(pid) !== RUN_ID && !processIsAlive(pid);
      });
    // A few drops at a time share their checkpoints; one client per database at once would take
    // every connection the server allows (a run leaves a hundred databases or more).
    const queue = [...names];
    const dropper = () =>
      withAdminClient(async (each) => {
        for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
          await each
            .query(`drop database if exists "${name}" with (force)`)
            .catch((error) => console.error(`could not drop test database ${name}: ${error.message}`));
        }
      });
    await Promise.all(Array.from({ length: Math.min(4, names.length) }, dropper));
  });
}

// eslint-disable-next-line no-control-regex -- the reporter colours its lines
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

const claimsDir = mkdtempSync(path.join(os.tmpdir(), 'timeport-test-claims-'));

/**
 * Runs node --test on the files; streams the output and returns the exit code, the summary and the
 * files that opened the test backend (their claims, support/app.ts `claimTestBackend`).
 */
function runPass(label, backend, passFiles, env) {
  console.log(`\n=== ${label}: ${passFiles.length} file(s)\n`);
  const claims = path.join(claimsDir, backend);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...passFiles], {
      cwd: root,
      env: {
        ...runEnv,
        ...env,
        TIMEPORT_TEST_BACKEND: backend,
        TIMEPORT_TEST_CLAIMS: claims,
        ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}),
      },
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString('utf8');
    });
    child.on('close', (code, signal) => {
      const summary = {};
      for (const match of output
        .replace(ANSI_COLOUR, '')
        .matchAll(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) ([\d.]+)$/gm)) {
        summary[match[1]] = Number(match[2]);
      }
      // Suites that skip themselves without PostgreSQL (support/postgres.ts) say so in their line.
      const skippedSuites = (output.match(/# SKIPPED: PostgreSQL/g) ?? []).length;
      let claimed = [];
      try {
        claimed = readFileSync(claims, 'utf8').split('\n').filter(Boolean);
      } catch (error) {
        if (error.code !== 'ENOENT') throw error;
      }
      resolve({ label, files: passFiles, code: code ?? (signal === null ? 1 : 128), summary, skippedSuites, claimed: new Set(claimed) });
    });
  });
}

const started = Date.now();
console.log('=== build (tsc -p tsconfig.build.json)');
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) {
  console.error(`FAILED: the build (npm run build) ${build.error?.message ?? `exited with ${build.status ?? build.signal}`}`);
  process.exit(1);
}
let postgresProblem;
try {
  await withAdminClient((client) => client.query('select 1'));
} catch (error) {
  postgresProblem = `PostgreSQL at ${redacted(DATABASE_URL)} is not reachable: ${error.message}`;
}
if (postgresProblem === undefined) await dropTestDatabases('runs that are gone');

const commonEnv = { TIMEPORT_TEST_RUN_ID: RUN_ID, TIMEPORT_TEST_DROP_AT_END: '1', TIMEPORT_TEST_DATABASE_URL: DATABASE_URL };
const passes = [];
if (PASSES.includes('sqlite')) passes.push(await runPass('SQLite (every file)', 'sqlite', files, commonEnv));
if (PASSES.includes('postgres') && postgresFiles.length > 0 && postgresProblem === undefined) {
  passes.push(await runPass('PostgreSQL (every file not in support/backend-list.mjs)', 'postgres', postgresFiles, commonEnv));
}
if (postgresProblem === undefined) await dropTestDatabases('this run');
rmSync(claimsDir, { recursive: true, force: true });

const total = {};
for (const { summary } of passes) for (const [key, value] of Object.entries(summary)) total[key] = (total[key] ?? 0) + value;
console.log(`\n=== Summary (Node ${process.version})`);
const table = [['backend', 'files', 'tests', 'passed', 'failed', 'cancelled', 'skipped', 'exit']];
const cell = (value) => String(value ?? '?');
for (const { label, files: passFiles, code, summary } of passes) {
  table.push(
    [
      label.split(' ')[0],
      passFiles.length,
      summary.tests,
      summary.pass,
      summary.fail,
      summary.cancelled ?? 0,
      summary.skipped ?? 0,
      code,
    ].map(cell),
  );
}
table.push(
  [
    'total',
    passes.reduce((sum, pass) => sum + pass.files.length, 0),
    total.tests ?? 0,
    total.pass ?? 0,
    total.fail ?? 0,
    total.cancelled ?? 0,
    total.skipped ?? 0,
    '',
  ].map(cell),
);
const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
for (const row of table)
  console.log(row.map((text, column) => (column === 0 ? text.padEnd(widths[column]) : text.padStart(widths[column]))).join('  '));
for (const { label, summary, skippedSuites } of passes) {
  const notes = [];
  if (skippedSuites > 0) notes.push(`${skippedSuites} suite(s) needing PostgreSQL SKIPPED`);
  notes.push(`${Math.round((summary.duration_ms ?? 0) / 1000)} s`);
  console.log(`${label}: ${notes.join(', ')}`);
}
let failed = passes.some((pass) => pass.code !== 0);

// The check that keeps every file that opens a database in the PostgreSQL pass (support/backend-list.mjs).
const leftOut = claimsLeftOut(
  passes.flatMap((pass) => [...pass.claimed]),
  runEnv,
);
if (leftOut.length > 0) {
  console.log(
    `\nFAILED: ${leftOut.length} file(s) opened a database on the test backend but are listed in support/backend-list.mjs, ` +
      `so the PostgreSQL pass leaves them out; remove them from that list:\n${leftOut.map((file) => `  ${file}`).join('\n')}`,
  );
  failed = true;
}
const postgresPass = passes.find((pass) => pass.label.startsWith('PostgreSQL'));
const openedNothing = postgresPass?.files.filter((file) => !postgresPass.claimed.has(file)) ?? [];
if (openedNothing.length > 0) {
  console.log(
    `\nNote: ${openedNothing.length} file(s) of the PostgreSQL pass opened no test database this time ` +
      `(skipped, or candidates for support/backend-list.mjs):\n${openedNothing.map((file) => `  ${file}`).join('\n')}`,
  );
}
if (postgresProblem !== undefined) {
  const what = `the PostgreSQL pass (${postgresFiles.length} file(s)) and the tests that need PostgreSQL`;
  if (CI) {
    console.log(`\nFAILED: ${postgresProblem}. With CI=true nothing is skipped: ${what} could not run.`);
    failed = true;
  } else {
    console.log(
      `\n*** PostgreSQL SKIPPED: ${postgresProblem}.\n*** Skipped: ${what}. Start PostgreSQL (or set TIMEPORT_TEST_DATABASE_URL) to run them.`,
    );
  }
}
for (const key of ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo']) console.log(`ℹ ${key} ${total[key] ?? 0}`);
console.log(`ℹ duration_ms ${Date.now() - started}`);
process.exit(failed ? 1 : 0);
