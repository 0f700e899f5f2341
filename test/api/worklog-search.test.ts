/**
 * `POST /v3/worklog/_search` and `GET /v3/worklog?createdBy=...&createdAt=from:...&createdAt=to:...`
 * (docs/tracker-api.md §Worklogs): the filters, both ends inclusive, the pages, and the errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createOrganization } from '../../src/service/organizations.js';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import {
  NOW,
  type IssueBody,
  type UserBody,
  type WorklogBody,
  createQueue,
  createUserWithToken,
  expectFieldErrors,
  expectStatus,
  importIssue,
  importWorklog,
  nextLink,
  url,
} from './fixtures.js';

/** The creation times of the entries, in the order they are imported. */
const TIMES = [
  '2025-01-10T09:00:00.000+0000', // the issue's creation instant
  '2025-01-20T00:00:00.000+0000',
  '2025-02-01T00:00:00.000+0000',
  '2025-02-01T00:00:00.001+0000',
  '2025-02-10T12:00:00.000+0000',
  '2025-02-20T18:00:00.000+0000', // the issue's last update
];

const OTHER_TOKEN = 'test-other-org-token-000001';

describe('worklog search', () => {
  let t: TestApp;
  let first: IssueBody;
  let second: IssueBody;
  let bob: UserBody;
  let bobToken: string;
  let carol: UserBody;
  /** Ids of admin's and bob's entries, ascending. */
  const adminIds: number[] = [];
  const bobIds: number[] = [];

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
    ({ user: bob, token: bobToken } = await createUserWithToken(t, 'bob'));
    carol = (await createUserWithToken(t, 'carol')).user;
    first = await importIssue(t, { summary: 'first' });
    second = await importIssue(t, { summary: 'second' });
    for (const [i, createdAt] of TIMES.entries()) {
      adminIds.push(
        (await importWorklog(t, i % 2 === 0 ? first.key : second.key, { createdAt, createdBy: 'admin', comment: `admin ${i}` })).id,
      );
      bobIds.push((await importWorklog(t, i % 2 === 0 ? second.key : first.key, { createdAt, createdBy: 'bob', comment: `bob ${i}` })).id);
    }
    // Another organization's entries, by an author of the same login, must never show.
    await createOrganization(t.ctx, { id: 'other', adminLogin: 'bob', adminToken: OTHER_TOKEN });
    expectStatus(
      await t.request({
        method: 'POST',
        url: '/v3/queues/',
        payload: { key: 'TEST', name: 'Other', lead: 'bob' },
        token: OTHER_TOKEN,
        org: 'other',
      }),
      201,
    );
    const foreign = await importIssue(t, { createdBy: 'bob', updatedBy: 'bob' }, OTHER_TOKEN, 'other');
    expectStatus(
      await t.request({
        method: 'POST',
        url: `/v3/issues/${foreign.key}/worklogs/_import`,
        payload: { duration: 'PT1H', createdAt: TIMES[1], createdBy: 'bob', start: TIMES[1] },
        token: OTHER_TOKEN,
        org: 'other',
      }),
      200,
    );
  });
  after(() => t.close());

  const search = (payload: unknown, query = '', token?: string) =>
    t.request({
      method: 'POST',
      url: `/v3/worklog/_search${query}`,
      payload: payload as Record<string, unknown>,
      ...(token === undefined ? {} : { token }),
    });
  const find = (query: string, version: 'v2' | 'v3' = 'v3') => t.request({ method: 'GET', url: `/${version}/worklog${query}` });
  const ids = (response: LightMyRequestResponse) => expectStatus<WorklogBody[]>(response, 200).map((worklog) => worklog.id);

  describe('POST /v3/worklog/_search', () => {
    it('answers the matches by author in ascending id (all on the first page of 50), each with its own issue and a routable self', async () => {
      const response = await search({ createdBy: 'bob' });
      const found = expectStatus<WorklogBody[]>(response, 200);
      assert.deepEqual(
        found.map((worklog) => worklog.id),
        bobIds,
      );
      assert.equal(response.headers['x-total-count'], String(bobIds.length));
      assert.equal(response.headers.link, undefined);
      for (const worklog of found) {
        assert.equal(worklog.createdBy.id, String(bob.uid));
        assert.equal(worklog.self, url(`issues/${worklog.issue.key}/worklog/${worklog.id}`));
      }
      assert.deepEqual(new Set(found.map((worklog) => worklog.issue.key)), new Set([first.key, second.key]));
      const one = await t.request({ method: 'GET', url: new URL(found[0]!.self).pathname });
      assert.deepEqual(expectStatus(one, 200), found[0]);
    });

    it('takes the author as a login in any case, a uid, or {"id"}/{"login"}', async () => {
      for (const createdBy of ['BOB', bob.uid, { id: bob.uid }, { id: String(bob.uid) }, { login: 'bob' }]) {
        assert.deepEqual(ids(await search({ createdBy })), bobIds, JSON.stringify(createdBy));
      }
    });

    it('filters by createdAt with both ends inclusive to the millisecond', async () => {
      const body = { createdBy: 'admin', createdAt: { from: TIMES[2], to: TIMES[4] } };
      assert.deepEqual(ids(await search(body)), adminIds.slice(2, 5));
      assert.deepEqual(ids(await search({ createdBy: 'admin', createdAt: { from: '2025-02-01T00:00:00.001+0000' } })), adminIds.slice(3));
      assert.deepEqual(ids(await search({ createdBy: 'admin', createdAt: { to: '2025-02-01T00:00:00.000+0000' } })), adminIds.slice(0, 3));
      // A zone-less value is UTC, as in Tracker's own example; other zones are converted.
      assert.deepEqual(
        ids(await search({ createdBy: 'admin', createdAt: { from: '2025-02-01T00:00:00.001', to: '2025-02-10T15:00:00+03:00' } })),
        adminIds.slice(3, 5),
      );
    });

    it('filters by createdAt alone, across authors', async () => {
      const found = ids(await search({ createdAt: { from: TIMES[5], to: TIMES[5] } }));
      assert.deepEqual(found, [adminIds[5], bobIds[5]]);
    });

    it('answers the organization’s entries (one first page) with an empty body or no filter', async () => {
      const all = [...adminIds, ...bobIds].sort((a, b) => a - b);
      assert.deepEqual(ids(await search({})), all);
      assert.deepEqual(
        ids(await t.request({ method: 'POST', url: '/v3/worklog/_search', headers: { 'content-type': 'application/json' }, payload: '' })),
        all,
      );
    });

    it('answers an empty list when nothing matches', async () => {
      const response = await search({ createdBy: 'carol' });
      assert.deepEqual(expectStatus(response, 200), []);
      assert.equal(response.headers['x-total-count'], '0');
      assert.deepEqual(ids(await search({ createdBy: 'admin', createdAt: { from: '2030-01-01T00:00:00Z' } })), []);
      assert.equal(carol.login, 'carol');
    });

    it('pages with perPage and page: totals, a Link to the next page, none on the last', async () => {
      const response = await search({ createdBy: 'bob' }, '?perPage=4');
      assert.deepEqual(ids(response), bobIds.slice(0, 4));
      assert.equal(response.headers['x-total-count'], '6');
      assert.equal(response.headers['x-total-pages'], '2');
      assert.equal(nextLink(response), '/v3/worklog/_search?perPage=4&page=2');
      const last = await search({ createdBy: 'bob' }, '?perPage=4&page=2');
      assert.deepEqual(ids(last), bobIds.slice(4));
      assert.equal(last.headers.link, undefined);
      const exact = await search({ createdBy: 'bob' }, '?perPage=6');
      assert.deepEqual(ids(exact), bobIds);
      assert.equal(exact.headers['x-total-pages'], '1');
      assert.equal(exact.headers.link, undefined);
      const beyond = await search({ createdBy: 'bob' }, '?perPage=4&page=3');
      assert.deepEqual(ids(beyond), []);
      assert.equal(beyond.headers.link, undefined);
      const empty = await search({ createdBy: 'carol' }, '?perPage=4');
      assert.deepEqual(ids(empty), []);
      assert.equal(empty.headers['x-total-pages'], '1');
      assert.equal(empty.headers.link, undefined);
    });

    it('lets anyone in the organization search', async () => {
      assert.deepEqual(ids(await search({ createdBy: 'admin' }, '', bobToken)), adminIds);
    });

    it('answers 422 for unknown fields, wrong types, bad date-times, a reversed range and an unknown user', async () => {
      expectFieldErrors(await search({ author: 'bob' }), 422, ['author']);
      expectFieldErrors(await search({ createdBy: true }), 422, ['createdBy']);
      expectFieldErrors(await search({ createdAt: '2025-01-01T00:00:00Z' }), 422, ['createdAt']);
      expectFieldErrors(await search({ createdAt: { from: '2025-01-01T00:00:00Z', until: 'x' } }), 422, ['createdAt']);
      expectFieldErrors(await search({ createdAt: { from: '2025-01-01' } }), 422, ['createdAt']);
      expectFieldErrors(await search({ createdAt: { from: 5 } }), 422, ['createdAt']);
      const reversed = expectFieldErrors(await search({ createdAt: { from: TIMES[3], to: TIMES[2] } }), 422, ['createdAt']);
      assert.match(reversed.createdAt!, /is after/);
      expectFieldErrors(await search({ createdBy: 'nobody' }), 422, ['createdBy']);
      assertTrackerError(await search([1]), 422);
    });

    it('answers 400 for malformed JSON and bad paging parameters', async () => {
      assertTrackerError(
        await t.request({ method: 'POST', url: '/v3/worklog/_search', headers: { 'content-type': 'application/json' }, payload: '{' }),
        400,
      );
      for (const query of ['?perPage=0', '?perPage=1001', '?perPage=x', '?page=0', '?page=-1']) {
        assertTrackerError(await search({}, query), 400);
      }
    });
  });

  describe('GET /v3/worklog', () => {
    it('filters like the search: createdBy, and createdAt given twice with from: and to:', async () => {
      assert.deepEqual(ids(await find('?createdBy=bob')), bobIds);
      assert.deepEqual(ids(await find(`?createdBy=${bob.uid}`)), bobIds);
      const range = `createdAt=from:${encodeURIComponent(TIMES[2]!)}&createdAt=to:${encodeURIComponent(TIMES[4]!)}`;
      assert.deepEqual(ids(await find(`?createdBy=admin&${range}`)), adminIds.slice(2, 5));
      assert.deepEqual(ids(await find('?createdBy=admin&createdAt=from:2025-02-01T00:00:00.001')), adminIds.slice(3));
      assert.deepEqual(ids(await find('?createdAt=to:2025-01-10T09:00:00')), [adminIds[0], bobIds[0]]);
      // An unencoded + arrives as a space; it is read as the zone's sign.
      assert.deepEqual(ids(await find('?createdBy=admin&createdAt=from:2025-02-10T15:00:00+0300')), adminIds.slice(4));
    });

    it('answers the official client’s trailing-slash form, and v2 with v2 links', async () => {
      assert.deepEqual(ids(await t.request({ method: 'GET', url: '/v3/worklog/?createdBy=bob' })), bobIds);
      const v2 = expectStatus<WorklogBody[]>(await find('?createdBy=bob', 'v2'), 200);
      assert.ok(v2.every((worklog) => worklog.self.startsWith(url('issues/', 'v2'))));
    });

    it('pages keeping the filters in the Link, and stops on the last page', async () => {
      let next: string | undefined = '/v3/worklog?createdBy=bob&createdAt=from:2025-01-20T00:00:00&perPage=2';
      const collected: number[] = [];
      let requests = 0;
      while (next !== undefined) {
        const response = await t.request({ method: 'GET', url: next });
        collected.push(...ids(response));
        if (requests === 0) {
          assert.equal(response.headers['x-total-count'], '5');
          assert.equal(response.headers['x-total-pages'], '3');
          assert.equal(nextLink(response), '/v3/worklog?createdBy=bob&createdAt=from:2025-01-20T00:00:00&perPage=2&page=2');
        }
        next = nextLink(response);
        requests += 1;
        assert.ok(requests <= 3);
      }
      assert.equal(requests, 3);
      assert.deepEqual(collected, bobIds.slice(1));
    });

    it('sends no Link when exactly one page holds every match', async () => {
      const exact = await find('?createdBy=bob&perPage=6');
      assert.deepEqual(ids(exact), bobIds);
      assert.equal(exact.headers['x-total-pages'], '1');
      assert.equal(exact.headers.link, undefined);
      const last = await find('?createdBy=bob&perPage=4&page=2');
      assert.deepEqual(ids(last), bobIds.slice(4));
      assert.equal(last.headers.link, undefined);
    });

    it('answers an empty list when nothing matches', async () => {
      assert.deepEqual(ids(await find('?createdBy=carol')), []);
      const paged = await find('?createdBy=carol&perPage=5');
      assert.deepEqual(ids(paged), []);
      assert.equal(paged.headers.link, undefined);
    });

    it('answers 400 for bad query parameters, naming them', async () => {
      for (const query of [
        '?createdAt=2025-01-01T00:00:00',
        '?createdAt=from:yesterday',
        '?createdAt=from:2025-01-01T00:00:00&createdAt=from:2025-01-02T00:00:00',
        '?createdAt=from:2025-02-01T00:00:00&createdAt=to:2025-01-01T00:00:00',
        '?createdAt=from:2025-01-01T00:00:00&createdAt=to:2025-02-01T00:00:00&createdAt=to:2025-03-01T00:00:00',
        '?createdAt=since:2025-01-01T00:00:00',
      ]) {
        const body = assertTrackerError(await find(query), 400);
        assert.deepEqual(Object.keys(body.errors), ['createdAt'], query);
      }
      assert.deepEqual(Object.keys(assertTrackerError(await find('?createdBy=nobody'), 400).errors), ['createdBy']);
      assertTrackerError(await find('?createdBy='), 400);
      assertTrackerError(await find('?perPage=0'), 400);
    });

    it('answers 401 without a token and 403 for another organization', async () => {
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/worklog?createdBy=bob', token: null }), 401);
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/worklog?createdBy=bob', org: 'nope' }), 403);
      assertTrackerError(await t.request({ method: 'POST', url: '/v3/worklog/_search', payload: {}, org: 'nope' }), 403);
    });
  });
});
