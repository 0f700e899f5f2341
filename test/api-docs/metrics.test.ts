/** `/metrics` (Prometheus), `X-Request-Id`, and request ids in the JSON log. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { createOrganization } from '../../src/service/organizations.js';
import { type Store, openSqliteStore } from '../../src/store/database.js';
import { ADMIN_TOKEN, tempDir } from '../../support/app.js';

/** The value of one sample line of the exposition, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics and request ids', () => {
  let app: FastifyInstance;
  let store: Store;
  const temp = tempDir();
  const logLines: Record<string, unknown>[] = [];
  const auth = { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' };

  before(async () => {
    store = await openSqliteStore(path.join(temp.dir, 'timeport.sqlite'));
    const ctx = { store, now: () => Date.parse('2025-06-01T12:00:00Z') };
    await createOrganization(ctx, { id: '1', adminLogin: 'admin', adminToken: ADMIN_TOKEN });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.trim() !== '') logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    app = await buildApp({ ctx, publicUrl: 'http://tracker.test', logger: { level: 'info', stream } });
  });
  after(async () => {
    await app.close();
    await store.close();
    temp.remove();
  });

  const scrape = async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return response.body;
  };

  it('counts requests per route pattern and status, with latency histograms', async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await app.inject({ method: 'GET', url: '/v3/myself', headers: auth })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/v3/users/nobody', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v3/users/ghost', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/no/such/path/123' })).statusCode, 404);
    const text = await scrape();
    assert.equal(sample(text, 'timeport_http_requests_total', { method: 'GET', route: '/v3/myself', status: '200' }), 3);
    // One series for every user looked up: the pattern, never the raw URL.
    assert.equal(sample(text, 'timeport_http_requests_total', { method: 'GET', route: '/v3/users/:user', status: '404' }), 2);
    assert.equal(sample(text, 'timeport_http_requests_total', { route: '(unmatched)', status: '404' }), 1);
    assert.doesNotMatch(text, /no\/such\/path/);
    assert.equal(sample(text, 'timeport_http_request_duration_seconds_count', { route: '/v3/myself', status: '200' }), 3);
    assert.equal(sample(text, 'timeport_http_request_duration_seconds_bucket', { route: '/v3/myself', status: '200', le: '+Inf' }), 3);
    assert.ok((sample(text, 'timeport_http_request_duration_seconds_sum', { route: '/v3/myself', status: '200' }) ?? -1) >= 0);
    assert.equal(sample(text, 'timeport_database_info', { dialect: 'sqlite' }), 1);
    assert.ok(sample(text, 'process_cpu_user_seconds_total') !== undefined, 'Node process metrics');
  });

  it('counts worklog imports by result', async () => {
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, headers: auth, payload });
    assert.equal(
      (await post('/v3/queues/', { key: 'MET', name: 'Metrics', lead: 'admin', defaultType: 'task', defaultPriority: 'normal' }))
        .statusCode,
      201,
    );
    const issue = await post('/v3/issues/_import', {
      queue: 'MET',
      summary: 'Counted',
      createdAt: '2025-01-01T00:00:00Z',
      createdBy: 'admin',
      updatedAt: '2025-05-01T00:00:00Z',
      updatedBy: 'admin',
    });
    assert.equal(issue.statusCode, 200, issue.body);
    const entry = { start: '2025-02-01T10:00:00Z', duration: 'PT1H', createdAt: '2025-02-01T18:00:00Z', createdBy: 'admin' };
    assert.equal((await post('/v3/issues/MET-1/worklogs/_import', entry)).statusCode, 200);
    assert.equal((await post('/v2/issues/MET-1/worklogs/_import', entry)).statusCode, 200);
    assert.equal((await post('/v3/issues/MET-1/worklogs/_import', { ...entry, duration: 'PT0S' })).statusCode, 422);
    const text = await scrape();
    assert.equal(sample(text, 'timeport_worklog_imports_total', { kind: 'single', result: 'imported' }), 2);
    assert.equal(sample(text, 'timeport_worklog_imports_total', { kind: 'single', result: 'refused' }), 1);
  });

  it('records the size of batch imports where the server has the batch API', async (context) => {
    if (!app.hasRoute({ method: 'POST', url: '/timeport/v1/worklogs/_import' })) {
      context.skip('this server has no batch import route');
      return;
    }
    const entries = [1, 2, 3].map((hour) => ({
      issue: 'MET-1',
      start: `2025-02-02T0${hour}:00:00Z`,
      duration: 'PT30M',
      createdAt: '2025-02-02T18:00:00Z',
      createdBy: 'admin',
    }));
    const response = await app.inject({ method: 'POST', url: '/timeport/v1/worklogs/_import', headers: auth, payload: { entries } });
    assert.ok(response.statusCode < 300, response.body);
    const text = await scrape();
    assert.equal(sample(text, 'timeport_import_batch_size_count', { result: 'imported' }), 1);
    assert.equal(sample(text, 'timeport_import_batch_size_sum', { result: 'imported' }), 3);
    assert.equal(sample(text, 'timeport_import_batch_size_bucket', { result: 'imported', le: '1' }), 0);
    assert.equal(sample(text, 'timeport_import_batch_size_bucket', { result: 'imported', le: '10' }), 1);
    assert.equal(sample(text, 'timeport_worklog_imports_total', { kind: 'batch', result: 'imported' }), 1);
  });

  it('answers a new request id, or the sane one the caller sent, in X-Request-Id and the log', async () => {
    const fresh = await app.inject({ method: 'GET', url: '/healthz' });
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const other = await app.inject({ method: 'GET', url: '/healthz' });
    assert.notEqual(other.headers['x-request-id'], fresh.headers['x-request-id']);

    const traced = await app.inject({ method: 'GET', url: '/v3/myself', headers: { ...auth, 'x-request-id': 'trace-42.abc:1' } });
    assert.equal(traced.headers['x-request-id'], 'trace-42.abc:1');
    const lines = logLines.filter((line) => line.reqId === 'trace-42.abc:1');
    assert.ok(
      lines.some((line) => line.msg === 'incoming request'),
      JSON.stringify(logLines.slice(-3)),
    );
    assert.ok(lines.some((line) => (line.res as { statusCode?: number } | undefined)?.statusCode === 200));

    for (const unsafe of ['has spaces in it', 'x'.repeat(200), '"quoted"', '{json}']) {
      const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': unsafe } });
      assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/, unsafe);
    }
  });

  it('names the request id on errors too', async () => {
    const response = await app.inject({ method: 'GET', url: '/v3/myself', headers: { 'x-request-id': 'err-1' } });
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['x-request-id'], 'err-1');
    const bad = await app.inject({ method: 'GET', url: '/v3/issues/%E0%A4%A', headers: { ...auth, 'x-request-id': 'err-2' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.headers['x-request-id'], 'err-2');
  });
});

describe('database pool metrics', () => {
  it('PostgreSQL: /metrics shows the pool the server passes in (total, idle, waiting)', async (context) => {
    const { openTestStore, testBackend } = await import('../../support/app.js');
    if (testBackend() !== 'postgres') {
      context.skip('SQLite has no pool (covered in the PostgreSQL pass)');
      return;
    }
    const { store, dispose } = await openTestStore();
    const app = await buildApp({
      ctx: { store, now: Date.now },
      publicUrl: 'http://tracker.test',
      databasePoolStats: () => store.poolStats?.(),
    });
    try {
      await store.db.selectFrom('organizations').select('id').execute();
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const total = /^timeport_database_pool_connections\{state="total"\} (\d+)$/m.exec(text);
      assert.ok(total !== null, text);
      assert.ok(Number(total[1]) >= 1, 'the query opened a connection');
      assert.match(text, /^timeport_database_pool_connections\{state="idle"\} \d+$/m);
      assert.match(text, /^timeport_database_pool_connections\{state="waiting"\} 0$/m);
    } finally {
      await app.close();
      await dispose();
    }
  });
});
