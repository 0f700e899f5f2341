/**
 * Bad input never hurts (issue 7), property-based: every endpoint gets thousands of generated
 * requests that are wrong in at least one way: a body derived from a valid one by mutating fields
 * (wrong JSON types, missing and unknown fields, huge, empty and unstorable strings, deep nesting,
 * invalid dates and durations, big, negative and fractional numbers), broken JSON, wrong content
 * types, oversized bodies, bad path segments, query parameters and headers. Each request also
 * carries random harmless noise (unicode and control characters in free text, optional fields
 * removed, unknown query parameters, an Idempotency-Key), applied before the decisive mutation so
 * that it can never make the request valid again.
 *
 * Every answer must be a 4xx in Tracker's error format, the server stays up, and nothing is
 * written: every row of every table is the same after each endpoint's run. routes.test.ts sends
 * each endpoint's unmutated request and gets a success, so the refusals come from the mutations.
 *
 * This module (not a test file itself) holds the set-up the files of test/security/bad-input/
 * share: an app with a queue, an issue, worklogs, a member with a token, two import batches and a
 * spare token, and the checks every answer must pass. `badInputApp()` is called in a `describe` and
 * registers the set-up and the tear-down there; `endpointTests` registers the property tests of
 * one resource family (endpoints.ts). The generators are in requests.ts.
 *
 * One seed per file and run (TIMEPORT_FC_SEED to replay one); fast-check prints it with any
 * counterexample.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { DEFAULT_BODY_LIMIT } from '../../../src/api/app.js';
import { insertToken } from '../../../src/service/tokens.js';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../../support/app.js';
import { NOW } from '../../api/fixtures.js';
import { allRows, summary } from '../snapshot.js';
import { endpoints } from './endpoints.js';
import {
  type Decisive,
  type Endpoint,
  type Family,
  type GeneratedRequest,
  type Ids,
  type Method,
  ISSUE_CREATED_AT,
  ISSUE_UPDATED_AT,
  JsonObject,
  Long,
  SEED,
  SPARE_TOKEN,
  UNIQUE,
  decisiveRequestParts,
  rawBodies,
  requestBuilder,
  runs,
  toJson,
} from './requests.js';

export type BadInputApp = ReturnType<typeof badInputApp>;

/** Registers the set-up and tear-down in the calling `describe`; the fields are read in tests. */
export function badInputApp() {
  let t: TestApp;
  let ids: Ids;
  let rowsAtStart: Record<string, unknown[]>;
  let sent = 0;
  const started = Date.now();

  async function send(request: GeneratedRequest): Promise<LightMyRequestResponse> {
    sent += 1;
    return t.app.inject({
      method: request.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    });
  }

  /** A 4xx in Tracker's format, or the request is reported with its answer. */
  function assertRefused(request: GeneratedRequest, response: LightMyRequestResponse): void {
    const context = () =>
      `${request.method} ${request.url.slice(0, 300)} (${request.why}) answered ${response.statusCode}: ${response.body.slice(0, 400)}`;
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `not a 4xx: ${context()}`);
    if (request.method === 'HEAD') return;
    let body: { errors?: unknown; errorsData?: unknown; errorMessages?: unknown; statusCode?: unknown };
    try {
      body = response.json();
    } catch {
      assert.fail(`not JSON: ${context()}`);
    }
    assert.ok(
      typeof body.errors === 'object' &&
        body.errors !== null &&
        !Array.isArray(body.errors) &&
        Object.values(body.errors).every((message) => typeof message === 'string') &&
        typeof body.errorsData === 'object' &&
        Array.isArray(body.errorMessages) &&
        body.errorMessages.every((message) => typeof message === 'string') &&
        body.statusCode === response.statusCode &&
        (Object.keys(body.errors).length > 0 || body.errorMessages.length > 0),
      `not Tracker's error format: ${context()}`,
    );
    assert.match(String(response.headers['content-type']), /^application\/json/, context());
  }

  /** Every row is as in `rows` (by default as after the set-up), and the server still answers. */
  async function assertNothingWritten(what: string, rows = rowsAtStart): Promise<void> {
    const now = await allRows(t.store);
    assert.deepEqual(now, rows, `${what} wrote something: ${JSON.stringify(summary(now))} (was ${JSON.stringify(summary(rows))})`);
    // The server is up and answers a valid request.
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const issue = await t.app.inject({
      method: 'GET',
      url: '/v3/issues/TEST-1',
      headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
    });
    assert.equal(issue.statusCode, 200, issue.body);
  }

  async function check(endpoint: Endpoint, decisive: fc.Arbitrary<Decisive>, numRuns: number): Promise<void> {
    const build = requestBuilder(endpoint);
    await fc.assert(
      fc.asyncProperty(
        decisive.chain((chosen) => build(chosen)),
        async (request) => assertRefused(request, await send(request)),
      ),
      { numRuns, seed: SEED },
    );
  }

  const admin = (method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `OAuth ${ADMIN_TOKEN}`,
        'x-org-id': '1',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const ok = async <T>(response: Promise<LightMyRequestResponse>, status: number): Promise<T> => {
    const answer = await response;
    assert.equal(answer.statusCode, status, answer.body);
    return answer.json<T>();
  };

  before(async () => {
    // Thousands of requests with bad tokens from one address: the failed-authentication limit
    // (tested in test/security/auth-failures.test.ts) would answer them 429.
    t = await buildTestApp({ now: NOW, authFailureLimit: 'off' });
    await ok(admin('POST', '/v3/queues/', { key: 'TEST', name: 'Test', lead: 'admin' }), 201);
    const unique = UNIQUE;
    const issue = await ok<{ key: string; id: string }>(
      admin('POST', '/v3/issues/_import', {
        queue: 'TEST',
        summary: 'Target',
        unique,
        createdAt: ISSUE_CREATED_AT,
        createdBy: 'admin',
        updatedAt: ISSUE_UPDATED_AT,
        updatedBy: 'admin',
      }),
      200,
    );
    const importWorklog = async () =>
      (
        await ok<{ id: number }>(
          admin('POST', `/v3/issues/${issue.key}/worklogs/_import`, {
            duration: 'PT1H',
            createdAt: '2025-02-18T16:35:41.740+0000',
            createdBy: 'admin',
            start: '2025-02-18T10:00:00.000+0000',
          }),
          200,
        )
      ).id;
    const worklogToEdit = await importWorklog();
    const worklogToDelete = await importWorklog();
    await ok(admin('POST', '/timeport/v1/users', { login: 'member' }), 201);
    await ok(admin('POST', '/timeport/v1/users/member/tokens', {}), 201);
    const batch = async (externalId: string) =>
      (
        await ok<{ id: number }>(
          admin('POST', '/timeport/v1/worklogs/_import', {
            entries: [
              {
                issue: issue.key,
                externalId,
                duration: 'PT2H',
                createdAt: '2025-02-19T10:00:00.000+0000',
                createdBy: 'member',
                start: '2025-02-19T08:00:00.000+0000',
              },
            ],
          }),
          200,
        )
      ).id;
    const batchId = await batch('first');
    const batchToRollBack = await batch('second');
    // The token the revocation's unmutated request names (a second token of the admin's).
    const spare = await t.store.db
      .selectFrom('users')
      .select('uid')
      .where('orgId', '=', '1')
      .where('login', '=', 'admin')
      .executeTakeFirstOrThrow();
    await insertToken(t.store.db, spare.uid, NOW, SPARE_TOKEN);
    ids = { issueKey: issue.key, issueId: issue.id, worklogToEdit, worklogToDelete, batchToRollBack, batch: batchId, unique };
    rowsAtStart = await allRows(t.store);
  });
  after(async () => {
    await t.close();
  });

  /** Endpoints are built lazily: their valid ids come from the set-up. */
  const ENDPOINTS = endpoints(() => ids);

  return {
    get t() {
      return t;
    },
    get ids() {
      return ids;
    },
    get sent() {
      return sent;
    },
    started,
    ENDPOINTS,
    send,
    assertRefused,
    assertNothingWritten,
    check,
    admin,
    ok,
  };
}

export const endpointName = (endpoint: Endpoint) => `${endpoint.method} ${endpoint.tracker ? '/{v2,v3}' : ''}${endpoint.route}`;

/** The property tests of every endpoint of the family: mutated requests, and broken, mistyped and oversized bodies. */
export function endpointTests(h: BadInputApp, family: Family): void {
  const chosen = h.ENDPOINTS.filter((endpoint) => endpoint.family === family);
  assert.ok(chosen.length > 0, `no endpoint of the family ${family}`);
  const { check, assertNothingWritten } = h;
  for (const endpoint of chosen) {
    const parts = () => decisiveRequestParts(endpoint);
    it(`${endpointName(endpoint)}: mutated bodies, paths, queries and headers are refused with a 4xx`, async () => {
      const rows = await allRows(h.t.store);
      const numRuns = endpoint.body !== undefined ? runs(Object.keys(endpoint.body.fields).length > 3 ? 650 : 400) : runs(300);
      await check(endpoint, fc.oneof(...parts()), numRuns);
      await assertNothingWritten(endpointName(endpoint), rows);
    });
    if (endpoint.parsesBody) {
      it(`${endpointName(endpoint)}: broken JSON, wrong content types and oversized bodies are refused`, async () => {
        const rows = await allRows(h.t.store);
        await check(endpoint, rawBodies(endpoint), runs(100));
        // Oversized: a valid body padded past the limit (a few, they are big).
        const limit = endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT;
        const base = endpoint.body?.base ?? {};
        const oversized = fc.integer({ min: 1, max: 4096 }).map((extra): Decisive => ({
          kind: 'raw',
          payload: toJson(new JsonObject([...Object.entries(base), ['comment', new Long('x', limit + extra)]])),
          contentType: 'application/json',
          label: `limit + ${extra} bytes`,
        }));
        await check(endpoint, oversized, runs(endpoint.bodyLimit === undefined ? 3 : 1));
        await assertNothingWritten(endpointName(endpoint), rows);
      });
    }
  }
}
