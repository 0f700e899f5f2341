/**
 * Scrolling an issue search (issue 17 point 3; docs/tracker-api.md, "Scroll"): `scrollType`,
 * `perScroll` (at most 1000), `scrollTTLMillis`, answered with `X-Scroll-Id`, `X-Scroll-Token`
 * and `Link` headers, continued with `scrollId`; refused with keys or a queue, as Tracker refuses it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { PUBLIC_URL, type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { NOW, type IssueBody, createQueue, createUserWithToken, expectStatus, importIssue, nextLink } from './fixtures.js';

const SCROLL_NOT_SUPPORTED = 'Scroll is not supported for a search by keys or by queue: select by filter, or every issue.';

describe('issue search scroll', () => {
  let t: TestApp;
  let bobToken: string;
  const testKeys: string[] = [];
  const otherKeys: string[] = [];

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t, 'TEST');
    await createQueue(t, 'OTHER');
    for (let i = 0; i < 25; i++) testKeys.push((await importIssue(t, { summary: `test ${i}` })).key);
    for (let i = 0; i < 5; i++) otherKeys.push((await importIssue(t, { queue: 'OTHER', summary: `other ${i}` })).key);
    bobToken = (await createUserWithToken(t, 'bob')).token;
  });
  after(() => t.close());

  const search = (query: string, payload: unknown = {}, token?: string) =>
    t.request({
      method: 'POST',
      url: `/v3/issues/_search${query}`,
      payload: payload as Record<string, unknown>,
      ...(token === undefined ? {} : { token }),
    });
  const keys = (response: LightMyRequestResponse) => expectStatus<IssueBody[]>(response, 200).map((issue) => issue.key);
  const header = (response: LightMyRequestResponse, name: string) => String(response.headers[name] ?? '');

  /** Follows `next` links as the official client does (same method and body), collecting keys. */
  async function scrollAll(query: string, payload: unknown = {}): Promise<{ keys: string[]; pages: number }> {
    const all: string[] = [];
    let pages = 0;
    let next: string | undefined = `/v3/issues/_search${query}`;
    while (next !== undefined) {
      const response = await t.request({ method: 'POST', url: next, payload: payload as Record<string, unknown> });
      all.push(...keys(response));
      assert.ok(header(response, 'x-scroll-id') !== '');
      assert.match(header(response, 'x-scroll-token'), /^[0-9a-f]{64}:\d+$/);
      assert.equal(header(response, 'x-total-count'), '30');
      pages++;
      next = nextLink(response);
    }
    return { keys: all, pages };
  }

  it('scrolls through every issue, perScroll at a time, each once, in order', async () => {
    const first = await search('?scrollType=sorted&perScroll=10');
    assert.equal(keys(first).length, 10);
    assert.equal(header(first, 'x-total-count'), '30');
    assert.match(header(first, 'link'), /rel="first"/);
    assert.match(nextLink(first) ?? '', /^\/v3\/issues\/_search\?scrollId=[A-Za-z0-9_-]+$/);
    const all = await scrollAll('?scrollType=sorted&perScroll=10');
    assert.deepEqual(all.keys, [...testKeys, ...otherKeys]);
    assert.equal(all.pages, 3);
  });

  it('continues with scrollId alone, whatever body comes with it, and answers [] past the end', async () => {
    const first = await search('?scrollType=unsorted&perScroll=20', { filter: { queue: 'TEST' } });
    assert.deepEqual(keys(first), testKeys.slice(0, 20));
    const second = await search(`?scrollId=${header(first, 'x-scroll-id')}`);
    assert.deepEqual(keys(second), testKeys.slice(20));
    assert.equal(nextLink(second), undefined);
    assert.deepEqual(keys(await search(`?scrollId=${header(second, 'x-scroll-id')}`)), []);
  });

  it('scrolls one queue through filter.queue, defaulting to 100 a page', async () => {
    const response = await search('?scrollType=sorted', { filter: { queue: 'OTHER' } });
    assert.deepEqual(keys(response), otherKeys);
    assert.equal(header(response, 'x-total-count'), '5');
    assert.equal(nextLink(response), undefined);
  });

  it('is continued by another server process on the same database (the scroll id carries its state)', async () => {
    const first = await search('?scrollType=sorted&perScroll=7');
    const other = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL });
    try {
      const response = await other.inject({
        method: 'POST',
        url: `/v3/issues/_search?scrollId=${header(first, 'x-scroll-id')}`,
        headers: { authorization: 'OAuth test-admin-token-0000000001', 'x-org-id': '1' },
        payload: {},
      });
      assert.deepEqual(keys(response), testKeys.slice(7, 14));
    } finally {
      await other.close();
    }
  });

  it('refuses scroll with keys or a queue, as Tracker does', async () => {
    for (const payload of [{ keys: [testKeys[0]] }, { queue: 'TEST' }]) {
      assert.deepEqual(assertTrackerError(await search('?scrollType=sorted', payload), 400).errorMessages, [SCROLL_NOT_SUPPORTED]);
    }
  });

  it('refuses bad scroll parameters with 400', async () => {
    for (const query of [
      '?scrollType=sorted&perScroll=1001',
      '?scrollType=sorted&perScroll=0',
      '?scrollType=shuffled',
      '?scrollType=sorted&scrollTTLMillis=0',
      '?perScroll=10',
    ]) {
      assertTrackerError(await search(query), 400);
    }
  });

  it('refuses a scroll id that is not one, another user’s, or expired', async () => {
    assert.ok('scrollId' in assertTrackerError(await search('?scrollId=bm90LWEtc2Nyb2xs'), 400).errors);
    const first = await search('?scrollType=sorted&perScroll=5&scrollTTLMillis=1000');
    const scrollId = header(first, 'x-scroll-id');
    assert.match(assertTrackerError(await search(`?scrollId=${scrollId}`, {}, bobToken), 400).errors.scrollId ?? '', /another user/);
    t.clock.now += 1001;
    try {
      assert.match(assertTrackerError(await search(`?scrollId=${scrollId}`), 400).errors.scrollId ?? '', /expired/);
    } finally {
      t.clock.now -= 1001;
    }
  });

  it('renews the time to live with each page', async () => {
    const first = await search('?scrollType=sorted&perScroll=5&scrollTTLMillis=1000');
    t.clock.now += 900;
    const second = await search(`?scrollId=${header(first, 'x-scroll-id')}`);
    t.clock.now += 900;
    try {
      assert.deepEqual(keys(await search(`?scrollId=${header(second, 'x-scroll-id')}`)), testKeys.slice(10, 15));
    } finally {
      t.clock.now -= 1800;
    }
  });

  describe('POST /v3/system/search/scroll/_clear', () => {
    it('takes back the pairs the scroll answered', async () => {
      const first = await search('?scrollType=sorted&perScroll=10');
      const second = await search(`?scrollId=${header(first, 'x-scroll-id')}`);
      const pairs = Object.fromEntries(
        [first, second].map((response) => [header(response, 'x-scroll-id'), header(response, 'x-scroll-token')]),
      );
      const cleared = await t.request({ method: 'POST', url: '/v3/system/search/scroll/_clear', payload: pairs });
      assert.equal(cleared.statusCode, 200);
      assert.equal(cleared.body, '', 'an empty body, as Tracker answers');
    });

    it('refuses a pair whose token is not the scroll id’s', async () => {
      const first = await search('?scrollType=sorted&perScroll=10');
      const response = await t.request({
        method: 'POST',
        url: '/v3/system/search/scroll/_clear',
        payload: { [header(first, 'x-scroll-id')]: 'f'.repeat(64) + ':1' },
      });
      assertTrackerError(response, 400);
    });
  });
});
