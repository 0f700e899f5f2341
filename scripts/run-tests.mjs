#!/usr/bin/env node
// Runs every test file under test/ with node:test and tsx. This lists the .ts test files itself
// (Node 22's runner finds only .js ones without a glob). Arguments narrow the run to paths containing them.
//
// Two passes: every file on SQLite, then every file that builds a test app (the HTTP suites:
// `buildTestApp(`, `buildAppWithIssue(`, `openTestStore(` or the importer's `startTarget(` in its source) or starts
// a server process on the test backend (`serveOnTestBackend(`, support/harness.ts) again on PostgreSQL
// (TIMEPORT_TEST_BACKEND=postgres, server TIMEPORT_TEST_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/test). Without a reachable PostgreSQL the second pass is
// skipped, loudly; with CI=true that is a failure instead. TIMEPORT_TEST_PASSES=sqlite or postgres runs one
// pass only (CI runs each on a different Node line, .ci/run); the default is both. The last lines are the totals of both
// passes, in the runner's own `ℹ tests N` form.
//
// The process tests run bin/timeport.js, which runs the compiled dist/: the build (incremental)
// runs first, so they test the sources as they are.
//
// Test databases are named tpt_<this pid>_...; they are dropped together at the end (each DROP
// DATABASE waits for a checkpoint, so one by one would cost seconds), and those of earlier runs
// whose process is gone are dropped at the start. Other runs' databases are left alone.
import '../bin/require-node.js';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

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
const perBackendFiles = files.filter((file) =>
  /\b(buildTestApp|buildAppWithIssue|openTestStore|startTarget|serveOnTestBackend)\(/.test(readFileSync(path.join(root, file), 'utf8')),
);

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
    // Concurrent drops share their checkpoints.
    await Promise.all(
      names.map((name) =>
        withAdminClient((each) => each.query(`drop database if exists "${name}" with (force)`)).catch((error) =>
          console.error(`could not drop test database ${name}: ${error.message}`),
        ),
      ),
    );
  });
}

// eslint-disable-next-line no-control-regex -- the reporter colours its lines
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

/** Runs node --test on the files; streams the output and returns the exit code and the summary. */
function runPass(label, passFiles, env) {
  console.log(`\n=== ${label}: ${passFiles.length} file(s)\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...passFiles], {
      cwd: root,
      env: { ...process.env, ...env, ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
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
      resolve({ label, code: code ?? (signal === null ? 1 : 128), summary, skippedSuites });
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
if (PASSES.includes('sqlite')) passes.push(await runPass('SQLite (every file)', files, { ...commonEnv, TIMEPORT_TEST_BACKEND: 'sqlite' }));
if (PASSES.includes('postgres') && perBackendFiles.length > 0 && postgresProblem === undefined) {
  passes.push(await runPass('PostgreSQL (HTTP suites again)', perBackendFiles, { ...commonEnv, TIMEPORT_TEST_BACKEND: 'postgres' }));
}
if (postgresProblem === undefined) await dropTestDatabases('this run');

const total = {};
for (const { summary } of passes) for (const [key, value] of Object.entries(summary)) total[key] = (total[key] ?? 0) + value;
console.log(`\n=== Summary (Node ${process.version})`);
for (const { label, code, summary, skippedSuites } of passes) {
  console.log(
    `${label}: tests ${summary.tests ?? '?'}, pass ${summary.pass ?? '?'}, fail ${summary.fail ?? '?'}, skipped ${summary.skipped ?? 0}` +
      `${skippedSuites > 0 ? ` (and ${skippedSuites} suite(s) needing PostgreSQL SKIPPED)` : ''}, ${Math.round((summary.duration_ms ?? 0) / 1000)} s, exit ${code}`,
  );
}
let failed = passes.some((pass) => pass.code !== 0);
if (postgresProblem !== undefined) {
  const what = `the PostgreSQL pass (${perBackendFiles.length} HTTP suite file(s)) and the tests that need PostgreSQL`;
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
