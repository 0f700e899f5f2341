/**
 * PostgreSQL for tests: the server named by TIMEPORT_TEST_DATABASE_URL (default: the local one CI
 * uses), a migrated template database per test run, and a database of its own for every test app,
 * made as a copy of the template (CREATE DATABASE ... TEMPLATE, ~0.1 s, instead of migrating each).
 *
 * Databases are named `tpt_<run>_...`, where <run> is TIMEPORT_TEST_RUN_ID (set by
 * scripts/run-tests.mjs to its pid) or this process's pid. scripts/run-tests.mjs drops a run's
 * databases at its end, and those of runs whose process is gone at its start; run alone, a test
 * drops its database when its app closes. The shared server is never stopped or reconfigured.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresStore } from '../src/store/database.js';

export const TEST_DATABASE_URL = process.env.TIMEPORT_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const RUN_ID = process.env.TIMEPORT_TEST_RUN_ID || String(process.pid);
/** Set by the runner, which drops the run's databases in one go at the end (each DROP DATABASE waits for a checkpoint). */
const DROP_AT_END_OF_RUN = process.env.TIMEPORT_TEST_DROP_AT_END === '1';
const TEMPLATE = `tpt_${RUN_ID}_template`;
let counter = 0;

/** The URL of another database on the test server. */
export function databaseUrl(name: string, base = TEST_DATABASE_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs SQL on the test server's maintenance database (the one in TIMEPORT_TEST_DATABASE_URL). */
export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let availability: Promise<string | undefined> | undefined;

/** Undefined if the test server answers, else why not. Asked once per process. */
export function postgresUnavailableReason(): Promise<string | undefined> {
  availability ??= withAdminClient((client) => client.query('select 1')).then(
    () => undefined,
    (error: unknown) => `PostgreSQL at ${redacted(TEST_DATABASE_URL)} is not reachable (${(error as Error).message})`,
  );
  return availability;
}

/**
 * The `skip` option for a suite that needs PostgreSQL: a reason to skip when it is unreachable,
 * except with CI=true, where nothing is skipped and the suite fails on its own.
 */
export async function skipWithoutPostgres(): Promise<string | false> {
  if (process.env.CI === 'true') return false;
  const reason = await postgresUnavailableReason();
  return reason === undefined ? false : `SKIPPED: ${reason} (CI=true would fail here)`;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates the run's migrated template once; concurrent test processes wait on an advisory lock. */
async function ensureTemplate(): Promise<void> {
  await withAdminClient(async (client) => {
    await client.query('select pg_advisory_lock(hashtext($1))', [TEMPLATE]);
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [TEMPLATE]);
      if (exists.rowCount !== 0) return;
      await client.query(`create database ${quote(TEMPLATE)}`);
      try {
        const store = await openPostgresStore(databaseUrl(TEMPLATE), { poolSize: 1, statementTimeoutMs: 0, connectTimeoutMs: 5_000 });
        await store.close();
      } catch (error) {
        await client.query(`drop database if exists ${quote(TEMPLATE)} with (force)`);
        throw error;
      }
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [TEMPLATE]);
    }
  });
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database (at once, or at the end of the run when the runner does it). */
  drop(): Promise<void>;
}

/**
 * A new database of its own: migrated (a copy of the run's template), or empty, for tests of
 * migrations and first starts.
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (migrated) await ensureTemplate();
  counter += 1;
  const name = `tpt_${RUN_ID}_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
  assert.ok(name.length <= 63, name);
  await withAdminClient((client) => client.query(`create database ${quote(name)}${migrated ? ` template ${quote(TEMPLATE)}` : ''}`));
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      if (DROP_AT_END_OF_RUN) return;
      await withAdminClient((client) => client.query(`drop database if exists ${quote(name)} with (force)`));
    },
  };
}

/** Closes every connection to a test database from the server side, as a failover or an operator would. */
export async function terminateConnections(name: string): Promise<number> {
  return withAdminClient(async (client) => {
    const result = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [name],
    );
    return result.rowCount ?? 0;
  });
}

function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
