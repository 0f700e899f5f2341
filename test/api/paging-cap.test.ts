/**
 * Tracker's list rules where a rehearsal meets them (issue 17 points 1 and 2, issue 14 point 6,
 * issue 18 point 7): the worklog search and list answer 50 at a time unless `perPage` says
 * otherwise, no page reaches past the 10,000th item (400 "Request exceeds 10000 items limit"),
 * and `X-Total-Count`/`X-Total-Pages` never count past it; the issue search likewise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import { type IssueBody, type WorklogBody, buildAppWithIssue, expectStatus, nextLink } from './fixtures.js';

const LIMIT_MESSAGE = 'Request exceeds 10000 items limit';
const ENTRIES = 10_001;

describe('paging and the 10,000 items cap', () => {
  let t: TestApp;
  let issue: IssueBody;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
    // One more entry than the cap, through the batch extension (a few requests, not 10,001).
    for (let first = 0; first < ENTRIES; first += 2500) {
      const entries = Array.from({ length: Math.min(2500, ENTRIES - first) }, (_, i) => ({
        issue: issue.key,
        createdBy: 'admin',
        createdAt: new Date(Date.parse('2025-01-11T00:00:00.000Z') + (first + i) * 60_000).toISOString(),
        start: '2025-01-11T00:00:00.000Z',
        duration: 'PT1M',
      }));
      const answer = expectStatus<{ counts: { created: number } }>(
        await t.request({ method: 'POST', url: '/timeport/v1/worklogs/_import', payload: { entries, mode: 'atomic' } }),
        200,
      );
      assert.equal(answer.counts.created, entries.length);
    }
    // As many issues again, written straight into the store: the issue search's own cap.
    const row = await t.store.db.selectFrom('issues').selectAll().where('key', '=', issue.key).executeTakeFirstOrThrow();
    for (let first = 2; first <= ENTRIES; first += 400) {
      const rows = Array.from({ length: Math.min(400, ENTRIES - first + 1) }, (_, i) => ({
        ...row,
        id: (first + i).toString(16).padStart(24, '0'),
        key: `TEST-${first + i}`,
        number: first + i,
        uniqueMarker: null,
        spentSeconds: 0,
        extra: JSON.stringify(row.extra),
      }));
      await t.store.db.insertInto('issues').values(rows).execute();
    }
  });
  after(() => t.close());

  const search = (query = '') => t.request({ method: 'POST', url: `/v3/worklog/_search${query}`, payload: { createdBy: 'admin' } });
  const list = (query = '') => t.request({ method: 'GET', url: `/v3/worklog?createdBy=admin${query}` });
  const issues = (query = '') => t.request({ method: 'POST', url: `/v3/issues/_search${query}`, payload: { filter: { queue: 'TEST' } } });
  const count = (response: LightMyRequestResponse) => expectStatus<unknown[]>(response, 200).length;

  for (const [name, ask, separator] of [
    ['POST /v3/worklog/_search', search, '?'],
    ['GET /v3/worklog', list, '&'],
    ['POST /v3/issues/_search', issues, '?'],
  ] as const) {
    describe(name, () => {
      it('answers 50 by default, counting at most 10,000 items in 200 pages, with a Link to page 2', async () => {
        const response = await ask();
        assert.equal(count(response), 50);
        assert.equal(response.headers['x-total-count'], '10000');
        assert.equal(response.headers['x-total-pages'], '200');
        assert.match(nextLink(response) ?? '', /[?&]perPage=50&page=2$/);
      });

      it('answers the last page within the cap without a Link, and refuses the one after it', async () => {
        const last = await ask(`${separator}perPage=1000&page=10`);
        assert.equal(count(last), 1000);
        assert.equal(last.headers['x-total-pages'], '10');
        assert.equal(nextLink(last), undefined);
        const past = assertTrackerError(await ask(`${separator}perPage=1000&page=11`), 400);
        assert.deepEqual(past.errorMessages, [LIMIT_MESSAGE]);
        // A page that only begins within the cap but ends past it is refused too.
        assertTrackerError(await ask(`${separator}perPage=3&page=3334`), 400);
        assert.equal(count(await ask(`${separator}perPage=3&page=3333`)), 3);
      });

      it('offers only pages that can be asked for when perPage does not divide 10,000', async () => {
        const response = await ask(`${separator}perPage=3&page=3332`);
        assert.equal(response.headers['x-total-pages'], '3333');
        assert.match(nextLink(response) ?? '', /page=3333$/);
        assert.equal(nextLink(await ask(`${separator}perPage=3&page=3333`)), undefined);
      });
    });
  }

  it('the issue search scrolls past the cap: every issue once, with the true total', async () => {
    const keys = new Set<string>();
    let next: string | undefined = '/v3/issues/_search?scrollType=unsorted&perScroll=1000';
    let pages = 0;
    while (next !== undefined) {
      const response = await t.request({ method: 'POST', url: next, payload: { filter: { queue: 'TEST' } } });
      assert.equal(response.headers['x-total-count'], String(ENTRIES));
      for (const found of expectStatus<IssueBody[]>(response, 200)) keys.add(found.key);
      pages++;
      next = nextLink(response);
    }
    assert.equal(keys.size, ENTRIES);
    assert.equal(pages, 11);
  });

  it('refuses a page past the cap however few items match', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v3/worklog/_search?perPage=1000&page=11',
      payload: { createdBy: 'admin', createdAt: { to: '2025-01-11T00:00:00.000Z' } },
    });
    assert.deepEqual(assertTrackerError(response, 400).errorMessages, [LIMIT_MESSAGE]);
  });

  it('refuses perPage above 1000 on every paged list', async () => {
    assertTrackerError(await search('?perPage=1001'), 400);
    assertTrackerError(await list('&perPage=1001'), 400);
    assertTrackerError(await issues('?perPage=1001'), 400);
  });

  it('the per-issue list pages by cursor past the cap: every entry can still be read', async () => {
    let next: string | undefined = `/v3/issues/${issue.key}/worklog?perPage=1000`;
    let seen = 0;
    while (next !== undefined) {
      const response = await t.request({ method: 'GET', url: next });
      seen += expectStatus<WorklogBody[]>(response, 200).length;
      next = nextLink(response);
    }
    assert.equal(seen, ENTRIES);
  });
});
