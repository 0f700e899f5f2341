/**
 * SIGTERM drains within a bounded time (issue 7): the server stops accepting at once, so `/readyz`
 * fails; the requests in flight (batch imports whose bodies arrive only after the signal, some on
 * keep-alive connections) are carried out and answered; the process exits 0 once they are, or 1
 * when TIMEPORT_SHUTDOWN_GRACE_MS runs out first, with the connections still open closed.
 *
 * "In flight" is made without any test-only code in the server: a request is sent with
 * `Expect: 100-continue`, and once the server has answered `100 Continue` it has the request; its
 * body is sent (or never finished) when the test decides.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import { type TestDatabase, createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';
import { type HttpResponse, Sandbox, type ServerProcess, requestParts, within } from '../../support/harness.js';
import { type As, createQueue, expectStatus, getIssue, importIssue, worklogBody } from './tracker.js';

const ADMIN: As = { token: 'shutdown-test-admin-token-01', org: '1' };
const ENV = { TIMEPORT_ADMIN_TOKEN: ADMIN.token, LOG_LEVEL: 'warn' };
const BATCH_PATH = '/timeport/v1/worklogs/_import';
/** What the exit may take beyond the grace period: the timer, closing sockets, process exit. */
const EXIT_MARGIN_MS = 3_000;
const skipPostgres = await skipWithoutPostgres();

/** A request the server has taken (it answered `100 Continue`) whose body the test sends later. */
interface HeldRequest {
  /** Sends the rest of the body and resolves with the response. */
  finish(): Promise<HttpResponse>;
  /** Waits for the response, or the error that kept the request from having one. */
  outcome(): Promise<{ response?: HttpResponse; error?: Error }>;
}

/**
 * Sends the headers of a POST with `Expect: 100-continue`, and once the server has answered
 * `100 Continue`, the first half of the body; resolves then. The rest goes with `finish()`.
 */
async function hold(
  server: ServerProcess,
  path: string,
  body: unknown,
  options: { agent?: http.Agent; what: string },
): Promise<HeldRequest> {
  const parts = requestParts({ ...ADMIN, body });
  const text = Buffer.from(parts.body!);
  const request = http.request(`${server.url}${path}`, {
    method: 'POST',
    headers: { ...parts.headers, expect: '100-continue', 'content-length': String(text.length) },
    agent: options.agent ?? false,
  });
  const response = new Promise<HttpResponse>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (incoming) => {
      let answer = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (answer += chunk));
      incoming.on('error', reject);
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text: answer, json: <T>() => JSON.parse(answer) as T }),
      );
    });
  });
  const outcome = response.then(
    (answer) => ({ response: answer }),
    (error: unknown) => ({ error: error as Error }),
  );
  request.flushHeaders();
  await within(
    new Promise<void>((resolve, reject) => {
      request.once('continue', resolve);
      request.once('error', reject);
      request.once('response', (incoming) =>
        reject(new Error(`${options.what}: answered ${incoming.statusCode} before its body was sent`)),
      );
    }),
    `100 Continue for ${options.what}`,
  );
  // The first half goes at once; the request stays in flight until the rest comes.
  const half = Math.floor(text.length / 2);
  request.write(text.subarray(0, half));
  return {
    finish: () => {
      request.end(text.subarray(half));
      return within(response, `the response to ${options.what}`);
    },
    outcome: () => within(outcome, `the outcome of ${options.what}`),
  };
}

/** A batch of `count` entries for the issue, with external ids `<prefix>-<n>`, 1 to 60 minutes each. */
function batch(issue: string, prefix: string, count: number): { body: unknown; seconds: number } {
  const entries = Array.from({ length: count }, (_, n) => ({
    ...worklogBody({ duration: `PT${1 + (n % 60)}M`, comment: `${prefix}-${n}` }),
    issue,
    externalId: `${prefix}-${n}`,
  }));
  const seconds = Array.from({ length: count }, (_, n) => (1 + (n % 60)) * 60).reduce((sum, each) => sum + each, 0);
  return { body: { entries, mode: 'partial', source: prefix }, seconds };
}

/** How a request to a server that has stopped accepting ends: never 200. */
async function refusedOrUnavailable(server: ServerProcess, path: string, as?: As): Promise<void> {
  let response: HttpResponse;
  try {
    response = await server.request(path, { ...as, timeoutMs: 5_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    assert.ok(code === 'ECONNREFUSED' || code === 'ECONNRESET', `${path} while draining: ${String(error)}`);
    return;
  }
  assert.equal(response.status, 503, `${path} while draining: ${response.status} ${response.text}`);
  if (!path.startsWith('/readyz') && !path.startsWith('/healthz')) {
    const body = JSON.parse(response.text) as { statusCode?: unknown; errorMessages?: unknown };
    assert.equal(body.statusCode, 503, `${path} while draining answers in Tracker's error format: ${response.text}`);
    assert.ok(Array.isArray(body.errorMessages) && body.errorMessages.length > 0, response.text);
  }
}

function sqliteRows<T>(file: string, query: string): T[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

describe('SIGTERM drains within a bounded time', { timeout: 120_000 }, () => {
  const boxes: Sandbox[] = [];
  const sandbox = () => {
    const box = new Sandbox('timeport-shutdown-');
    boxes.push(box);
    return box;
  };
  const agents: http.Agent[] = [];
  after(async () => {
    for (const agent of agents) agent.destroy();
    await Promise.all(boxes.map((box) => box.dispose()));
  });

  it('stops accepting, answers every batch import in flight (keep-alive ones too), then exits 0 before the grace period ends', async () => {
    const GRACE_MS = 10_000;
    const BATCHES = 8;
    const ENTRIES = 1000;
    const box = sandbox();
    const server = await box.serve({ env: { ...ENV, TIMEPORT_SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    await createQueue(server, ADMIN);
    const keys: string[] = [];
    for (let i = 0; i < 4; i += 1) keys.push((await importIssue(server, ADMIN)).key);
    // Keep-alive connections, as real clients keep them: one left idle, six carrying imports.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    agents.push(agent);
    const idle = await new Promise<number>((resolve, reject) =>
      http
        .get(`${server.url}/readyz`, { agent }, (response) => response.resume().on('end', () => resolve(response.statusCode ?? 0)))
        .on('error', reject),
    );
    assert.equal(idle, 200, '/readyz before the signal');

    const batches = Array.from({ length: BATCHES }, (_, i) => ({
      key: keys[i % keys.length]!,
      ...batch(keys[i % keys.length]!, `drain-${i}`, ENTRIES),
    }));
    const held = await Promise.all(
      batches.map((each, i) => hold(server, BATCH_PATH, each.body, { agent: i < 6 ? agent : undefined, what: `batch ${i}` })),
    );

    const signalled = Date.now();
    server.child.signal('SIGTERM');
    await server.child.waitFor('stderr', /SIGTERM: finishing requests in flight/);
    // Not accepting any more: readiness and the API fail at once, while the imports are still held.
    await refusedOrUnavailable(server, '/readyz');
    await refusedOrUnavailable(server, '/v3/myself', ADMIN);
    assert.ok(server.child.running, 'the server waits for the requests in flight');

    const responses = await Promise.all(held.map((request) => request.finish()));
    for (const [i, response] of responses.entries()) {
      const answer = expectStatus<{ stored: boolean; counts: { created: number; failed: number } }>(
        response,
        200,
        `batch ${i} in flight at SIGTERM`,
      );
      assert.deepEqual([answer.stored, answer.counts.created, answer.counts.failed], [true, ENTRIES, 0], `batch ${i}`);
      assert.equal(response.headers.connection, 'close', `batch ${i}: an answer while draining closes its connection`);
    }
    const exit = await within(server.child.exited, 'the server to exit after draining', GRACE_MS + EXIT_MARGIN_MS);
    const took = Date.now() - signalled;
    assert.deepEqual(exit, { code: 0, signal: null }, `a clean exit\n${server.child.transcript()}`);
    assert.ok(took < GRACE_MS, `exited ${took} ms after SIGTERM, before the ${GRACE_MS} ms grace period ran out`);
    assert.doesNotMatch(server.stderr, /still in flight/);

    // Everything answered is stored, once, with spent the sum, and the file was closed cleanly.
    assert.deepEqual(box.files(), ['timeport.sqlite'], 'no -wal or -shm left');
    const rows = sqliteRows<{ key: string; spent: number; total: number; count: number }>(
      box.databaseFile,
      `select i.key as key, i.spent_seconds as spent,
              (select coalesce(sum(w.duration_seconds), 0) from worklogs w where w.issue_id = i.id) as total,
              (select count(*) from worklogs w where w.issue_id = i.id) as count
         from issues i order by i.number`,
    );
    for (const row of rows) {
      const mine = batches.filter((each) => each.key === row.key);
      assert.equal(row.count, mine.length * ENTRIES, `${row.key}: worklogs`);
      assert.equal(
        row.total,
        mine.reduce((sum, each) => sum + each.seconds, 0),
        `${row.key}: their durations`,
      );
      assert.equal(row.spent, row.total, `${row.key}: spent is the sum`);
    }
    const restarted = await box.serve({ env: ENV });
    for (const row of rows)
      assert.equal((await getIssue(restarted, ADMIN, row.key)).spent, formatBusinessDuration(row.total), `${row.key} through the API`);
    assert.equal((await restarted.stop()).code, 0);
  });

  it('after the grace period, closes the connections still open and exits 1; what finished in time is answered and stored', async () => {
    const GRACE_MS = 2_000;
    const box = sandbox();
    const server = await box.serve({ env: { ...ENV, TIMEPORT_SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    await createQueue(server, ADMIN);
    const key = (await importIssue(server, ADMIN)).key;
    // One import whose body never comes (a stalled client), one that comes after the signal.
    const stalled = await hold(server, BATCH_PATH, batch(key, 'stalled', 500).body, { what: 'the stalled batch' });
    const prompt = await hold(server, `/v3/issues/${key}/worklogs/_import`, worklogBody({ comment: 'prompt', duration: 'PT45M' }), {
      what: 'the prompt import',
    });

    const signalled = Date.now();
    server.child.signal('SIGTERM');
    await server.child.waitFor('stderr', /SIGTERM: finishing requests in flight/);
    assert.match(server.stderr, new RegExp(`Requests still running in ${GRACE_MS} ms are cut off`));
    expectStatus(await prompt.finish(), 200, 'the import finished within the grace period');
    await refusedOrUnavailable(server, '/readyz');

    const exit = await within(server.child.exited, 'the server to exit when the grace period runs out', GRACE_MS + EXIT_MARGIN_MS);
    const took = Date.now() - signalled;
    assert.deepEqual(exit, { code: 1, signal: null }, `exit 1: requests were cut off\n${server.child.transcript()}`);
    assert.ok(took >= GRACE_MS, `waited the grace period (${took} ms)`);
    assert.ok(took < GRACE_MS + EXIT_MARGIN_MS, `exited ${took} ms after SIGTERM: at most ${GRACE_MS} + ${EXIT_MARGIN_MS} ms`);
    assert.match(server.stderr, new RegExp(`requests still in flight after ${GRACE_MS} ms: closing their connections and exiting`));
    const cut = await stalled.outcome();
    assert.equal(cut.response, undefined, 'the stalled request has no answer');
    assert.ok(cut.error !== undefined, 'its connection was closed');

    const rows = sqliteRows<{ comment: string; seconds: number }>(
      box.databaseFile,
      'select comment, duration_seconds as seconds from worklogs',
    );
    assert.deepEqual(rows, [{ comment: 'prompt', seconds: 45 * 60 }], 'the answered import is stored, nothing of the stalled batch');
    const restarted = await box.serve({ env: ENV });
    assert.equal((await getIssue(restarted, ADMIN, key)).spent, 'PT45M');
    assert.equal((await restarted.stop()).code, 0);
  });

  it('refuses a TIMEPORT_SHUTDOWN_GRACE_MS that is not a whole number of milliseconds, in one line', async () => {
    const result = await sandbox().cli(['serve'], { env: { TIMEPORT_SHUTDOWN_GRACE_MS: '10s' } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, 'timeport: TIMEPORT_SHUTDOWN_GRACE_MS=10s is not a whole number from 0 to 3600000\n');
  });
});

describe('SIGTERM with serve --workers (PostgreSQL)', { skip: skipPostgres, timeout: 120_000 }, () => {
  const box = new Sandbox('timeport-shutdown-workers-');
  let database: TestDatabase | undefined;
  after(async () => {
    await box.dispose();
    await database?.drop();
  });

  it('the workers answer what finishes in time, the primary exits 1 within the grace period when a request stalls', async () => {
    const GRACE_MS = 2_000;
    database = await createTestDatabase({ migrated: false });
    const server = await box.serve({
      args: ['--workers', '2'],
      waitMs: 60_000,
      env: { ...ENV, DATABASE_URL: database.url, TIMEPORT_DB_POOL: '3', TIMEPORT_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    });
    const pids = /Started 2 worker processes \((\d+), (\d+)\)\./.exec(server.stdout);
    assert.ok(pids !== null, server.child.transcript());
    await createQueue(server, ADMIN);
    const key = (await importIssue(server, ADMIN)).key;
    const stalled = await hold(server, BATCH_PATH, batch(key, 'stalled', 500).body, { what: 'the stalled batch' });
    const prompt = await Promise.all(
      Array.from({ length: 4 }, (_, i) => hold(server, BATCH_PATH, batch(key, `prompt-${i}`, 200).body, { what: `prompt batch ${i}` })),
    );

    const signalled = Date.now();
    server.child.signal('SIGTERM');
    await server.child.waitFor('stderr', /SIGTERM: the workers finish their requests in flight/);
    const answers = await Promise.all(prompt.map((request) => request.finish()));
    for (const answer of answers) assert.equal(expectStatus<{ counts: { created: number } }>(answer, 200).counts.created, 200);

    const exit = await within(server.child.exited, 'the primary to exit', GRACE_MS + EXIT_MARGIN_MS);
    const took = Date.now() - signalled;
    assert.deepEqual(exit, { code: 1, signal: null }, `exit 1: a worker cut a request off\n${server.child.transcript()}`);
    assert.ok(took >= GRACE_MS && took < GRACE_MS + EXIT_MARGIN_MS, `exited ${took} ms after SIGTERM`);
    assert.ok((await stalled.outcome()).error !== undefined, 'the stalled request has no answer');
    for (const pid of pids.slice(1)) assert.throws(() => process.kill(Number(pid), 0), /ESRCH/, `worker ${pid} has exited`);

    const client = new pg.Client({ connectionString: database.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string; spent: string; total: string }>(
        // spent as the store reads it: the issue's column plus the single imports' counters (store/issues.ts).
        `select count(w.id) as n,
                i.spent_seconds + coalesce((select sum(s.seconds) from issue_spent_shards s where s.issue_id = i.id), 0) as spent,
                coalesce(sum(w.duration_seconds), 0) as total
           from issues i left join worklogs w on w.issue_id = i.id where i.key = $1 group by i.id`,
        [key],
      );
      assert.equal(Number(rows[0]!.n), 4 * 200, 'the four answered batches, nothing of the stalled one');
      assert.equal(Number(rows[0]!.spent), Number(rows[0]!.total), 'spent is the sum');
    } finally {
      await client.end();
    }
  });
});
