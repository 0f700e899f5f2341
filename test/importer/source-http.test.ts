/** A live source's HTTP: 429 and 5xx waited out and retried, redirects refused, every URL kept on the source's origin. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SourceHttp } from '../../src/importer/live/http.js';

describe('live source HTTP', () => {
  let server: http.Server;
  let base: string;
  const seen: { path: string; key: string | undefined }[] = [];
  let failuresLeft = 0;

  before(async () => {
    server = http.createServer((request, response) => {
      seen.push({ path: request.url!, key: request.headers['x-key'] as string | undefined });
      const route = request.url!.replace(/^\/redmine/, '');
      if (route.startsWith('/busy') && failuresLeft-- > 0) {
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"errors":["slow down"]}');
      } else if (route.startsWith('/flaky') && failuresLeft-- > 0) {
        response.writeHead(500).end('SQLite3::BusyException');
      } else if (route.startsWith('/moved')) {
        response.writeHead(307, { location: 'http://evil.example/steal' }).end();
      } else if (route.startsWith('/down')) {
        response.writeHead(502).end('bad gateway');
      } else {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ path: request.url, method: request.method, type: request.headers['content-type'], body })),
        );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/redmine`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = (waits: number[] = []) =>
    new SourceHttp({
      baseUrl: base,
      headers: { 'x-key': 'secret' },
      name: 'Test',
      retries: 3,
      baseDelayMs: 1,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

  test('paths resolve under the base path, with the credentials', async () => {
    seen.length = 0;
    const answer = await client().getJson<{ path: string }>('time_entries.json?limit=100');
    assert.equal(answer.body.path, '/redmine/time_entries.json?limit=100');
    assert.deepEqual(seen, [{ path: '/redmine/time_entries.json?limit=100', key: 'secret' }]);
  });

  test('429 waits for Retry-After, 500 backs off, and both are retried', async () => {
    const waits: number[] = [];
    failuresLeft = 2;
    assert.equal((await client(waits).getJson<{ path: string }>('busy')).body.path, '/redmine/busy');
    assert.deepEqual(waits, [1000, 1000], 'Retry-After: 1 is one second');
    const backoff: number[] = [];
    failuresLeft = 2;
    assert.equal((await client(backoff).getJson<{ path: string }>('flaky')).status, 200);
    assert.equal(backoff.length, 2);
  });

  test('a POST that reads sends its JSON body, and is retried as a GET is', async () => {
    const waits: number[] = [];
    failuresLeft = 1;
    const answer = await client(waits).postJson<{ method: string; type: string; body: string }>('busy/list', { ids: [1, 2] });
    assert.deepEqual([answer.body.method, answer.body.type, JSON.parse(answer.body.body)], ['POST', 'application/json', { ids: [1, 2] }]);
    assert.deepEqual(waits, [1000]);
  });

  test('a lasting failure is an error naming the request, after the retries', async () => {
    const waits: number[] = [];
    await assert.rejects(client(waits).getJson('down'), /Test: GET \/redmine\/down: 502 bad gateway/);
    assert.equal(waits.length, 3);
  });

  test('a redirect is not followed: the error names where it pointed', async () => {
    seen.length = 0;
    await assert.rejects(
      client().getJson('moved'),
      /answered 307, a redirect to http:\/\/evil\.example\/steal; redirects are not followed/,
    );
    assert.equal(seen.length, 1, 'nothing was sent anywhere else');
  });

  test('a URL off the base origin is refused before anything is sent', async () => {
    seen.length = 0;
    assert.throws(() => client().urlOf('https://evil.example/steal'), /https:\/\/evil\.example\/steal is not on http:\/\/127\.0\.0\.1/);
    assert.equal(client().urlOf('//evil.example/steal').origin, new URL(base).origin, 'a path is always under the base');
    await assert.rejects(client().getJson('http://evil.example/x'), /is not on/);
    assert.equal(seen.length, 0);
  });
});
