/**
 * What the official client needs around issues (docs/tracker-api.md §Official client, 3):
 * `POST /v3/issues/_search` by keys or queue with pages, `unique` on create (409 on a duplicate)
 * and `POST /v3/issues/_findByUnique`, and `GET /v3/fields/`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import {
  NOW,
  type IssueBody,
  createQueue,
  createUserWithToken,
  expectFieldErrors,
  expectMessage,
  expectStatus,
  nextLink,
  url,
} from './fixtures.js';

/** What the official client's `issues.find()` sends for the criteria it was not given. */
const CLIENT_NULLS = { filter: null, filterId: null, query: null, keys: null, queue: null, order: null };

describe('issue search, unique and fields', () => {
  let t: TestApp;
  const testKeys: string[] = [];
  const otherKeys: string[] = [];
  let userToken: string;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t, 'TEST');
    await createQueue(t, 'OTHER');
    await createQueue(t, 'EMPTY');
    ({ token: userToken } = await createUserWithToken(t, 'user'));
    for (let i = 0; i < 7; i += 1) {
      testKeys.push(
        expectStatus<IssueBody>(await t.request({ method: 'POST', url: '/v3/issues/', payload: { queue: 'TEST', summary: `t${i}` } }), 201)
          .key,
      );
      if (i < 3)
        otherKeys.push(
          expectStatus<IssueBody>(
            await t.request({ method: 'POST', url: '/v3/issues/', payload: { queue: 'OTHER', summary: `o${i}` } }),
            201,
          ).key,
        );
    }
  });
  after(() => t.close());

  const search = (payload: unknown, query = '', token?: string) =>
    t.request({
      method: 'POST',
      url: `/v3/issues/_search${query}`,
      payload: payload as Record<string, unknown>,
      ...(token === undefined ? {} : { token }),
    });
  const keys = (response: LightMyRequestResponse) => expectStatus<IssueBody[]>(response, 200).map((issue) => issue.key);

  describe('POST /v3/issues/_search', () => {
    it('finds issues by keys in the order given, each once, leaving unknown keys out', async () => {
      const response = await search({ ...CLIENT_NULLS, keys: [testKeys[2], otherKeys[0], 'test-1', 'TEST-999', 'not a key', testKeys[2]] });
      assert.deepEqual(keys(response), [testKeys[2], otherKeys[0], 'TEST-1']);
      assert.equal(response.headers['x-total-count'], '3');
      assert.equal(response.headers.link, undefined);
      const issues = expectStatus<IssueBody[]>(response, 200);
      assert.equal(issues[0]!.self, url(`issues/${testKeys[2]}`));
      assert.deepEqual(keys(await search({ keys: 'TEST-4' })), ['TEST-4']);
    });

    it('finds a queue’s issues by number, through filter.queue or queue, with the client’s nulls', async () => {
      assert.deepEqual(keys(await search({ ...CLIENT_NULLS, filter: { queue: 'TEST' } })), testKeys);
      assert.deepEqual(keys(await search({ queue: 'other' })), otherKeys);
      assert.deepEqual(keys(await search({ filter: { queue: { key: 'OTHER' } } })), otherKeys);
    });

    it('answers every issue without criteria', async () => {
      assert.deepEqual(keys(await search(CLIENT_NULLS)), [...testKeys, ...otherKeys]);
      assert.deepEqual(
        keys(await t.request({ method: 'POST', url: '/v3/issues/_search', headers: { 'content-type': 'application/json' }, payload: '' })),
        [...testKeys, ...otherKeys],
      );
    });

    it('pages with perPage and page, linking to the next page until the last', async () => {
      const collected: string[] = [];
      let next: string | undefined = '/v3/issues/_search?perPage=3';
      let requests = 0;
      while (next !== undefined) {
        // The official client re-sends the same body to every next page.
        const response = await search({ ...CLIENT_NULLS, filter: { queue: 'TEST' } }, next.slice('/v3/issues/_search'.length));
        collected.push(...keys(response));
        assert.equal(response.headers['x-total-count'], '7');
        assert.equal(response.headers['x-total-pages'], '3');
        next = nextLink(response);
        requests += 1;
        assert.ok(requests <= 3);
      }
      assert.equal(requests, 3);
      assert.deepEqual(collected, testKeys);
      const exact = await search({ queue: 'OTHER' }, '?perPage=3');
      assert.deepEqual(keys(exact), otherKeys);
      assert.equal(exact.headers.link, undefined);
      const keyPage = await search({ keys: testKeys }, '?perPage=5&page=2');
      assert.deepEqual(keys(keyPage), testKeys.slice(5));
      assert.equal(keyPage.headers.link, undefined);
    });

    it('answers an empty list for an empty queue or no known key', async () => {
      const empty = await search({ filter: { queue: 'EMPTY' } }, '?perPage=10');
      assert.deepEqual(keys(empty), []);
      assert.equal(empty.headers['x-total-count'], '0');
      assert.equal(empty.headers.link, undefined);
      assert.deepEqual(keys(await search({ keys: ['NOPE-1'] })), []);
      assert.deepEqual(keys(await search({ keys: [] })), []);
    });

    it('lets anyone in the organization search', async () => {
      assert.deepEqual(keys(await search({ queue: 'OTHER' }, '', userToken)), otherKeys);
    });

    it('answers 400 to a mix of keys, queue and filter, with Tracker’s message', async () => {
      for (const body of [
        { keys: ['TEST-1'], queue: 'TEST' },
        { keys: ['TEST-1'], filter: { queue: 'TEST' } },
        { queue: 'TEST', filter: { queue: 'TEST' } },
      ]) {
        expectMessage(await search(body), 400, 'You can only use keys, a queue, or a search query.');
      }
    });

    it('answers 422 to what Timeport does not support, unknown fields, wrong types and unknown queues', async () => {
      expectFieldErrors(await search({ ...CLIENT_NULLS, query: 'Queue: TEST' }), 422, ['query']);
      expectFieldErrors(await search({ filterId: 12 }), 422, ['filterId']);
      expectFieldErrors(await search({ keys: ['TEST-1'], order: ['+key'] }), 422, ['order']);
      expectFieldErrors(await search({ filter: { assignee: 'me' } }), 422, ['filter']);
      expectFieldErrors(await search({ keys: 5 }), 422, ['keys']);
      expectFieldErrors(await search({ sort: 'key' }), 422, ['sort']);
      expectFieldErrors(await search({ queue: 'NOPE' }), 422, ['queue']);
      expectFieldErrors(await search({ filter: { queue: 'NOPE' } }), 422, ['filter']);
    });

    it('answers 400 to bad paging parameters and malformed JSON', async () => {
      for (const query of ['?perPage=0', '?perPage=1001', '?page=0', '?page=x']) assertTrackerError(await search({}, query), 400);
      assertTrackerError(
        await t.request({
          method: 'POST',
          url: '/v3/issues/_search',
          headers: { 'content-type': 'application/json' },
          payload: '{"keys":',
        }),
        400,
      );
    });
  });

  describe('unique', () => {
    it('keeps unique on create, answers 409 to a duplicate without creating anything, and finds the issue by it', async () => {
      const created = expectStatus<IssueBody>(
        await t.request({ method: 'POST', url: '/v3/issues/', payload: { queue: 'EMPTY', summary: 'u', unique: 'abc123' } }),
        201,
      );
      assert.equal(created.unique, 'abc123');
      const duplicate = await t.request({
        method: 'POST',
        url: '/v3/issues/',
        payload: { queue: 'EMPTY', summary: 'again', unique: 'abc123' },
      });
      const body = expectFieldErrors(duplicate, 409, ['unique']);
      assert.ok(body.unique);
      assert.deepEqual(keys(await search({ queue: 'EMPTY' })), [created.key]);

      const found = await t.request({
        method: 'POST',
        url: '/v3/issues/_findByUnique?unique=abc123',
        headers: { 'content-type': 'application/json' },
        payload: '',
      });
      assert.deepEqual(expectStatus(found, 200), created);
      const v2 = expectStatus<IssueBody>(await t.request({ method: 'POST', url: '/v2/issues/_findByUnique?unique=abc123' }), 200);
      assert.equal(v2.self, url(`issues/${created.key}`, 'v2'));
    });

    it('lets exactly one of many concurrent creates with the same unique succeed', async () => {
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          t.request({ method: 'POST', url: '/v3/issues/', payload: { queue: 'EMPTY', summary: `race ${i}`, unique: 'race' } }),
        ),
      );
      assert.equal(responses.filter((response) => response.statusCode === 201).length, 1);
      for (const response of responses.filter((candidate) => candidate.statusCode !== 201)) assertTrackerError(response, 409);
    });

    it('answers 404 to an unknown unique and 400 without one', async () => {
      expectMessage(await t.request({ method: 'POST', url: '/v3/issues/_findByUnique?unique=nothing' }), 404, 'Issue does not exist.');
      assertTrackerError(await t.request({ method: 'POST', url: '/v3/issues/_findByUnique' }), 400);
      assertTrackerError(await t.request({ method: 'POST', url: '/v3/issues/_findByUnique?unique=' }), 400);
    });
  });

  describe('GET /v3/fields/', () => {
    interface FieldBody {
      self: string;
      id: string;
      name: string;
      schema: { type: string; items?: string; required?: boolean };
    }

    it('lists the system fields with self, id and schema.type, arrays for the list fields', async () => {
      const fields = expectStatus<FieldBody[]>(await t.request({ method: 'GET', url: '/v3/fields/' }), 200);
      const byId = new Map(fields.map((field) => [field.id, field]));
      for (const field of fields) {
        assert.equal(field.self, url(`fields/${field.id}`));
        assert.equal(typeof field.schema.type, 'string');
      }
      for (const id of ['summary', 'key', 'queue', 'status', 'createdAt', 'updatedAt', 'spent', 'assignee', 'unique', 'description']) {
        assert.ok(byId.has(id), id);
      }
      for (const id of ['followers', 'tags']) assert.equal(byId.get(id)!.schema.type, 'array', id);
      assert.equal(byId.get('spent')!.schema.type, 'timetracking');
      assert.equal(byId.get('summary')!.schema.type, 'string');
    });

    it('lists every top-level field an issue can have, so that the client knows them all', async () => {
      const fields = new Set(
        expectStatus<FieldBody[]>(await t.request({ method: 'GET', url: '/v3/fields' }), 200).map((field) => field.id),
      );
      const issue = expectStatus<IssueBody>(
        await t.request({
          method: 'POST',
          url: '/v3/issues/',
          payload: {
            queue: 'EMPTY',
            summary: 's',
            description: 'd',
            assignee: 'admin',
            followers: ['admin'],
            tags: ['a'],
            deadline: '2025-07-01',
            start: '2025-06-01',
            end: '2025-06-30',
            storyPoints: 3,
            originalEstimation: 'PT2H',
            estimation: 'PT1H',
            unique: 'all-fields',
          },
        }),
        201,
      );
      const missing = Object.keys(issue).filter(
        (name) =>
          !['self', 'id', 'version', 'commentWithoutExternalMessageCount', 'commentWithExternalMessageCount'].includes(name) &&
          !fields.has(name),
      );
      assert.deepEqual(missing, []);
    });

    it('answers one field by id, v2 with v2 links, and 404 for an unknown field', async () => {
      const spent = expectStatus<FieldBody>(await t.request({ method: 'GET', url: '/v3/fields/spent' }), 200);
      assert.equal(spent.schema.type, 'timetracking');
      const v2 = expectStatus<FieldBody[]>(await t.request({ method: 'GET', url: '/v2/fields/' }), 200);
      assert.ok(v2.every((field) => field.self.startsWith(url('fields/', 'v2'))));
      expectMessage(await t.request({ method: 'GET', url: '/v3/fields/nothing' }), 404, 'Field does not exist.');
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/fields/', token: null }), 401);
    });
  });
});
