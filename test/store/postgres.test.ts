/**
 * What only PostgreSQL has: migrations and first starts racing between processes, type parsing,
 * statement timeouts and connections killed by the server. Skipped without the test server unless
 * CI=true (support/postgres.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../src/api/app.js';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import type { ServiceContext } from '../../src/service/context.js';
import { bootstrapOrganization, createOrganization } from '../../src/service/organizations.js';
import { type Store, openPostgresStore } from '../../src/store/database.js';
import { StoreOpenError, classifyDatabaseError } from '../../src/store/errors.js';
import { ADMIN_TOKEN, PUBLIC_URL } from '../../support/app.js';
import { createTestDatabase, skipWithoutPostgres, terminateConnections } from '../../support/postgres.js';
import { NOW } from '../api/fixtures.js';

const skip = await skipWithoutPostgres();
const OPTIONS = { poolSize: 4, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 };

/** An app on its own PostgreSQL database, with organization 1 and its admin. */
async function postgresApp(options: Partial<typeof OPTIONS & { analyzeAfterRows: number }> = {}) {
  const database = await createTestDatabase();
  const store = await openPostgresStore(database.url, { ...OPTIONS, ...options, onIdleConnectionError: () => undefined });
  const ctx: ServiceContext = { store, now: () => NOW };
  await createOrganization(ctx, { id: '1', adminLogin: 'admin', adminToken: ADMIN_TOKEN });
  const app = await buildApp({ ctx, publicUrl: PUBLIC_URL });
  const request = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({ method, url, payload: payload as object, headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' } });
  const close = async () => {
    await app.close();
    await store.close();
    await database.drop();
  };
  return { database, store, app, request, close };
}

async function prepareIssue(request: Awaited<ReturnType<typeof postgresApp>>['request']): Promise<string> {
  assert.equal((await request('POST', '/v3/queues/', { key: 'TEST', name: 'Test', lead: 'admin' })).statusCode, 201);
  const issue = await request('POST', '/v3/issues/_import', {
    queue: 'TEST',
    summary: 'x',
    createdAt: '2025-01-10T09:00:00.000+0000',
    createdBy: 'admin',
    updatedAt: '2025-02-20T18:00:00.000+0000',
    updatedBy: 'admin',
  });
  assert.equal(issue.statusCode, 200, issue.body);
  return issue.json<{ key: string }>().key;
}

const entry = (comment: string, minutes: number) => ({
  start: '2025-02-01T10:00:00Z',
  duration: `PT${minutes}M`,
  comment,
  createdAt: '2025-02-01T18:00:00Z',
  createdBy: 'admin',
});

describe('PostgreSQL store', { skip, timeout: 120_000 }, () => {
  it('analyzes the tables a batch import grew, once enough rows have come since the last analysis', async () => {
    const { database, request, close } = await postgresApp({ analyzeAfterRows: 100 });
    try {
      const key = await prepareIssue(request);
      const counted = async () => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ relname: string; reltuples: number }>(
            "select relname, reltuples from pg_class where relname in ('worklogs', 'imported_worklogs') order by relname",
          );
          return Object.fromEntries(rows.map((row) => [row.relname, Number(row.reltuples)]));
        } finally {
          await client.end();
        }
      };
      let next = 0;
      const batch = async (count: number) => {
        const entries = Array.from({ length: count }, () => ({ issue: key, externalId: `e-${next}`, ...entry(`entry ${next++}`, 30) }));
        const answer = await request('POST', '/timeport/v1/worklogs/_import', { source: 'bulk.ndjson', mode: 'partial', entries });
        assert.equal(answer.statusCode, 200, answer.body);
        assert.equal(answer.json<{ counts: { created: number } }>().counts.created, count);
      };
      const before = await counted();
      assert.ok(before.worklogs! <= 0, `the planner counted ${before.worklogs} worklogs before any`);
      await batch(150);
      assert.deepEqual(await counted(), { imported_worklogs: 150, worklogs: 150 }, 'analyzed after 150 rows (at least 100)');
      await batch(20);
      assert.deepEqual(await counted(), { imported_worklogs: 150, worklogs: 150 }, 'not again after 20 more');
      await batch(90);
      assert.deepEqual(await counted(), { imported_worklogs: 260, worklogs: 260 }, 'again once 110 more have come');
    } finally {
      await close();
    }
  });

  it('several processes opening an empty database at once: migrations run once, and one bootstrap wins', async () => {
    const database = await createTestDatabase({ migrated: false });
    const stores: Store[] = [];
    try {
      stores.push(...(await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(database.url, OPTIONS)))));
      const migrations = await sql<{ name: string }>`select name from timeport_migrations`.execute(stores[0]!.db);
      assert.ok(migrations.rows.length >= 1);
      const results = await Promise.all(
        stores.map((store, i) =>
          store.withStartupLock(() => bootstrapOrganization({ store, now: () => NOW }, `org${i}`, `bootstrap-token-00000000${i}`)),
        ),
      );
      assert.equal(results.filter((result) => result.created !== undefined).length, 1, 'exactly one process bootstraps');
      const organizations = await stores[0]!.db.selectFrom('organizations').select('id').execute();
      assert.equal(organizations.length, 1);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await database.drop();
    }
  });

  it('parses bigint and numeric deliberately: exact numbers, or an error, never a rounded value', async () => {
    const { store, close } = await postgresApp();
    try {
      const exact = await sql<{
        big: number;
        sum: number;
      }>`select 9007199254740991::bigint as big, sum(x) as sum from (values (1::bigint), (2::bigint)) as t(x)`.execute(store.db);
      assert.deepEqual(exact.rows[0], { big: 9_007_199_254_740_991, sum: 3 });
      await assert.rejects(sql`select 9007199254740993::bigint as big`.execute(store.db), /does not fit a JavaScript number exactly/);
    } finally {
      await close();
    }
  });

  it('prepared statements: a schema change by another process is one retryable failure, then the connection is replaced', async () => {
    const { database, store, close } = await postgresApp({ poolSize: 1 });
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('create table probe (a integer)');
      await other.query('insert into probe values (1)');
      const read = () => sql<{ a: number; b?: number }>`select * from probe where a = ${1}`.execute(store.db);
      assert.deepEqual((await read()).rows, [{ a: 1 }]);
      // Prepared now, under its name, on the pool's one connection.
      await other.query('alter table probe add column b integer default 2');
      const error = await read().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      assert.ok(error !== undefined, 'the stale prepared statement failed');
      assert.equal(classifyDatabaseError(error)?.kind, 'unavailable', 'a 503, to be retried');
      assert.deepEqual((await read()).rows, [{ a: 1, b: 2 }], 'the retry runs on a new connection and sees the new column');
    } finally {
      await other.end();
      await close();
    }
  });

  it('a statement that waits past the statement timeout is a 503 in Tracker format, and nothing is stored', async () => {
    const app = await postgresApp({ statementTimeoutMs: 500 });
    const blocker = new pg.Client({ connectionString: app.database.url });
    await blocker.connect();
    try {
      const key = await prepareIssue(app.request);
      // Another transaction holds the issue's row: the import's `spent` update must wait for it.
      await blocker.query('begin');
      await blocker.query('select * from issues where key = $1 for update', [key]);
      const started = Date.now();
      const blocked = await app.request('POST', `/v3/issues/${key}/worklogs/_import`, entry('blocked', 5));
      assert.ok(Date.now() - started < 5_000, 'answered within the timeout, not after the lock');
      assert.equal(blocked.statusCode, 503, blocked.body);
      assert.deepEqual(blocked.json(), {
        errors: {},
        errorsData: {},
        errorMessages: ['The database is temporarily unavailable. Try again later.'],
        statusCode: 503,
      });
      await blocker.query('rollback');
      const listed = await app.request('GET', `/v3/issues/${key}/worklog`);
      assert.deepEqual(listed.json(), [], 'the insert before the timeout was rolled back');
      const retried = await app.request('POST', `/v3/issues/${key}/worklogs/_import`, entry('retried', 5));
      assert.equal(retried.statusCode, 200, retried.body);
      assert.equal((await app.request('GET', `/v3/issues/${key}`)).json<{ spent: string }>().spent, 'PT5M');
    } finally {
      await blocker.end();
      await app.close();
    }
  });

  it('connections killed by the server (pg_terminate_backend) under load: 200 or 503 only, recovery, nothing lost or doubled', async () => {
    const app = await postgresApp();
    try {
      const key = await prepareIssue(app.request);
      const answers: { comment: string; minutes: number; status: number; body: string }[] = [];
      let running = true;
      let sequence = 0;
      const client = async () => {
        while (running) {
          sequence += 1;
          const comment = `entry ${sequence}`;
          const minutes = 1 + (sequence % 30);
          const response = await app.request('POST', `/v3/issues/${key}/worklogs/_import`, entry(comment, minutes));
          answers.push({ comment, minutes, status: response.statusCode, body: response.body });
        }
      };
      const clients = Array.from({ length: 6 }, client);
      let terminated = 0;
      // A connection killed while idle in the pool is replaced unseen; only one killed under a
      // query answers 503. Kill until that has happened (at least 4 rounds, at most 20: 6 s).
      const metKilled = () => answers.some((answer) => answer.status === 503);
      for (let round = 0; round < 20 && (round < 4 || !metKilled()); round++) {
        await sleep(300);
        terminated += await terminateConnections(app.database.name);
      }
      await sleep(500);
      running = false;
      await Promise.all(clients);
      assert.ok(terminated > 0, 'connections were terminated');

      for (const answer of answers) assert.ok([200, 503].includes(answer.status), `${answer.status}: ${answer.body}`);
      assert.ok(metKilled(), 'some requests met a killed connection');
      const after = await app.request('POST', `/v3/issues/${key}/worklogs/_import`, entry('after', 1));
      assert.equal(after.statusCode, 200, `recovered by itself: ${after.body}`);
      answers.push({ comment: 'after', minutes: 1, status: 200, body: after.body });

      const rows = await app.store.db.selectFrom('worklogs').select(['comment', 'durationSeconds']).execute();
      const comments = rows.map((row) => row.comment!);
      assert.equal(new Set(comments).size, rows.length, 'nothing stored twice');
      const acknowledged = answers.filter((answer) => answer.status === 200);
      for (const answer of acknowledged) assert.ok(comments.includes(answer.comment), `${answer.comment} acknowledged and stored`);
      const seconds = rows.reduce((sum, row) => sum + row.durationSeconds, 0);
      assert.equal((await app.request('GET', `/v3/issues/${key}`)).json<{ spent: string }>().spent, formatBusinessDuration(seconds));
    } finally {
      await app.close();
    }
  });

  it('a server that refuses connections is a one-line StoreOpenError at start, without the password', async () => {
    const started = Date.now();
    await assert.rejects(
      openPostgresStore('postgres://someone:very-secret-1@127.0.0.1:9/nothing', { ...OPTIONS, connectTimeoutMs: 1_000 }),
      (error: unknown) => {
        assert.ok(error instanceof StoreOpenError);
        assert.match(
          error.message,
          /^cannot open the PostgreSQL database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:9\/nothing: ECONNREFUSED/,
        );
        assert.ok(!error.message.includes('very-secret-1'));
        return true;
      },
    );
    assert.ok(Date.now() - started < 5_000);
  });
});
