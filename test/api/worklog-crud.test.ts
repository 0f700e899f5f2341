/**
 * The worklog API around the import (docs/tracker-api.md §Worklogs): create, read one, edit (with
 * If-Match), delete. Each success shape, each error with Tracker's body, the permission rules, and
 * what every change does to the issue (`spent`, `updatedAt`, `version`).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import {
  NOW,
  TRACKER_TIMESTAMP,
  type IssueBody,
  type UserBody,
  type WorklogBody,
  createQueue,
  createUserWithToken,
  expectFieldErrors,
  expectMessage,
  expectStatus,
  getIssue,
  importIssue,
  importWorklog,
  snapshot,
  url,
} from './fixtures.js';

const WORKLOG_KEYS = ['comment', 'createdAt', 'createdBy', 'duration', 'id', 'issue', 'self', 'start', 'updatedAt', 'updatedBy', 'version'];
const NOW_TEXT = '2025-06-01T12:00:00.000+0000';

describe('worklog create, read, edit and delete', () => {
  let t: TestApp;
  let issue: IssueBody;
  let admin: UserBody;
  let alice: { user: UserBody; token: string };
  let bob: { user: UserBody; token: string };

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
    admin = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/admin' }), 200);
    alice = await createUserWithToken(t, 'alice', { display: 'Alice A.' });
    bob = await createUserWithToken(t, 'bob', { display: 'Bob B.' });
  });
  after(() => t.close());

  beforeEach(async () => {
    t.clock.now = NOW;
    issue = await importIssue(t, { summary: 'Worklog API' });
  });

  const create = (payload: unknown, as: { token?: string; key?: string; version?: 'v2' | 'v3' } = {}) =>
    t.request({
      method: 'POST',
      url: `/${as.version ?? 'v3'}/issues/${as.key ?? issue.key}/worklog`,
      payload: payload as Record<string, unknown>,
      ...(as.token === undefined ? {} : { token: as.token }),
    });
  const created = async (payload: Record<string, unknown> = {}, token?: string): Promise<WorklogBody> =>
    expectStatus<WorklogBody>(
      await create({ start: '2025-05-01T10:00:00.000+0300', duration: 'PT1H', ...payload }, token === undefined ? {} : { token }),
      201,
    );
  const patch = (id: number, payload: unknown, options: { token?: string; ifMatch?: string; key?: string } = {}) =>
    t.request({
      method: 'PATCH',
      url: `/v3/issues/${options.key ?? issue.key}/worklog/${id}`,
      payload: payload as Record<string, unknown>,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.ifMatch === undefined ? {} : { headers: { 'if-match': options.ifMatch } }),
    });
  const remove = (id: number | string, options: { token?: string; key?: string; ifMatch?: string } = {}) =>
    t.request({
      method: 'DELETE',
      url: `/v3/issues/${options.key ?? issue.key}/worklog/${id}`,
      headers: { 'content-type': 'application/json', ...(options.ifMatch === undefined ? {} : { 'if-match': options.ifMatch }) },
      payload: '',
      ...(options.token === undefined ? {} : { token: options.token }),
    });

  describe('POST /v3/issues/<key>/worklog', () => {
    it('answers 201 with the worklog: the caller as author, now as createdAt, start and duration normalised', async () => {
      const response = await create(
        { start: '2021-09-21T15:30:00.000+0500', duration: 'P5DT20M', comment: 'Reviewed' },
        { token: alice.token },
      );
      const body = expectStatus<WorklogBody>(response, 201);
      assert.deepEqual(Object.keys(body).sort(), WORKLOG_KEYS);
      assert.equal(body.self, url(`issues/${issue.key}/worklog/${body.id}`));
      assert.equal(typeof body.id, 'number');
      assert.equal(body.version, 1);
      assert.deepEqual(body.issue, { self: url(`issues/${issue.key}`), id: issue.id, key: issue.key, display: 'Worklog API' });
      assert.equal(body.comment, 'Reviewed');
      assert.equal(body.createdBy.id, String(alice.user.uid));
      assert.equal(body.createdBy.display, 'Alice A.');
      assert.deepEqual(body.updatedBy, body.createdBy);
      assert.equal(body.createdAt, NOW_TEXT);
      assert.equal(body.updatedAt, NOW_TEXT);
      // The documented example (docs/tracker-api.md §Worklogs): +0500 comes back in UTC, P5DT20M as P1WT20M.
      assert.equal(body.start, '2021-09-21T10:30:00.000+0000');
      assert.equal(body.duration, 'P1WT20M');
      assert.match(body.createdAt, TRACKER_TIMESTAMP);
    });

    it('moves the issue: spent, updatedAt, updatedBy and version', async () => {
      t.clock.now = NOW + 5_000;
      await created({ duration: 'PT520M' }, bob.token);
      const after = await getIssue(t, issue.key);
      assert.equal(after.spent, 'P1DT40M');
      assert.equal(after.version, issue.version + 1);
      assert.equal(after.updatedAt, '2025-06-01T12:00:05.000+0000');
      assert.equal(after.updatedBy.id, String(bob.user.uid));
      assert.equal(after.createdAt, issue.createdAt);
    });

    it('accepts "comment": null, as the official client sends it, and then has no comment', async () => {
      const body = await created({ comment: null });
      assert.equal('comment' in body, false);
    });

    it('finds the issue by id and by a lower-case key, and answers v2 with v2 shapes', async () => {
      expectStatus(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1M' }, { key: issue.id }), 201);
      expectStatus(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1M' }, { key: issue.key.toLowerCase() }), 201);
      const v2 = expectStatus<WorklogBody>(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1M' }, { version: 'v2' }), 201);
      assert.equal(v2.self, url(`issues/${issue.key}/worklog/${v2.id}`, 'v2'));
      assert.deepEqual(Object.keys(v2.createdBy).sort(), ['display', 'id', 'self']);
      assert.equal(v2.createdBy.self, url(`users/${admin.uid}`, 'v2'));
      assert.equal((await getIssue(t, issue.key)).spent, 'PT3M');
    });

    it('answers 422 naming each missing, unknown or mistyped field, and stores nothing', async () => {
      const before = await snapshot(t, issue.key);
      expectFieldErrors(await create({ duration: 'PT1H' }), 422, ['start']);
      expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z' }), 422, ['duration']);
      expectFieldErrors(await create({}), 422, ['start', 'duration']);
      expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1H', createdBy: 'bob' }), 422, ['createdBy']);
      expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1H', createdAt: NOW_TEXT }), 422, ['createdAt']);
      expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z', duration: 3600 }), 422, ['duration']);
      expectFieldErrors(await create({ start: 1714557600000, duration: 'PT1H' }), 422, ['start']);
      expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1H', comment: 5 }), 422, ['comment']);
      expectMessage(await create([1, 2]), 422, 'must be an object');
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 422 for values that break the rules, all named at once, and stores nothing', async () => {
      const before = await snapshot(t, issue.key);
      for (const duration of ['PT0S', 'PT1.5H', 'P1M', '-PT1H', '1h', 'PT2147483648S']) {
        expectFieldErrors(await create({ start: '2025-05-01T10:00:00Z', duration }), 422, ['duration']);
      }
      for (const start of ['2025-05-01', '2025-02-30T10:00:00Z', 'yesterday', '']) {
        expectFieldErrors(await create({ start, duration: 'PT1H' }), 422, ['start']);
      }
      expectFieldErrors(await create({ start: 'x', duration: 'PT0S', comment: 'c'.repeat(512_001) }), 422, [
        'start',
        'duration',
        'comment',
      ]);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 400 for malformed JSON and 404 for an unknown issue', async () => {
      const before = await snapshot(t, issue.key);
      const malformed = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklog`,
        headers: { 'content-type': 'application/json' },
        payload: '{"start": "2025-05-01T10:00:00Z", "duration": ',
      });
      assertTrackerError(malformed, 400);
      for (const ref of ['TEST-999', 'NOPE-1', 'ffffffffffffffffffffffff']) {
        const body = assertTrackerError(await create({ start: '2025-05-01T10:00:00Z', duration: 'PT1H' }, { key: ref }), 404);
        assert.deepEqual(body.errorMessages, ['Issue does not exist.']);
      }
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 401 without a token and 403 for another organization, storing nothing', async () => {
      const before = await snapshot(t, issue.key);
      assertTrackerError(
        await t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklog`,
          token: null,
          payload: { start: '2025-05-01T10:00:00Z', duration: 'PT1H' },
        }),
        401,
      );
      assertTrackerError(
        await t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklog`,
          org: 'other',
          payload: { start: '2025-05-01T10:00:00Z', duration: 'PT1H' },
        }),
        403,
      );
      assert.deepEqual(await snapshot(t, issue.key), before);
    });
  });

  describe('GET /v3/issues/<key>/worklog/<id>', () => {
    it('answers the worklog as the list does, to anyone in the organization', async () => {
      const entry = await created({ comment: 'read me' }, alice.token);
      const one = expectStatus<WorklogBody>(
        await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog/${entry.id}`, token: bob.token }),
        200,
      );
      assert.deepEqual(one, entry);
      const listed = expectStatus<WorklogBody[]>(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog` }), 200);
      assert.deepEqual(listed, [entry]);
      // The self path routes back to the same object (the official client follows it).
      const bySelf = await t.request({ method: 'GET', url: new URL(entry.self).pathname });
      assert.deepEqual(expectStatus(bySelf, 200), entry);
    });

    it('answers an imported worklog under the singular path', async () => {
      const imported = await importWorklog(t, issue.key, { comment: 'imported' });
      assert.deepEqual(expectStatus(await t.request({ method: 'GET', url: new URL(imported.self).pathname }), 200), imported);
    });

    it('answers 404 for an unknown worklog, a worklog of another issue and an unknown issue', async () => {
      const entry = await created();
      const other = await importIssue(t, { summary: 'other' });
      for (const path of [
        `/v3/issues/${issue.key}/worklog/${entry.id + 1000}`,
        `/v3/issues/${other.key}/worklog/${entry.id}`,
        `/v3/issues/TEST-999/worklog/${entry.id}`,
      ]) {
        const body = assertTrackerError(await t.request({ method: 'GET', url: path }), 404);
        assert.ok(body.errorMessages.length === 1 && /does not exist/.test(body.errorMessages[0]!), path);
      }
    });

    it('answers 400 for an id that is not a positive whole number', async () => {
      for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        assertTrackerError(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog/${id}` }), 400);
      }
    });
  });

  describe('PATCH /v3/issues/<key>/worklog/<id>', () => {
    it('changes only the fields sent, answers the whole worklog with version + 1, and moves the issue', async () => {
      const entry = await created({ comment: 'first', duration: 'PT2H' }, alice.token);
      t.clock.now = NOW + 60_000;
      const response = await patch(entry.id, { duration: 'PT520M' }, { token: alice.token });
      const body = expectStatus<WorklogBody>(response, 200);
      assert.deepEqual(Object.keys(body).sort(), WORKLOG_KEYS);
      assert.equal(body.version, 2);
      assert.equal(body.duration, 'P1DT40M');
      assert.equal(body.comment, 'first');
      assert.equal(body.start, entry.start);
      assert.equal(body.createdAt, entry.createdAt);
      assert.equal(body.updatedAt, '2025-06-01T12:01:00.000+0000');
      assert.equal(body.self, entry.self);
      const after = await getIssue(t, issue.key);
      assert.equal(after.spent, 'P1DT40M');
      assert.equal(after.version, issue.version + 2);
      assert.equal(after.updatedAt, '2025-06-01T12:01:00.000+0000');

      const commented = expectStatus<WorklogBody>(
        await patch(entry.id, { comment: 'second', start: '2025-05-02T08:00:00+02:00' }, { token: alice.token }),
        200,
      );
      assert.equal(commented.version, 3);
      assert.equal(commented.comment, 'second');
      assert.equal(commented.start, '2025-05-02T06:00:00.000+0000');
      assert.equal(commented.duration, 'P1DT40M');
      // comment: null removes the comment.
      const cleared = expectStatus<WorklogBody>(await patch(entry.id, { comment: null }, { token: alice.token }), 200);
      assert.equal('comment' in cleared, false);
      assert.equal(cleared.version, 4);
      assert.deepEqual(expectStatus(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog/${entry.id}` }), 200), cleared);
    });

    it('honours If-Match: the current version applies the change, a stale one gets 412 and changes nothing', async () => {
      const entry = await created({ duration: 'PT1H' });
      const first = expectStatus<WorklogBody>(await patch(entry.id, { duration: 'PT2H' }, { ifMatch: '"1"' }), 200);
      assert.equal(first.version, 2);
      const before = await snapshot(t, issue.key);
      const stale = await patch(entry.id, { duration: 'PT3H' }, { ifMatch: '"1"' });
      const error = assertTrackerError(stale, 412);
      assert.match(error.errorMessages[0]!, /version is 2, not 1/);
      assert.deepEqual(await snapshot(t, issue.key), before);
      expectStatus(await patch(entry.id, { duration: 'PT3H' }, { ifMatch: '2' }), 200);
      expectStatus(await patch(entry.id, { duration: 'PT4H' }, { ifMatch: '*' }), 200);
      assert.equal((await getIssue(t, issue.key)).spent, 'PT4H');
    });

    it('answers 400 for an If-Match that is not a version, changing nothing', async () => {
      const entry = await created();
      const before = await snapshot(t, issue.key);
      for (const ifMatch of ['"abc"', 'W/"1"', '"0"', '""', '"1", "2"']) {
        const body = assertTrackerError(await patch(entry.id, { duration: 'PT2H' }, { ifMatch }), 400);
        assert.ok('If-Match' in body.errors, ifMatch);
      }
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('lets an administrator edit anyone’s entry and records who did', async () => {
      const entry = await created({}, alice.token);
      const body = expectStatus<WorklogBody>(await patch(entry.id, { comment: 'fixed by admin' }), 200);
      assert.equal(body.createdBy.id, String(alice.user.uid));
      assert.equal(body.updatedBy.id, String(admin.uid));
    });

    it('lets an author edit their own imported entry', async () => {
      const imported = await importWorklog(t, issue.key, { createdBy: 'bob', duration: 'PT1H' });
      const body = expectStatus<WorklogBody>(await patch(imported.id, { duration: 'PT30M' }, { token: bob.token }), 200);
      assert.equal(body.duration, 'PT30M');
      assert.equal((await getIssue(t, issue.key)).spent, 'PT30M');
    });

    it('answers 403 to someone else, even with a valid body, and changes nothing', async () => {
      const entry = await created({}, alice.token);
      const before = await snapshot(t, issue.key);
      expectMessage(await patch(entry.id, { duration: 'PT5H' }, { token: bob.token }), 403, /author/);
      // 403 comes before the rules: an invalid duration tells bob nothing either.
      assertTrackerError(await patch(entry.id, { duration: 'PT0S' }, { token: bob.token }), 403);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 422 for an empty body, unknown fields, wrong types and broken rules, changing nothing', async () => {
      const entry = await created();
      const before = await snapshot(t, issue.key);
      expectMessage(await patch(entry.id, {}), 422, /at least one of duration, comment, start/);
      expectFieldErrors(await patch(entry.id, { version: 5 }), 422, ['version']);
      expectFieldErrors(await patch(entry.id, { createdBy: 'bob' }), 422, ['createdBy']);
      expectFieldErrors(await patch(entry.id, { duration: 60 }), 422, ['duration']);
      expectFieldErrors(await patch(entry.id, { duration: 'PT0S' }), 422, ['duration']);
      expectFieldErrors(await patch(entry.id, { duration: 'P1Y' }), 422, ['duration']);
      expectFieldErrors(await patch(entry.id, { start: '2025-13-01T00:00:00Z' }), 422, ['start']);
      expectFieldErrors(await patch(entry.id, { start: 'x', duration: 'y', comment: 'c'.repeat(512_001) }), 422, [
        'start',
        'duration',
        'comment',
      ]);
      // A stale If-Match with an invalid body: the body is refused first.
      assertTrackerError(await patch(entry.id, { duration: 'PT0S' }, { ifMatch: '"7"' }), 422);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 404 for an unknown worklog or one of another issue, and 400 for malformed JSON', async () => {
      const entry = await created();
      const other = await importIssue(t, { summary: 'other' });
      const before = await snapshot(t, issue.key);
      expectMessage(await patch(entry.id + 1000, { duration: 'PT2H' }), 404, 'Worklog does not exist.');
      expectMessage(await patch(entry.id, { duration: 'PT2H' }, { key: other.key }), 404, 'Worklog does not exist.');
      expectMessage(await patch(entry.id, { duration: 'PT2H' }, { key: 'TEST-999' }), 404, 'Issue does not exist.');
      const malformed = await t.request({
        method: 'PATCH',
        url: `/v3/issues/${issue.key}/worklog/${entry.id}`,
        headers: { 'content-type': 'application/json' },
        payload: '{"duration":',
      });
      assertTrackerError(malformed, 400);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });
  });

  describe('DELETE /v3/issues/<key>/worklog/<id>', () => {
    it('answers 204 with an empty body, takes the duration off spent and moves the issue', async () => {
      const kept = await created({ duration: 'PT1H' }, alice.token);
      const gone = await created({ duration: 'PT2H' }, alice.token);
      const issueBefore = await getIssue(t, issue.key);
      assert.equal(issueBefore.spent, 'PT3H');
      t.clock.now = NOW + 120_000;
      const response = await remove(gone.id, { token: alice.token });
      assert.equal(response.statusCode, 204, response.body);
      assert.equal(response.body, '');
      assert.equal(response.headers['content-length'] ?? '0', '0');
      const after = await getIssue(t, issue.key);
      assert.equal(after.spent, 'PT1H');
      assert.equal(after.version, issueBefore.version + 1);
      assert.equal(after.updatedAt, '2025-06-01T12:02:00.000+0000');
      assert.equal(after.updatedBy.id, String(alice.user.uid));
      assert.deepEqual(
        expectStatus<WorklogBody[]>(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog` }), 200).map((w) => w.id),
        [kept.id],
      );
      expectMessage(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog/${gone.id}` }), 404, 'Worklog does not exist.');
    });

    it('leaves spent out once the last entry is gone', async () => {
      const entry = await created({ duration: 'PT1H' });
      assert.equal((await remove(entry.id)).statusCode, 204);
      assert.equal((await getIssue(t, issue.key)).spent, undefined);
    });

    it('lets an administrator delete anyone’s entry, imported ones included', async () => {
      const entry = await created({}, bob.token);
      const imported = await importWorklog(t, issue.key, { createdBy: 'alice' });
      assert.equal((await remove(entry.id)).statusCode, 204);
      assert.equal((await remove(imported.id)).statusCode, 204);
      assert.equal((await getIssue(t, issue.key)).spent, undefined);
    });

    it('answers 403 to someone else and deletes nothing', async () => {
      const entry = await created({}, alice.token);
      const before = await snapshot(t, issue.key);
      expectMessage(await remove(entry.id, { token: bob.token }), 403, /author/);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 404 for a second delete, an unknown id, another issue’s worklog and an unknown issue', async () => {
      const entry = await created();
      const other = await importIssue(t, { summary: 'other' });
      const before = await snapshot(t, other.key);
      expectMessage(await remove(entry.id, { key: other.key }), 404, 'Worklog does not exist.');
      assert.deepEqual(await snapshot(t, other.key), before);
      assert.equal((await remove(entry.id)).statusCode, 204);
      expectMessage(await remove(entry.id), 404, 'Worklog does not exist.');
      expectMessage(await remove(entry.id + 1000), 404, 'Worklog does not exist.');
      expectMessage(await remove(entry.id, { key: 'TEST-999' }), 404, 'Issue does not exist.');
      assertTrackerError(await remove('abc'), 400);
    });

    it('honours an If-Match header when one is sent', async () => {
      const entry = await created();
      expectStatus(await patch(entry.id, { comment: 'v2' }), 200);
      const before = await snapshot(t, issue.key);
      assertTrackerError(await remove(entry.id, { ifMatch: '"1"' }), 412);
      assert.deepEqual(await snapshot(t, issue.key), before);
      assert.equal((await remove(entry.id, { ifMatch: '"2"' })).statusCode, 204);
    });
  });

  describe('every route of the worklog API', () => {
    it('answers 401 without a valid token and 403 for another organization, in Tracker’s format, changing nothing', async () => {
      const entry = await created();
      const before = await snapshot(t, issue.key);
      const routes: [string, string, Record<string, unknown> | undefined][] = [
        ['POST', `/v3/issues/${issue.key}/worklog`, { start: '2025-05-01T10:00:00Z', duration: 'PT1H' }],
        ['GET', `/v3/issues/${issue.key}/worklog/${entry.id}`, undefined],
        ['PATCH', `/v3/issues/${issue.key}/worklog/${entry.id}`, { duration: 'PT2H' }],
        ['DELETE', `/v2/issues/${issue.key}/worklog/${entry.id}`, undefined],
        ['POST', '/v2/worklog/_search', {}],
        ['GET', '/v3/worklog?createdBy=admin', undefined],
        ['POST', '/v3/issues/_search', {}],
        ['POST', '/v3/issues/_findByUnique?unique=x', undefined],
        ['GET', '/v3/fields/', undefined],
      ];
      for (const [method, path, payload] of routes) {
        const base = { method: method as 'GET', url: path, ...(payload === undefined ? {} : { payload }) };
        assertTrackerError(await t.request({ ...base, token: null }), 401);
        assertTrackerError(await t.request({ ...base, token: 'unknown-token-0000000000000' }), 401);
        expectMessage(await t.request({ ...base, org: 'elsewhere' }), 403, 'Organization is not available');
      }
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers 415 to a body that is not JSON, changing nothing', async () => {
      const entry = await created();
      const before = await snapshot(t, issue.key);
      for (const [method, path] of [
        ['POST', `/v3/issues/${issue.key}/worklog`],
        ['PATCH', `/v3/issues/${issue.key}/worklog/${entry.id}`],
        ['POST', '/v3/worklog/_search'],
      ] as const) {
        const response = await t.request({ method, url: path, headers: { 'content-type': 'text/plain' }, payload: 'duration=PT1H' });
        assertTrackerError(response, 415);
      }
      assert.deepEqual(await snapshot(t, issue.key), before);
    });
  });

  describe('the import beside them', () => {
    it('changes spent but neither updatedAt nor version, while create, edit and delete change both', async () => {
      const imported = await importWorklog(t, issue.key, { duration: 'PT1H' });
      let current = await getIssue(t, issue.key);
      assert.equal(current.spent, 'PT1H');
      assert.equal(current.version, issue.version);
      assert.equal(current.updatedAt, issue.updatedAt);
      const entry = await created({ duration: 'PT2H' });
      expectStatus(await patch(imported.id, { duration: 'PT3H' }), 200);
      assert.equal((await remove(entry.id)).statusCode, 204);
      current = await getIssue(t, issue.key);
      assert.equal(current.spent, 'PT3H');
      assert.equal(current.version, issue.version + 3);
      assert.equal(current.updatedAt, NOW_TEXT);
    });
  });
});
