/**
 * Several Timeport processes on one PostgreSQL database: independent processes started together on
 * an empty database, and `serve --workers N`. Needs the test PostgreSQL server; skipped without it
 * unless CI=true (support/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import { type TestDatabase, createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';
import { Sandbox, type ServerProcess } from '../../support/harness.js';
import {
  type As,
  type Issue,
  type Worklog,
  call,
  createQueue,
  expectStatus,
  getIssue,
  importIssue,
  listWorklogs,
  postWorklog,
  worklogBody,
} from './tracker.js';

const TOKEN = 'multi-process-admin-token-01';
const as: As = { token: TOKEN, org: '1' };
const skip = await skipWithoutPostgres();

async function rowsOf<T>(url: string, query: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(query)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('three server processes on one PostgreSQL database', { skip, timeout: 180_000 }, () => {
  const box = new Sandbox();
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  const keys: string[] = [];

  before(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  after(async () => {
    await box.dispose();
    await database?.drop();
  });

  it('start together on an empty database: migrations once, one organization, one bootstrap', async () => {
    const env = { DATABASE_URL: database.url, TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', TIMEPORT_DB_POOL: '4' };
    servers = await Promise.all([0, 1, 2].map(() => box.serve({ env, waitMs: 60_000 })));
    const bootstrapped = servers.filter((server) => server.stdout.includes('Created organization 1 with administrator "admin".'));
    assert.equal(bootstrapped.length, 1, servers.map((server) => server.child.transcript()).join('\n'));
    for (const server of servers) assert.doesNotMatch(server.stderr, /error/i, server.child.transcript());

    const migrations = await rowsOf<{ name: string }>(database.url, 'select name from timeport_migrations order by name');
    assert.ok(migrations.length >= 1);
    assert.equal(new Set(migrations.map((row) => row.name)).size, migrations.length);
    const counts = await rowsOf<{ orgs: string; users: string; tokens: string }>(
      database.url,
      'select (select count(*) from organizations) as orgs, (select count(*) from users) as users, (select count(*) from tokens) as tokens',
    );
    assert.deepEqual(counts[0], { orgs: '1', users: '1', tokens: '1' });
    for (const server of servers) assert.equal(expectStatus<{ login: string }>(await call(server, as, '/v3/myself'), 200).login, 'admin');

    await createQueue(servers[0]!, as);
    for (const server of servers) keys.push((await importIssue(server, as)).key);
    assert.deepEqual(keys, ['TEST-1', 'TEST-2', 'TEST-3'], 'numbers continue across processes');
  });

  it('concurrent imports and creates across the processes: every acknowledged entry once, spent the sum everywhere', async () => {
    assert.equal(servers.length, 3, 'the servers started');
    const perServer = 60;
    const sent: { server: number; key: string; comment: string; seconds: number }[] = [];
    for (let i = 0; i < perServer; i++) {
      for (let s = 0; s < servers.length; s++) {
        const minutes = 1 + ((i * 7 + s * 13) % 300);
        sent.push({ server: s, key: keys[(i + s) % keys.length]!, comment: `server ${s} entry ${i}`, seconds: minutes * 60 });
      }
    }
    const created = Array.from({ length: 30 }, (_, i) => ({ server: i % servers.length, summary: `created ${i}` }));
    const users = Array.from({ length: 9 }, (_, i) => ({ server: i % servers.length, login: `user${i}` }));
    const [imports, creates, userAnswers] = await Promise.all([
      Promise.all(
        sent.map((entry) =>
          postWorklog(servers[entry.server]!, as, entry.key, worklogBody({ duration: `PT${entry.seconds / 60}M`, comment: entry.comment })),
        ),
      ),
      Promise.all(
        created.map((issue) =>
          call(servers[issue.server]!, as, '/v3/issues/', { method: 'POST', body: { queue: 'TEST', summary: issue.summary } }),
        ),
      ),
      Promise.all(
        users.map((user) => call(servers[user.server]!, as, '/timeport/v1/users', { method: 'POST', body: { login: user.login } })),
      ),
    ]);

    const acknowledged = imports.map((response, i) => expectStatus<Worklog>(response, 200, `import ${sent[i]!.comment}`));
    assert.equal(new Set(acknowledged.map((worklog) => worklog.id)).size, sent.length, 'worklog ids are unique');
    const issues = creates.map((response) => expectStatus<Issue>(response, 201, 'POST /v3/issues/'));
    assert.equal(new Set(issues.map((issue) => issue.id)).size, created.length, 'issue ids are unique');
    assert.deepEqual(
      issues.map((issue) => Number(issue.key.split('-')[1])).sort((a, b) => a - b),
      Array.from({ length: created.length }, (_, i) => i + 4),
      'issue numbers are unique and leave no gap',
    );
    const uids = userAnswers.map((response) => expectStatus<{ uid: number }>(response, 201, 'POST /timeport/v1/users').uid);
    assert.equal(new Set(uids).size, users.length, 'user ids are unique');

    for (const key of keys) {
      const expected = sent.filter((entry) => entry.key === key);
      const expectedSpent = formatBusinessDuration(expected.reduce((sum, entry) => sum + entry.seconds, 0));
      for (const server of servers) {
        const listed = await listWorklogs(server, as, key);
        assert.equal(listed.length, expected.length, `${key} on ${server.url}`);
        assert.deepEqual(
          listed.map((worklog) => worklog.comment).sort(),
          expected.map((entry) => entry.comment).sort(),
          'each acknowledged entry is there exactly once',
        );
        const ids = new Set(acknowledged.filter((_, i) => sent[i]!.key === key).map((worklog) => worklog.id));
        assert.ok(listed.every((worklog) => ids.has(worklog.id)));
        assert.equal((await getIssue(server, as, key)).spent, expectedSpent, `spent of ${key} on ${server.url}`);
      }
    }
  });

  it('If-Match versions hold across processes: of concurrent edits of one version, exactly one wins', async () => {
    assert.equal(servers.length, 3, 'the servers started');
    const worklog = expectStatus<Worklog>(
      await postWorklog(servers[0]!, as, keys[0]!, worklogBody({ comment: 'to edit', duration: 'PT1H' })),
      200,
    );
    const spentBefore = (await getIssue(servers[0]!, as, keys[0]!)).spent;
    const edits = await Promise.all(
      servers.flatMap((server, s) =>
        [0, 1].map((i) =>
          call(server, as, `/v3/issues/${keys[0]}/worklog/${worklog.id}`, {
            method: 'PATCH',
            headers: { 'if-match': `"${worklog.version}"` },
            body: { duration: `PT${2 + s * 2 + i}H` },
          }),
        ),
      ),
    );
    const statuses = edits.map((response) => response.status).sort();
    assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412], edits.map((response) => response.text).join('\n'));
    const winner = edits.find((response) => response.status === 200)!.json<Worklog>();
    assert.equal(winner.version, worklog.version + 1);
    const hours = Number(/^PT(\d+)H$/.exec(winner.duration)?.[1] ?? Number.NaN);
    assert.ok(hours >= 2 && hours <= 7, winner.duration);
    // spent moved by exactly the winner's change: (hours - 1) hours more than before.
    const before = spentBefore === undefined ? 0 : secondsOf(spentBefore);
    for (const server of servers) {
      assert.equal((await getIssue(server, as, keys[0]!)).spent, formatBusinessDuration(before + (hours - 1) * 3600));
    }
  });

  it('retries with one Idempotency-Key across the processes never make a duplicate', async () => {
    assert.equal(servers.length, 3, 'the servers started');
    const entries = Array.from({ length: 12 }, (_, i) => ({
      key: `cross-process-retry-${i}`,
      body: worklogBody({ comment: `idempotent ${i}`, duration: `PT${10 + i}M` }),
      issue: keys[i % keys.length]!,
    }));
    const sums = new Map<string, number>();
    for (const key of keys)
      sums.set(
        key,
        (await listWorklogs(servers[0]!, as, key)).reduce((sum, w) => sum + secondsOf(w.duration), 0),
      );
    // Each entry is sent to all three processes at once (a client retrying through a load balancer),
    // then once more to each after the first answers are in.
    const send = (entry: (typeof entries)[number], server: ServerProcess) =>
      call(server, as, `/v3/issues/${entry.issue}/worklogs/_import`, {
        method: 'POST',
        body: entry.body,
        headers: { 'idempotency-key': entry.key },
      });
    const concurrent = await Promise.all(entries.flatMap((entry) => servers.map((server) => send(entry, server))));
    const later = await Promise.all(entries.flatMap((entry) => servers.map((server) => send(entry, server))));
    for (const [i, entry] of entries.entries()) {
      const answers = [...concurrent.slice(i * 3, i * 3 + 3), ...later.slice(i * 3, i * 3 + 3)];
      for (const answer of answers) assert.equal(answer.status, 200, answer.text);
      assert.equal(new Set(answers.map((answer) => answer.text)).size, 1, `${entry.key}: every answer is the first one`);
      assert.equal(answers.filter((answer) => answer.headers['idempotent-replayed'] === undefined).length, 1);
    }
    for (const key of keys) {
      const mine = entries.filter((entry) => entry.issue === key);
      for (const server of servers) {
        const listed = await listWorklogs(server, as, key);
        for (const entry of mine) {
          assert.equal(listed.filter((w) => w.comment === entry.body.comment).length, 1, `${entry.key} stored exactly once`);
        }
        const expected = sums.get(key)! + mine.reduce((sum, entry) => sum + (10 + entries.indexOf(entry)) * 60, 0);
        assert.equal(
          listed.reduce((sum, w) => sum + secondsOf(w.duration), 0),
          expected,
        );
        assert.equal((await getIssue(server, as, key)).spent, formatBusinessDuration(expected), 'spent is the sum everywhere');
      }
    }
  });

  it('stop cleanly', async () => {
    for (const server of servers) assert.equal((await server.stop()).code, 0, server.child.transcript());
  });
});

describe('timeport serve --workers', { skip, timeout: 120_000 }, () => {
  const box = new Sandbox();
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  after(async () => {
    await box.dispose();
    await database?.drop();
  });

  it('runs three worker processes on one port, shares the work between them, and stops on SIGTERM', async () => {
    const server = await box.serve({
      args: ['--workers', '3'],
      waitMs: 60_000,
      env: { DATABASE_URL: database.url, TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', TIMEPORT_DB_POOL: '3' },
    });
    assert.equal(server.stdout.split('Created organization 1').length, 2, 'bootstrapped once');
    const pids = /Started 3 worker processes \((\d+), (\d+), (\d+)\)\./.exec(server.stdout);
    assert.ok(pids !== null, server.child.transcript());
    assert.equal(new Set(pids.slice(1)).size, 3);

    await createQueue(server, as);
    const issue = await importIssue(server, as);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => postWorklog(server, as, issue.key, worklogBody({ comment: `w${i}`, duration: 'PT1M' }))),
    );
    for (const answer of answers) expectStatus(answer, 200);
    assert.equal((await listWorklogs(server, as, issue.key)).length, 60);
    assert.equal((await getIssue(server, as, issue.key)).spent, 'PT1H');
    for (const pid of pids.slice(1)) assert.doesNotThrow(() => process.kill(Number(pid), 0), `worker ${pid} is running`);

    const exit = await server.stop('SIGTERM');
    assert.equal(exit.code, 0, server.child.transcript());
    for (const pid of pids.slice(1)) assert.throws(() => process.kill(Number(pid), 0), /ESRCH/, `worker ${pid} has exited`);
  });

  it('refuses --workers with the embedded SQLite database, in one line', async () => {
    const result = await box.cli(['serve', '--workers', '2']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^timeport: --workers needs PostgreSQL/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
  });
});

/** Seconds of a business duration as Timeport answers it (W, D, H, M, S). */
function secondsOf(duration: string): number {
  const units: Record<string, number> = { W: 144_000, D: 28_800, H: 3600, M: 60, S: 1 };
  let seconds = 0;
  for (const [, count, unit] of duration.matchAll(/(\d+)([WDHMS])/g)) seconds += Number(count) * units[unit!]!;
  return seconds;
}
