/**
 * Crash safety: 64 concurrent importers against a real server process, SIGKILL in the middle of the
 * load, a restart on the same data. Every entry answered 200 must be there exactly once, no entry
 * may be half-written or doubled, and every issue's `spent` must equal the sum of its worklogs.
 *
 * The same test runs on the embedded SQLite database and on PostgreSQL (a throwaway database of
 * its own; skipped without the test PostgreSQL server unless CI=true, support/postgres.ts).
 * The data is checked twice: in the database exactly as the killed process left it, before any
 * process opens it again, and through the API of a restarted server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { type TestDatabase, createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';
import { type EnvOverrides, Sandbox, type ServerProcess } from '../../support/harness.js';
import { type As, type Worklog, createQueue, getIssue, importIssue, listWorklogs, postWorklog, worklogBody } from './tracker.js';

const ADMIN: As = { token: 'crash-test-admin-token-0001', org: '1' };
const ENV = { TIMEPORT_ADMIN_TOKEN: ADMIN.token, TIMEPORT_PUBLIC_URL: 'http://timeport.test', LOG_LEVEL: 'warn' };
const IMPORTERS = 64;
const ISSUES = 8;
/** The load is killed once this many entries were acknowledged (or after KILL_AFTER_MS). */
const KILL_AFTER_ACKNOWLEDGED = 600;
const KILL_AFTER_MS = 10_000;

const skipPostgres = await skipWithoutPostgres();

const seconds = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const parsed = parseBusinessDuration(duration);
  assert.ok(parsed.ok, duration);
  return parsed.value;
};

/** Where the server keeps its data, and how the test reads that data without a server. */
interface Backend {
  /** The server's environment (besides ENV). */
  env: EnvOverrides;
  /** Rows of a query on the database; numbers may come back as strings (PostgreSQL's bigint). */
  query<T>(sql: string): Promise<T[]>;
  /** Checks of the storage itself, as the next process finds it after the kill. */
  checkStorage(): Promise<void>;
}

function sqliteBackend(box: Sandbox): Backend {
  const query = async <T>(sql: string): Promise<T[]> => {
    // Read-write, as the next server would open it: a WAL left by the killed process is recovered.
    const db = new BetterSqlite3(box.databaseFile);
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  return {
    env: {},
    query,
    checkStorage: async () => {
      const db = new BetterSqlite3(box.databaseFile);
      try {
        assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        assert.deepEqual(db.pragma('foreign_key_check'), [], 'no row points at a missing row');
      } finally {
        db.close();
      }
    },
  };
}

function postgresBackend(database: TestDatabase): Backend {
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    env: { DATABASE_URL: database.url },
    query,
    checkStorage: async () => {
      // The killed server's sessions end as PostgreSQL sees their sockets close, each transaction
      // committed or rolled back whole; the rows are read once none is left.
      const sessions = async () =>
        Number(
          (
            await query<{ n: string }>(
              'select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
            )
          )[0]!.n,
        );
      const deadline = Date.now() + 10_000;
      while ((await sessions()) > 0) {
        assert.ok(Date.now() < deadline, "the killed server's database sessions ended within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

interface Sent {
  key: string;
  seconds: number;
}

/**
 * The test: set up 8 issues, run 64 importers until 600 entries were acknowledged (or 10 s), kill
 * the server with SIGKILL, check the database as left, restart, check through the API.
 */
async function crashUnderLoad(box: Sandbox, backend: Backend): Promise<void> {
  const env = { ...ENV, ...backend.env };
  const server = await box.serve({ env, waitMs: 60_000 });
  await createQueue(server, ADMIN);
  const keys: string[] = [];
  for (let i = 0; i < ISSUES; i += 1) keys.push((await importIssue(server, ADMIN)).key);

  const acknowledged = new Map<string, Sent>();
  const attempted = new Map<string, Sent>();
  const unexpected: string[] = [];
  let killed = false;
  let signalKill: () => void = () => {};
  const killNow = new Promise<void>((resolve) => (signalKill = resolve));
  const importer = async (worker: number) => {
    for (let n = 0; !killed; n += 1) {
      const comment = `importer ${worker} entry ${n}`;
      const key = keys[(worker + n) % ISSUES]!;
      const minutes = 1 + ((worker * 7 + n) % 120);
      attempted.set(comment, { key, seconds: minutes * 60 });
      let response: Awaited<ReturnType<typeof postWorklog>>;
      try {
        response = await postWorklog(server, ADMIN, key, worklogBody({ comment, duration: `PT${minutes}M` }));
      } catch {
        // The connection died with the server: the entry may or may not have been stored.
        return;
      }
      if (response.status !== 200) {
        unexpected.push(`${comment}: ${response.status} ${response.text}`);
        return;
      }
      acknowledged.set(comment, { key, seconds: minutes * 60 });
      if (acknowledged.size >= KILL_AFTER_ACKNOWLEDGED) signalKill();
    }
  };
  const load = Promise.all(Array.from({ length: IMPORTERS }, (_, worker) => importer(worker)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([killNow, new Promise<void>((resolve) => (timer = setTimeout(resolve, KILL_AFTER_MS)))]);
  clearTimeout(timer);
  killed = true;
  const inFlightAtKill = attempted.size - acknowledged.size;
  const exit = await server.child.kill();
  assert.equal(exit.signal, 'SIGKILL');
  await load;
  assert.deepEqual(unexpected, [], 'every answer during the load was 200');
  assert.ok(acknowledged.size > 0, 'some imports were acknowledged before the kill');
  assert.ok(inFlightAtKill > 0, 'the kill came while requests were in flight');

  // 1. The database exactly as the killed process left it, before any process opens it again.
  await backend.checkStorage();
  await checkRows(backend, keys, acknowledged, attempted);

  // 2. Through the API of a new server process on the same data.
  const restarted = await box.serve({ env, waitMs: 60_000 });
  await checkApi(restarted, keys, acknowledged, attempted);
  assert.equal((await restarted.stop()).code, 0, restarted.child.transcript());
}

/** Every stored worklog is whole, was sent, is there once; every issue's spent is the sum. */
async function checkRows(backend: Backend, keys: string[], acknowledged: Map<string, Sent>, attempted: Map<string, Sent>): Promise<void> {
  const issues = await backend.query<{ key: string; spent: number | string; total: number | string; count: number | string }>(
    // spent as the store reads it: the issue's column plus the single imports' counters (store/issues.ts).
    `select i.key as key,
            i.spent_seconds + coalesce((select sum(s.seconds) from issue_spent_shards s where s.issue_id = i.id), 0) as spent,
            (select coalesce(sum(w.duration_seconds), 0) from worklogs w where w.issue_id = i.id) as total,
            (select count(*) from worklogs w where w.issue_id = i.id) as count
       from issues i order by i.number`,
  );
  assert.deepEqual(
    issues.map((issue) => issue.key),
    keys,
    'the issues, no more, no less',
  );
  for (const issue of issues)
    assert.equal(Number(issue.spent), Number(issue.total), `${issue.key}: spent_seconds is the sum of its worklogs' durations`);

  const worklogs = await backend.query<{
    id: number | string;
    key: string | null;
    comment: string | null;
    seconds: number | string;
    login: string | null;
  }>(
    `select w.id as id, i.key as key, w.comment as comment, w.duration_seconds as seconds, u.login as login
       from worklogs w left join issues i on i.id = w.issue_id left join users u on u.uid = w.created_by`,
  );
  assert.equal(
    worklogs.length,
    issues.reduce((sum, issue) => sum + Number(issue.count), 0),
    'every worklog belongs to one of the issues',
  );
  const stored = new Map<string, number>();
  for (const worklog of worklogs) {
    assert.ok(worklog.comment !== null && attempted.has(worklog.comment), `a row nobody sent: ${JSON.stringify(worklog)}`);
    const sent = attempted.get(worklog.comment)!;
    assert.equal(worklog.key, sent.key, `${worklog.comment}: on the issue it was sent to`);
    assert.equal(Number(worklog.seconds), sent.seconds, `${worklog.comment}: with the duration it was sent with`);
    assert.equal(worklog.login, 'admin', `${worklog.comment}: by the user it was sent as`);
    stored.set(worklog.comment, (stored.get(worklog.comment) ?? 0) + 1);
  }
  const doubled = [...stored].filter(([, count]) => count > 1);
  assert.deepEqual(doubled, [], 'no entry is stored twice');
  const lost = [...acknowledged.keys()].filter((comment) => !stored.has(comment));
  assert.deepEqual(lost, [], 'every acknowledged entry is in the database');
}

async function checkApi(
  server: ServerProcess,
  keys: string[],
  acknowledged: Map<string, Sent>,
  attempted: Map<string, Sent>,
): Promise<void> {
  const seen = new Map<string, number>();
  for (const key of keys) {
    const worklogs: Worklog[] = await listWorklogs(server, ADMIN, key);
    let sum = 0;
    for (const worklog of worklogs) {
      assert.ok(worklog.comment !== undefined && attempted.has(worklog.comment), `an entry nobody sent: ${JSON.stringify(worklog)}`);
      seen.set(worklog.comment, (seen.get(worklog.comment) ?? 0) + 1);
      sum += seconds(worklog.duration);
      const sent = attempted.get(worklog.comment)!;
      assert.equal(worklog.issue.key, sent.key, 'stored on the issue it was sent to');
      assert.equal(seconds(worklog.duration), sent.seconds, 'stored with the duration it was sent with');
    }
    assert.equal(seconds((await getIssue(server, ADMIN, key)).spent), sum, `${key}: spent equals the sum of its worklogs`);
  }
  for (const [comment, count] of seen) assert.equal(count, 1, `${comment} is listed ${count} times`);
  const lost = [...acknowledged.keys()].filter((comment) => !seen.has(comment));
  assert.deepEqual(lost, [], 'every acknowledged entry survived the crash');
}

describe('crash safety', { timeout: 240_000 }, () => {
  it('SQLite: after SIGKILL under 64 concurrent importers, every acknowledged entry is there exactly once', async () => {
    const box = new Sandbox('timeport-crash-');
    try {
      await crashUnderLoad(box, sqliteBackend(box));
    } finally {
      await box.dispose();
    }
  });

  it(
    'PostgreSQL: after SIGKILL under 64 concurrent importers, every acknowledged entry is there exactly once',
    { skip: skipPostgres },
    async () => {
      const box = new Sandbox('timeport-crash-pg-');
      const database = await createTestDatabase({ migrated: false });
      try {
        await crashUnderLoad(box, postgresBackend(database));
      } finally {
        await box.dispose();
        await database.drop();
      }
    },
  );
});
