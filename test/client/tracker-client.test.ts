import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  AmbiguousWriteError,
  RefusedUrlError,
  TrackerApiError,
  TrackerClient,
  nextLinkOf,
  parseRetryAfter,
} from '../../src/client/tracker-client.js';

/** A loopback server that answers from a script, one reply per request, and records what it got. */
class ScriptedServer {
  readonly requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  replies: ((response: http.ServerResponse) => void)[] = [];
  private readonly server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      this.requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const reply = this.replies.shift();
      if (reply === undefined) response.writeHead(500).end('no scripted reply');
      else reply(response);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (response: http.ServerResponse) =>
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const trackerError = (status: number) => ({
  errors: { duration: 'is zero' },
  errorsData: {},
  errorMessages: ['The request has invalid fields.'],
  statusCode: status,
});
const worklog = {
  id: 7,
  createdBy: { id: '1' },
  createdAt: '2024-01-01T00:00:00.000+0000',
  start: '2024-01-01T00:00:00.000+0000',
  duration: 'PT1H',
};
const body = { createdBy: 'alice', createdAt: '2024-01-01T00:00:00Z', start: '2024-01-01T00:00:00Z', duration: 'PT1H' };

describe('Tracker client', () => {
  const server = new ScriptedServer();
  let url: string;
  const sleeps: number[] = [];
  const client = () =>
    new TrackerClient({
      baseUrl: url,
      token: 'secret',
      cloudOrgId: 'bpf123',
      retries: 3,
      baseDelayMs: 5,
      sleep: async (ms) => void sleeps.push(ms),
    });
  before(async () => {
    url = await server.start();
  });
  after(() => server.close());

  test('pain point 7: a 429 is retried after its Retry-After, a 503 with backoff, and a 4xx never', async () => {
    sleeps.length = 0;
    server.requests.length = 0;
    server.replies = [
      json(429, trackerError(429), { 'retry-after': '3' }),
      json(503, { errors: {}, errorsData: {}, errorMessages: ['busy'], statusCode: 503 }),
      json(200, [worklog]),
    ];
    const created = await client().importWorklog('MIG-1', body);
    assert.equal(created.id, 7, 'an array answer (as the live service gives) is accepted');
    assert.equal(server.requests.length, 3);
    assert.equal(sleeps[0], 3000, 'Retry-After: 3 is honoured');
    assert.ok(sleeps[1]! >= 5 && sleeps[1]! <= 10, 'the 503 waits with backoff (second attempt: 5 to 10 ms here)');
    const first = server.requests[0]!;
    assert.equal(first.headers.authorization, 'OAuth secret');
    assert.equal(first.headers['x-cloud-org-id'], 'bpf123');
    assert.equal(first.url, '/v3/issues/MIG-1/worklogs/_import');
    assert.deepEqual(JSON.parse(first.body), body);

    server.requests.length = 0;
    server.replies = [json(422, trackerError(422)), json(200, worklog)];
    await assert.rejects(
      client().importWorklog('MIG-1', body),
      (error: unknown) => error instanceof TrackerApiError && error.status === 422 && /duration: is zero/.test(error.message),
    );
    assert.equal(server.requests.length, 1, 'a 422 is not retried');
    server.replies = [];
    server.requests.length = 0;
    server.replies = [json(500, { errors: {}, errorsData: {}, errorMessages: ['Internal'], statusCode: 500 })];
    await assert.rejects(
      client().importWorklog('MIG-1', body),
      (error: unknown) => error instanceof TrackerApiError && error.status === 500,
    );
    assert.equal(server.requests.length, 1, 'a 500 may have stored the entry: it is not retried');
  });

  test('a connection cut after a write was sent is reported as ambiguous, not retried blindly', async () => {
    server.replies = [(response) => response.socket?.destroy()];
    await assert.rejects(client().importWorklog('MIG-1', body), AmbiguousWriteError);
  });

  test('worklog lists are followed through Link headers with the id cursor: absolute, scheme-less or path-only', async () => {
    const host = new URL(url).host;
    for (const target of [
      `${url}/v3/issues/MIG-1/worklog?perPage=2&id=8`,
      `${host}/v3/issues/MIG-1/worklog?perPage=2&id=8`,
      '/v3/issues/MIG-1/worklog?perPage=2&id=8',
    ]) {
      server.requests.length = 0;
      server.replies = [
        json(200, [worklog, { ...worklog, id: 8 }], { link: `<${target}>; rel="next"` }),
        json(200, [{ ...worklog, id: 9 }]),
      ];
      const ids: number[] = [];
      for await (const item of client().issueWorklogs('MIG-1', 2)) ids.push(item.id);
      assert.deepEqual(ids, [7, 8, 9], target);
      assert.deepEqual(
        server.requests.map((request) => request.url),
        ['/v3/issues/MIG-1/worklog?perPage=2', '/v3/issues/MIG-1/worklog?perPage=2&id=8'],
        target,
      );
    }
  });

  test('worklog changes: a resend after a cut connection carries the same Idempotency-Key; a refused batch is answered, not thrown', async () => {
    server.requests.length = 0;
    const refused = {
      errors: { 'changes[0]': 'No worklog has the external id "r:1"' },
      errorsData: {},
      errorMessages: ['The batch was refused: 1 of 1 changes have errors; nothing was stored.'],
      statusCode: 422,
      dryRun: false,
      stored: false,
      counts: { updated: 0, deleted: 0, failed: 1 },
      results: [{ index: 0, externalId: 'r:1', action: 'delete', status: 'failed', error: trackerError(404) }],
    };
    server.replies = [(response) => response.socket?.destroy(), json(422, refused)];
    const answer = await client().worklogChanges({ changes: [{ action: 'delete', externalId: 'r:1' }] });
    assert.deepEqual(answer, refused);
    assert.equal(server.requests.length, 2);
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    assert.match(String(keys[0]), /^timeport-changes-[0-9a-f-]{36}$/);
    assert.equal(keys[1], keys[0]);
    assert.deepEqual(JSON.parse(server.requests[1]!.body), { changes: [{ action: 'delete', externalId: 'r:1' }] });
    // Another call is another request: a key of its own.
    server.requests.length = 0;
    server.replies = [json(200, { ...refused, stored: true, results: [] })];
    await client().worklogChanges({ changes: [{ action: 'delete', externalId: 'r:1' }] });
    assert.notEqual(server.requests[0]!.headers['idempotency-key'], keys[0]);
    // A 422 without results (a malformed body) is an error.
    server.replies = [json(422, trackerError(422))];
    await assert.rejects(client().worklogChanges({ changes: [] }), TrackerApiError);
  });

  test('external worklogs: filters in the query, Link followed, a Link to another origin refused', async () => {
    const item = (id: number) => ({ externalId: `r:${id}`, source: 'redmine', syncedVersion: 1, worklog: { ...worklog, id, version: 1 } });
    server.requests.length = 0;
    server.replies = [
      json(200, [item(7)], { link: `<${url}/timeport/v1/worklogs/_external?source=a%20b&perPage=1&id=7>; rel="next"` }),
      json(200, [item(8)]),
    ];
    const ids: number[] = [];
    for await (const entry of client().externalWorklogs({ source: 'a b', prefix: 'r:', perPage: 1 })) ids.push(entry.worklog.id);
    assert.deepEqual(ids, [7, 8]);
    assert.deepEqual(
      server.requests.map((request) => request.url),
      ['/timeport/v1/worklogs/_external?source=a+b&prefix=r%3A&perPage=1', '/timeport/v1/worklogs/_external?source=a%20b&perPage=1&id=7'],
    );
    server.requests.length = 0;
    server.replies = [json(200, [item(7)], { link: '<http://evil.example/timeport/v1/worklogs/_external?id=7>; rel="next"' })];
    await assert.rejects(async () => {
      for await (const _entry of client().externalWorklogs()) void _entry;
    }, RefusedUrlError);
    assert.equal(server.requests.length, 1);
    for (const capability of [
      { worklogChanges: { path: 'http://evil.example/timeport/v1/worklogs/_changes', maxChanges: 10 } },
      { worklogExternalList: { path: '//evil.example/timeport/v1/worklogs/_external', maxPerPage: 10 } },
    ]) {
      server.replies = [json(200, { timeport: true, ...capability })];
      await assert.rejects(client().capabilities(), RefusedUrlError);
    }
  });

  describe('the token goes only to --url (issue 14 point 4)', () => {
    const elsewhere = new ScriptedServer();
    let elsewhereUrl: string;
    before(async () => {
      elsewhereUrl = await elsewhere.start();
    });
    after(() => elsewhere.close());

    test('a Link to another origin is refused, however it is written, and nothing is sent there', async () => {
      const port = new URL(elsewhereUrl).port;
      for (const target of [
        `${elsewhereUrl}/v3/steal`,
        `//127.0.0.1:${port}/v3/steal`,
        `127.0.0.1:${port}/v3/steal`,
        '.evil.example/v3/steal',
        '@evil.example/v3/steal',
      ]) {
        server.requests.length = 0;
        server.replies = [json(200, [worklog], { link: `<${target}>; rel="next"` })];
        const ids: number[] = [];
        await assert.rejects(
          (async () => {
            for await (const item of client().issueWorklogs('MIG-1', 2)) ids.push(item.id);
          })(),
          (error: unknown) => error instanceof RefusedUrlError && error.message.includes(JSON.stringify(target)),
          target,
        );
        assert.deepEqual(ids, [7], 'the first page was read');
        assert.equal(server.requests.length, 1, target);
      }
      assert.equal(elsewhere.requests.length, 0);
    });

    test('the joined-as-a-string trick: a scheme-less target on a base without a port is resolved, not appended', () => {
      const tracker = new TrackerClient({ baseUrl: 'https://api.tracker.yandex.net', token: 'secret', orgId: '1' });
      assert.throws(() => tracker.resolveUrl('.evil.example/v3/steal'), /leads to https:\/\/\.evil\.example|not a URL/);
      assert.equal(tracker.resolveUrl('api.tracker.yandex.net/v3/issues?page=2'), 'https://api.tracker.yandex.net/v3/issues?page=2');
      assert.equal(tracker.resolveUrl('/v3/issues?page=2'), 'https://api.tracker.yandex.net/v3/issues?page=2');
      assert.throws(
        () => tracker.resolveUrl('http://api.tracker.yandex.net/v3/issues'),
        RefusedUrlError,
        'another scheme is another origin',
      );
    });

    test('a redirect is not followed: an error names where it pointed, and nothing reaches it', async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        server.requests.length = 0;
        server.replies = [(response) => response.writeHead(status, { location: `${elsewhereUrl}/v3/issues/MIG-1/worklogs/_import` }).end()];
        await assert.rejects(
          client().importWorklog('MIG-1', body),
          (error: unknown) =>
            error instanceof RefusedUrlError &&
            error.message.includes(`${status} redirecting to "${elsewhereUrl}/v3/issues/MIG-1/worklogs/_import"`),
        );
        assert.equal(server.requests.length, 1, 'not retried either');
      }
      server.replies = [(response) => response.writeHead(307, { location: '/v3/myself' }).end()];
      await assert.rejects(client().capabilities(), RefusedUrlError, 'not even to the same origin');
      assert.equal(elsewhere.requests.length, 0);
    });

    test('a batch path from the capabilities that leads elsewhere is refused before anything is sent to it', async () => {
      const port = new URL(elsewhereUrl).port;
      for (const path of [`${elsewhereUrl}/batch`, `//127.0.0.1:${port}/batch`, `127.0.0.1:${port}/batch`, '.evil.example/batch']) {
        server.replies = [json(200, { timeport: true, worklogBatchImport: { path, maxEntries: 10, maxBodyBytes: 1000 } })];
        await assert.rejects(client().capabilities(), RefusedUrlError, path);
        await assert.rejects(client().importBatch(path, { entries: [] }), RefusedUrlError, path);
      }
      assert.equal(elsewhere.requests.length, 0);
      server.replies = [
        json(200, { timeport: true, worklogBatchImport: { path: '/timeport/v1/worklogs/_import', maxEntries: 10, maxBodyBytes: 1000 } }),
      ];
      assert.equal((await client().capabilities())?.worklogBatchImport?.path, '/timeport/v1/worklogs/_import');
    });
  });

  test('capabilities: a 404 means plain Tracker, so only the documented API is used', async () => {
    server.replies = [json(404, { errors: {}, errorsData: {}, errorMessages: ['no such route'], statusCode: 404 })];
    assert.equal(await client().capabilities(), undefined);
    server.replies = [json(401, { errors: {}, errorsData: {}, errorMessages: ['Not authorized'], statusCode: 401 })];
    await assert.rejects(client().capabilities(), TrackerApiError);
  });

  test('Retry-After as seconds or an HTTP date; Link parsing', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(nextLinkOf('<https://x/v3/a?id=3>; rel="next"'), 'https://x/v3/a?id=3');
    assert.equal(nextLinkOf('<https://x/v3/a?id=3>; rel="prev"'), undefined);
  });
});
