/**
 * Security headers on every answer (issue 16): the API, its errors (those Fastify raises before any
 * hook too), /openapi.json, /docs, /ui/ and the icon. The API's policy allows nothing; /ui/ keeps
 * its own strict policy, /docs one that lets swagger-ui run from this server only.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../support/app.js';
import { UI_CONTENT_SECURITY_POLICY } from '../../src/api/plugins/ui.js';

const API_POLICY = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";
const auth = { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' };

describe('security headers on every answer', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.close());

  const answers: [string, string, Record<string, string>, number][] = [
    ['an API answer', '/v3/myself', auth, 200],
    ['an API error (no token)', '/v3/myself', {}, 401],
    ['an unknown path', '/v3/no-such-thing', auth, 404],
    ['an error Fastify raises before any hook (bad percent-encoding)', '/v3/issues/%zz', auth, 400],
    ['the health check', '/healthz', {}, 200],
    ['the OpenAPI document', '/openapi.json', {}, 200],
    ['the API docs page', '/docs', {}, 200],
    ['a file of the API docs page', '/docs/static/swagger-ui.css', {}, 200],
    ['the web page', '/ui/', {}, 200],
    ['a file of the web page', '/ui/app.js', {}, 200],
    ['the icon', '/favicon.ico', {}, 200],
  ];

  for (const [what, url, headers, status] of answers) {
    it(`${what}: ${url} → ${status}, with the headers`, async () => {
      const response = await t.app.inject({ method: 'GET', url, headers });
      assert.equal(response.statusCode, status, response.body.slice(0, 300));
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin');
      const policy = String(response.headers['content-security-policy'] ?? '');
      if (url.startsWith('/ui/') || url === '/favicon.ico') assert.equal(policy, UI_CONTENT_SECURITY_POLICY);
      else if (url.startsWith('/docs')) {
        assert.match(policy, /default-src 'self'/);
        assert.match(policy, /frame-ancestors 'none'/);
        assert.doesNotMatch(policy, /unsafe-(inline|eval)|https?:|\*/);
      } else assert.equal(policy, API_POLICY);
    });
  }

  it('the icon is an ICO file', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    assert.match(String(response.headers['content-type']), /^image\//);
    assert.deepEqual([...response.rawPayload.subarray(0, 4)], [0, 0, 1, 0]);
  });
});
