/** `GET /v3/issues/<key>/worklog`: ascending ids, `perPage` with an `id` cursor, `Link rel="next"`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp } from '../../support/app.js';
import {
  buildAppWithIssue,
  type IssueBody,
  type WorklogBody,
  expectStatus,
  importIssue,
  importWorklog,
  listAllWorklogs,
  nextLink,
} from './fixtures.js';

describe('worklog list', () => {
  let t: TestApp;
  let empty: IssueBody;
  let busy: IssueBody;
  let exact: IssueBody;
  let other: IssueBody;
  const busyIds: number[] = [];
  const exactIds: number[] = [];

  before(async () => {
    ({ t, issue: empty } = await buildAppWithIssue({ summary: 'empty' }));
    busy = await importIssue(t, { summary: 'busy' });
    exact = await importIssue(t, { summary: 'exactly 50' });
    other = await importIssue(t, { summary: 'other' });
    // Interleave issues so that one issue's ids are not consecutive.
    for (let i = 0; i < 123; i += 1) {
      busyIds.push((await importWorklog(t, busy.key, { duration: `PT${i + 1}M`, comment: `busy ${i}` })).id);
      if (i < 50) exactIds.push((await importWorklog(t, exact.key, { duration: 'PT1M' })).id);
      if (i % 10 === 0) await importWorklog(t, other.key);
    }
  });
  after(() => t.close());

  const get = (path: string) => t.request({ method: 'GET', url: path });

  it('answers an issue without worklogs with an empty list and no Link', async () => {
    const response = await get(`/v3/issues/${empty.key}/worklog`);
    assert.deepEqual(expectStatus(response, 200), []);
    assert.equal(response.headers.link, undefined);
  });

  it('answers 50 by default, in ascending id, with a Link to the rest', async () => {
    const response = await get(`/v3/issues/${busy.key}/worklog`);
    const page = expectStatus<WorklogBody[]>(response, 200);
    assert.equal(page.length, 50);
    assert.deepEqual(
      page.map((worklog) => worklog.id),
      busyIds.slice(0, 50),
    );
    assert.ok(page.every((worklog) => worklog.issue.key === busy.key));
    assert.equal(page[0]!.comment, 'busy 0');
    assert.equal(page[0]!.duration, 'PT1M');
    assert.equal(response.headers.link, `<http://tracker.test/v3/issues/${busy.key}/worklog?perPage=50&id=${busyIds[49]}>; rel="next"`);
  });

  it('follows perPage and the id cursor', async () => {
    const response = await get(`/v3/issues/${busy.key}/worklog?perPage=7&id=${busyIds[9]}`);
    const page = expectStatus<WorklogBody[]>(response, 200);
    assert.deepEqual(
      page.map((worklog) => worklog.id),
      busyIds.slice(10, 17),
    );
    assert.equal(nextLink(response), `/v3/issues/${busy.key}/worklog?perPage=7&id=${busyIds[16]}`);
  });

  it('leaves the Link out on the last page', async () => {
    const response = await get(`/v3/issues/${busy.key}/worklog?perPage=10&id=${busyIds[112]}`);
    const page = expectStatus<WorklogBody[]>(response, 200);
    assert.deepEqual(
      page.map((worklog) => worklog.id),
      busyIds.slice(113),
    );
    assert.equal(response.headers.link, undefined);
  });

  it('answers a cursor past the end with an empty list and no Link', async () => {
    const response = await get(`/v3/issues/${busy.key}/worklog?id=${busyIds.at(-1)}`);
    assert.deepEqual(expectStatus(response, 200), []);
    assert.equal(response.headers.link, undefined);
  });

  it('sends no Link when exactly one full page remains', async () => {
    const response = await get(`/v3/issues/${exact.key}/worklog`);
    const page = expectStatus<WorklogBody[]>(response, 200);
    assert.deepEqual(
      page.map((worklog) => worklog.id),
      exactIds,
    );
    assert.equal(response.headers.link, undefined);
    const small = await get(`/v3/issues/${exact.key}/worklog?perPage=25&id=${exactIds[24]}`);
    assert.equal(expectStatus<WorklogBody[]>(small, 200).length, 25);
    assert.equal(small.headers.link, undefined);
  });

  for (const perPage of [1, 2, 7, 50, 122, 123, 1000]) {
    it(`collects every id exactly once walking the Links with perPage=${perPage}`, async () => {
      const all = await listAllWorklogs(t, busy.key, perPage);
      assert.deepEqual(
        all.map((worklog) => worklog.id),
        busyIds,
      );
      assert.equal(new Set(all.map((worklog) => worklog.id)).size, 123);
    });
  }

  it('walks the pages with the number of requests perPage implies', async () => {
    let next: string | undefined = `/v3/issues/${busy.key}/worklog?perPage=25`;
    let requests = 0;
    while (next !== undefined) {
      const response = await get(next);
      expectStatus(response, 200);
      next = nextLink(response);
      requests += 1;
      assert.ok(requests <= 5);
    }
    assert.equal(requests, 5);
  });

  it('lists by issue id and lowercase key alike', async () => {
    const byKey = expectStatus<WorklogBody[]>(await get(`/v3/issues/${other.key}/worklog`), 200);
    assert.equal(byKey.length, 13);
    assert.deepEqual(expectStatus(await get(`/v3/issues/${other.id}/worklog`), 200), byKey);
    assert.deepEqual(expectStatus(await get(`/v3/issues/${other.key.toLowerCase()}/worklog/`), 200), byKey);
  });
});
