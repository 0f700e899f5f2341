/** Data in the real server process survives a restart, and SIGTERM drains requests before closing. */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type HttpResponse, Sandbox, type ServerProcess, requestParts, within } from '../../support/harness.js';
import {
  type As,
  ISSUE_CREATED_AT,
  ISSUE_UPDATED_AT,
  type Issue,
  createQueue,
  expectStatus,
  getIssue,
  importIssue,
  importWorklog,
  listWorklogs,
  worklogBody,
} from './tracker.js';

const ADMIN: As = { token: 'persistence-admin-token-01', org: '1' };
// A fixed public URL: each start listens on a new free port, and the stored data is compared
// across restarts, so the self links must not name that port.
const ENV = { TIMEPORT_ADMIN_TOKEN: ADMIN.token, TIMEPORT_PUBLIC_URL: 'http://timeport.test' };

/** Opens the SQLite file directly (as a fresh process would) and checks it is whole. */
function inspectDatabase(file: string): { integrity: string; worklogs: number } {
  const db = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const { count } = db.prepare('select count(*) as count from worklogs').get() as { count: number };
    return { integrity, worklogs: count };
  } finally {
    db.close();
  }
}

describe('the server process keeps its data', { concurrency: true, timeout: 60_000 }, () => {
  const sandboxes: Sandbox[] = [];
  const sandbox = () => {
    const created = new Sandbox();
    sandboxes.push(created);
    return created;
  };
  after(() => Promise.all(sandboxes.map((each) => each.dispose())));

  it('a queue, an imported issue and its imported worklogs survive SIGTERM and a restart', async () => {
    const box = sandbox();
    const first = await box.serve({ env: ENV });
    await createQueue(first, ADMIN);
    const issue = await importIssue(first, ADMIN);
    assert.equal(issue.key, 'TEST-1');
    const imported = [
      await importWorklog(first, ADMIN, 'TEST-1', { duration: 'PT1H', comment: 'one hour' }),
      await importWorklog(first, ADMIN, 'TEST-1', { duration: 'PT30M', createdAt: '2025-01-10T09:00:00Z', start: '2025-01-10T09:00:00Z' }),
      await importWorklog(first, ADMIN, 'TEST-1', {
        duration: 'P1D',
        createdAt: '2025-02-20T21:00:00+03:00',
        start: '2025-02-20T10:00:00Z',
      }),
    ];
    const before = {
      queue: expectStatus(await first.request('/v3/queues/TEST', ADMIN), 200),
      issue: await getIssue(first, ADMIN, 'TEST-1'),
      worklogs: await listWorklogs(first, ADMIN, 'TEST-1'),
    };
    assert.equal(before.issue.spent, 'P1DT1H30M', '1 h + 30 min + 1 business day (8 h)');
    assert.deepEqual(
      before.worklogs.map((worklog) => worklog.id),
      imported.map((worklog) => worklog.id),
    );

    assert.equal((await first.stop('SIGTERM')).code, 0, `clean exit\n${first.child.transcript()}`);
    assert.match(first.stderr, /SIGTERM: finishing requests in flight, then closing the database\./);
    assert.deepEqual(box.files(), ['timeport.sqlite'], 'closing checkpoints the WAL and removes -wal and -shm');

    const second = await box.serve({ env: ENV });
    assert.ok(!second.stdout.includes('Created organization'), 'the organization is not created again');
    const afterRestart = {
      queue: expectStatus(await second.request('/v3/queues/TEST', ADMIN), 200),
      issue: await getIssue(second, ADMIN, 'TEST-1'),
      worklogs: await listWorklogs(second, ADMIN, 'TEST-1'),
    };
    assert.deepEqual(afterRestart, before, 'the same queue, issue (createdAt, updatedAt, spent) and worklogs (ids and all)');
    assert.equal(afterRestart.issue.createdAt, ISSUE_CREATED_AT);
    assert.equal(afterRestart.issue.updatedAt, ISSUE_UPDATED_AT);

    // Ids go on from where they were; nothing is reused after a restart.
    const next = await importWorklog(second, ADMIN, 'TEST-1', { duration: 'PT15M' });
    assert.ok(next.id > Math.max(...imported.map((worklog) => worklog.id)), `new id ${next.id}`);
    assert.equal((await getIssue(second, ADMIN, 'TEST-1')).spent, 'P1DT1H45M');
    assert.equal((await second.stop('SIGTERM')).code, 0);
  });

  it('SIGTERM finishes the imports in flight, refuses new ones, and never loses an acknowledged one', async () => {
    const box = sandbox();
    const server = await box.serve({ env: ENV });
    await createQueue(server, ADMIN);
    const issue: Issue = await importIssue(server, ADMIN);

    // 20 imports whose headers the server has taken (it answered `100 Continue`) but whose bodies
    // are sent only once it has begun to shut down: they are in flight and must complete.
    const held = await Promise.all(Array.from({ length: 20 }, (_, index) => heldImport(server, issue.key, `held-${index}`)));
    // 50 more, sent all at once; the signal follows the first answer. Each may be answered, refused
    // with 503, or fail to connect, but an answered one must be stored.
    const burst = Array.from({ length: 50 }, (_, index) => settle(quickImport(server, issue.key, `burst-${index}`)));
    await within(Promise.race(burst), 'the first answer to the burst');
    server.child.signal('SIGTERM');
    await server.child.waitFor('stderr', /SIGTERM: finishing requests in flight/);
    const heldResponses = await Promise.all(held.map((request) => request.send()));
    const burstOutcomes = await Promise.all(burst);
    const exit = await within(server.child.exited, 'the server to exit after draining');
    assert.equal(exit.code, 0, `clean exit\n${server.child.transcript()}`);

    for (const response of heldResponses) expectStatus(response, 200, 'an import in flight at SIGTERM');
    for (const outcome of burstOutcomes) {
      if (outcome.response !== undefined) {
        assert.ok(
          [200, 503].includes(outcome.response.status),
          `only 200 or 503 while draining: ${outcome.response.status} ${outcome.response.text}`,
        );
      }
    }
    const acknowledged = new Map<string, number>();
    for (const response of [...heldResponses, ...burstOutcomes.flatMap((outcome) => outcome.response ?? [])]) {
      if (response.status !== 200) continue;
      const worklog = response.json<{ id: number; comment: string }>();
      acknowledged.set(worklog.comment, worklog.id);
    }

    // The file closes cleanly: no WAL is left behind, and it opens whole.
    assert.deepEqual(box.files(), ['timeport.sqlite'], 'no -wal or -shm left after SIGTERM');
    const database = inspectDatabase(box.databaseFile);
    assert.equal(database.integrity, 'ok');

    const again = await box.serve({ env: ENV });
    const stored = await listWorklogs(again, ADMIN, issue.key);
    const storedByComment = new Map(stored.map((worklog) => [worklog.comment ?? '', worklog.id]));
    for (const [comment, id] of acknowledged) assert.equal(storedByComment.get(comment), id, `acknowledged ${comment} is stored`);
    // Nothing was stored without an answer: with no connection cut mid-request, a commit is always answered.
    assert.deepEqual([...storedByComment.keys()].sort(), [...acknowledged.keys()].sort());
    assert.equal(database.worklogs, stored.length);
    const spentMinutes = stored.length * 60;
    assert.equal((await getIssue(again, ADMIN, issue.key)).spent, businessDuration(spentMinutes));
    assert.equal((await again.stop()).code, 0);
  });
});

/** Sends a worklog import and returns its response. */
function quickImport(server: ServerProcess, key: string, comment: string): Promise<HttpResponse> {
  return server.request(`/v3/issues/${key}/worklogs/_import`, { ...ADMIN, method: 'POST', body: worklogBody({ comment }) });
}

/** A request's response, or the error that kept it from having one. */
async function settle(request: Promise<HttpResponse>): Promise<{ response?: HttpResponse; error?: Error }> {
  try {
    return { response: await request };
  } catch (error) {
    return { error: error as Error };
  }
}

/**
 * Starts a worklog import with `Expect: 100-continue` and resolves once the server has accepted
 * its headers; `send()` then sends the body and resolves with the response.
 */
function heldImport(server: ServerProcess, key: string, comment: string): Promise<{ send(): Promise<HttpResponse> }> {
  const { headers, body } = requestParts({ ...ADMIN, body: worklogBody({ comment }) });
  const request = http.request(`${server.url}/v3/issues/${key}/worklogs/_import`, {
    method: 'POST',
    headers: { ...headers, expect: '100-continue', 'content-length': String(Buffer.byteLength(body!)) },
    agent: false,
  });
  const response = new Promise<HttpResponse>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('error', reject);
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text, json: <T>() => JSON.parse(text) as T }),
      );
    });
  });
  // Without this the request would fail unhandled if the test gave up before sending the body.
  response.catch(() => undefined);
  request.flushHeaders();
  const continued = new Promise<void>((resolve, reject) => {
    request.once('continue', resolve);
    request.once('error', reject);
    request.once('response', (incoming) => reject(new Error(`answered before its body was sent: ${incoming.statusCode}`)));
  });
  return within(continued, `100 Continue for ${comment}`).then(() => ({
    send: () => {
      request.end(body);
      return within(response, `the response to ${comment}`);
    },
  }));
}

/** Minutes in Tracker's business form (1W = 5D, 1D = 8H), for whole hours and minutes. */
function businessDuration(totalMinutes: number): string {
  const weeks = Math.floor(totalMinutes / (5 * 8 * 60));
  const days = Math.floor((totalMinutes % (5 * 8 * 60)) / (8 * 60));
  const hours = Math.floor((totalMinutes % (8 * 60)) / 60);
  const minutes = totalMinutes % 60;
  const date = `${weeks > 0 ? `${weeks}W` : ''}${days > 0 ? `${days}D` : ''}`;
  const time = `${hours > 0 ? `${hours}H` : ''}${minutes > 0 ? `${minutes}M` : ''}`;
  return `P${date}${time === '' ? '' : `T${time}`}`;
}
