/**
 * Bad input across the API (test/security/bad-input/app.ts: the set-up and the checks): every route
 * has a generator (the families' files send them), every route refuses requests without a usable
 * token or organization, routes the API does not have answer 404, and each endpoint's unmutated
 * request succeeds, so that the families' refusals come from their mutations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ADMIN_TOKEN } from '../../../support/app.js';
import { allRows } from '../snapshot.js';
import { badInputApp, endpointName } from './app.js';
import { type GeneratedRequest, type Method, RUN_SCALE, SEED, badAuth, encode, runs, texts, toJson } from './requests.js';

describe(`bad input never hurts: every route (fast-check seed ${SEED})`, () => {
  const h = badInputApp();
  const { send, assertRefused, assertNothingWritten } = h;

  it('covers every route the app registers, but the public ones and those without input', () => {
    const covered = new Set(
      h.ENDPOINTS.flatMap((endpoint) =>
        endpoint.tracker ? ['v2', 'v3'].map((v) => `${endpoint.method} /${v}${endpoint.route}`) : [`${endpoint.method} ${endpoint.route}`],
      ),
    );
    // Nothing in the request but headers (covered by the authentication property below).
    const withoutInput = /^GET \/(v2|v3)\/(myself|fields)$|^GET \/timeport\/v1\/capabilities$|^HEAD /;
    const missing = h.t.app.registeredRoutes
      .filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url))
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !covered.has(route) && !withoutInput.test(route));
    assert.deepEqual(missing, [], 'routes with no bad-input generator');
  });

  it('refuses every registered API route, every method, without a usable token or organization', async () => {
    const segments: Record<string, () => string> = {
      issue: () => h.ids.issueKey,
      worklogId: () => String(h.ids.worklogToEdit),
      user: () => 'member',
      queue: () => 'TEST',
      field: () => 'summary',
      login: () => 'member',
      id: () => String(h.ids.batch),
    };
    const rows = await allRows(h.t.store);
    const routes = h.t.app.registeredRoutes.filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url));
    for (const route of routes) {
      const url = route.url.replace(/:([A-Za-z]+)/g, (_match, param: string) => {
        const value = segments[param];
        assert.ok(value !== undefined, `no value for :${param} of ${route.url}`);
        return value();
      });
      await fc.assert(
        fc.asyncProperty(badAuth, async (headers) => {
          const request: GeneratedRequest = { method: route.method as Method, url, headers, why: `auth ${JSON.stringify(headers)}` };
          const response = await send(request);
          assertRefused(request, response);
          assert.ok(
            [401, 403].includes(response.statusCode),
            `${route.method} ${url} with ${JSON.stringify(headers)}: ${response.statusCode}`,
          );
        }),
        { numRuns: runs(25), seed: SEED },
      );
    }
    await assertNothingWritten('requests without a usable token', rows);
  });

  it('answers methods and paths the API does not have with 404 in Tracker format', async () => {
    const rows = await allRows(h.t.store);
    const apiRoutes = h.t.app.registeredRoutes.filter((route) => /^\/(v2|v3|timeport\/v1)\//.test(route.url)).map((route) => route.url);
    const registered = new Set(h.t.app.registeredRoutes.map((route) => `${route.method} ${route.url}`));
    const fill = (url: string) =>
      url.replace(/:([A-Za-z]+)/g, (_match, param: string) =>
        param === 'worklogId' || param === 'id' ? '1' : param === 'issue' ? h.ids.issueKey : 'member',
      );
    const unknownMethod = fc
      .tuple(
        fc.constantFrom(...apiRoutes),
        fc.constantFrom<Method>('PUT', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'PURGE', 'PATCH', 'DELETE', 'POST'),
      )
      .filter(([url, method]) => !registered.has(`${method} ${url}`))
      .map(([url, method]) => ({ method, url: fill(url) }));
    const unknownPath = fc
      .tuple(
        fc.constantFrom('/v2', '/v3', '/timeport/v1', '/v1', '/v4', '/timeport/v2'),
        texts,
        fc.constantFrom<Method>('GET', 'POST', 'DELETE'),
      )
      .map(([prefix, text, method]) => ({ method, url: `${prefix}/zz${encode(text)}` }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(unknownMethod, unknownPath), async ({ method, url }) => {
        const request: GeneratedRequest = {
          method,
          url,
          headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
          why: 'no such route',
        };
        const response = await send(request);
        assertRefused(request, response);
        assert.ok([404, 405].includes(response.statusCode), `${method} ${url}: ${response.statusCode}`);
      }),
      { numRuns: runs(300), seed: SEED },
    );
    await assertNothingWritten('unknown routes', rows);
  });

  it('sent thousands of requests, all refused, and nothing was written', async (context) => {
    await assertNothingWritten('the whole run');
    context.diagnostic(`seed ${SEED}: ${h.sent} generated requests in ${((Date.now() - h.started) / 1000).toFixed(1)} s`);
    // This file's share (each family's file sends its own): 25 requests without a usable token to each of the
    // API's ~90 routes (HEAD included), and 300 to routes it does not have.
    assert.ok(h.sent >= 2_000 * Math.min(1, RUN_SCALE), `only ${h.sent} requests were sent`);
  });

  // Last, since it writes: the unmutated requests succeed, so the refusals above were the mutations'.
  it("answers each endpoint's unmutated request with a success", async () => {
    const ordered = [
      ...h.ENDPOINTS.filter((endpoint) => endpoint.method !== 'DELETE'),
      ...h.ENDPOINTS.filter((endpoint) => endpoint.method === 'DELETE'),
    ];
    for (const endpoint of ordered) {
      const path = endpoint.route.replace(/:([A-Za-z]+)/g, (_match, param: string) => endpoint.params![param]!.valid());
      const base = endpoint.query?.base ?? [];
      const search = base.length === 0 ? '' : `?${base.map(([key, value]) => `${key}=${encode(value)}`).join('&')}`;
      const request: GeneratedRequest = {
        method: endpoint.method,
        url: `${endpoint.tracker ? '/v3' : ''}${path}${search}`,
        headers: {
          authorization: `OAuth ${ADMIN_TOKEN}`,
          'x-org-id': '1',
          ...(endpoint.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(endpoint.body === undefined ? {} : { payload: toJson(endpoint.body.base) }),
        why: 'unmutated',
      };
      const response = await send(request);
      assert.equal(response.statusCode, endpoint.success, `${endpointName(endpoint)} unmutated: ${response.body.slice(0, 300)}`);
    }
  });
});
