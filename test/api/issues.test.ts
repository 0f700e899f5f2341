/** `POST /v3/issues/`, `POST /v3/issues/_import` (docs/tracker-api.md §Issue import) and `GET /v3/issues/<key or id>`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import {
  ISSUE_ID,
  NOW,
  TRACKER_TIMESTAMP,
  type IssueBody,
  type UserBody,
  createQueue,
  createUserWithToken,
  expectFieldErrors,
  expectStatus,
  getIssue,
} from './fixtures.js';

const NOW_STAMP = '2025-06-01T12:00:00.000+0000';

describe('issues', () => {
  let t: TestApp;
  let bob: UserBody;
  let bobToken: string;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t, 'TEST');
    await createQueue(t, 'OTHER');
    const created = await createUserWithToken(t, 'bob', { display: 'Bob' });
    bob = created.user;
    bobToken = created.token;
  });
  after(() => t.close());

  const countIssues = async () => (await t.store.db.selectFrom('issues').select('id').execute()).length;
  const create = (payload: Record<string, unknown>, token?: string) =>
    t.request({ method: 'POST', url: '/v3/issues/', payload, ...(token === undefined ? {} : { token }) });
  const importIt = (payload: Record<string, unknown>, token?: string) =>
    t.request({ method: 'POST', url: '/v3/issues/_import', payload, ...(token === undefined ? {} : { token }) });
  const historical = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
    queue: 'TEST',
    summary: 'Historical',
    createdAt: '2024-03-01T10:00:00.000+0000',
    createdBy: 'bob',
    updatedAt: '2024-04-01T10:00:00.000+0000',
    updatedBy: 'admin',
    ...fields,
  });

  /** Sends an import that must be refused with 422 on these fields, and checks nothing was stored. */
  async function refusedImport(payload: Record<string, unknown>, fields: string[], status = 422): Promise<Record<string, string>> {
    const before = await countIssues();
    const queues = await t.store.db.selectFrom('queues').selectAll().orderBy('id').execute();
    const response = await importIt(payload);
    const errors = status === 422 ? expectFieldErrors(response, 422, fields) : assertTrackerError(response, status).errors;
    assert.equal(await countIssues(), before, 'a refused import stores no issue');
    assert.deepEqual(await t.store.db.selectFrom('queues').selectAll().orderBy('id').execute(), queues, 'nor takes a number');
    return errors;
  }

  describe('POST /v3/issues/', () => {
    it('creates an issue with 201, now as createdAt, version 1 and the next key', async () => {
      const response = await create({ queue: 'TEST', summary: 'First' });
      const issue = expectStatus<IssueBody>(response, 201);
      assert.equal(issue.key, 'TEST-1');
      assert.equal(issue.self, 'http://tracker.test/v3/issues/TEST-1');
      assert.match(issue.id, ISSUE_ID);
      assert.equal(issue.version, 1);
      assert.equal(issue.summary, 'First');
      assert.equal(issue.createdAt, NOW_STAMP);
      assert.equal(issue.updatedAt, NOW_STAMP);
      assert.match(issue.createdAt, TRACKER_TIMESTAMP);
      assert.equal(issue.createdBy.id, '1');
      assert.equal(issue.updatedBy.id, '1');
      assert.equal(issue.status.key, 'open');
      assert.equal(issue.queue.key, 'TEST');
      assert.equal(issue.spent, undefined);
      const second = expectStatus<IssueBody>(await create({ queue: 'TEST', summary: 'Second' }), 201);
      assert.equal(second.key, 'TEST-2');
      const other = expectStatus<IssueBody>(await create({ queue: 'OTHER', summary: 'Elsewhere' }), 201);
      assert.equal(other.key, 'OTHER-1');
    });

    it('lets any member create, as the author', async () => {
      const issue = expectStatus<IssueBody>(await create({ queue: 'TEST', summary: 'By Bob' }, bobToken), 201);
      assert.equal(issue.createdBy.id, String(bob.uid));
      assert.equal(issue.createdBy.display, 'Bob');
    });

    it('answers a duplicate unique with 409 and stores nothing', async () => {
      expectStatus(await create({ queue: 'TEST', summary: 'Unique', unique: 'marker-1' }), 201);
      const before = await countIssues();
      assertTrackerError(await create({ queue: 'TEST', summary: 'Unique again', unique: 'marker-1' }), 409);
      assert.equal(await countIssues(), before);
    });

    it('refuses an unknown queue, a missing summary and unknown fields with 422', async () => {
      const before = await countIssues();
      expectFieldErrors(await create({ queue: 'NOPE', summary: 'x' }), 422, ['queue']);
      expectFieldErrors(await create({ queue: 'TEST' }), 422, ['summary']);
      expectFieldErrors(await create({ queue: 'TEST', summary: 'x', spent: 'PT1H' }), 422, ['spent']);
      expectFieldErrors(await create({ queue: 'TEST', summary: 'x'.repeat(256) }), 422, ['summary']);
      assert.equal(await countIssues(), before);
    });
  });

  describe('POST /v3/issues/_import', () => {
    it('answers 200 with the historical times and authors echoed', async () => {
      const issue = expectStatus<IssueBody>(await importIt(historical()), 200);
      assert.match(issue.key, /^TEST-\d+$/);
      assert.equal(issue.version, 1);
      assert.equal(issue.createdAt, '2024-03-01T10:00:00.000+0000');
      assert.equal(issue.updatedAt, '2024-04-01T10:00:00.000+0000');
      assert.equal(issue.createdBy.id, String(bob.uid));
      assert.equal(issue.createdBy.display, 'Bob');
      assert.equal(issue.updatedBy.id, '1');
      assert.equal(issue.spent, undefined);
      assert.deepEqual(await getIssue(t, issue.key), issue);
    });

    it('converts offsets to UTC and takes createdBy by uid', async () => {
      const issue = expectStatus<IssueBody>(
        await importIt(historical({ createdAt: '2024-03-01T15:00:00.000+05:00', createdBy: bob.uid, updatedAt: '2024-04-01T10:00:00Z' })),
        200,
      );
      assert.equal(issue.createdAt, '2024-03-01T10:00:00.000+0000');
      assert.equal(issue.updatedAt, '2024-04-01T10:00:00.000+0000');
      assert.equal(issue.createdBy.id, String(bob.uid));
    });

    it('sets updatedAt to createdAt when neither updatedAt nor updatedBy is sent', async () => {
      const issue = expectStatus<IssueBody>(
        await importIt({ queue: 'TEST', summary: 'No update', createdAt: '2024-03-01T10:00:00.000+0000', createdBy: 'bob' }),
        200,
      );
      assert.equal(issue.updatedAt, issue.createdAt);
      assert.equal(issue.updatedBy.id, String(bob.uid));
    });

    it('honours an explicit key and numbers later issues after it', async () => {
      const imported = expectStatus<IssueBody>(await importIt(historical({ key: 'TEST-50' })), 200);
      assert.equal(imported.key, 'TEST-50');
      assert.equal(expectStatus<IssueBody>(await create({ queue: 'TEST', summary: 'After 50' }), 201).key, 'TEST-51');
      // A lower free key is honoured too and does not move the numbering back.
      assert.equal(expectStatus<IssueBody>(await importIt(historical({ key: 'TEST-40' })), 200).key, 'TEST-40');
      assert.equal(expectStatus<IssueBody>(await importIt(historical()), 200).key, 'TEST-52');
      // A lowercase key names the same queue.
      assert.equal(expectStatus<IssueBody>(await importIt(historical({ key: 'test-60' })), 200).key, 'TEST-60');
    });

    it('refuses a key of another queue, or not a key, with 422', async () => {
      await refusedImport(historical({ key: 'OTHER-70' }), ['key']);
      await refusedImport(historical({ key: 'TEST' }), ['key']);
      await refusedImport(historical({ key: 'TEST-0' }), ['key']);
    });

    it('answers a key already taken with 409', async () => {
      await refusedImport(historical({ key: 'TEST-50' }), [], 409);
      await refusedImport(historical({ key: 'TEST-1' }), [], 409);
    });

    it('answers a duplicate unique with 409', async () => {
      expectStatus(await importIt(historical({ unique: 'import-marker' })), 200);
      await refusedImport(historical({ unique: 'import-marker' }), [], 409);
    });

    it('refuses updatedAt without updatedBy, and the reverse, with 422', async () => {
      const withoutBy = historical();
      delete withoutBy.updatedBy;
      await refusedImport(withoutBy, ['updatedBy']);
      const withoutAt = historical();
      delete withoutAt.updatedAt;
      await refusedImport(withoutAt, ['updatedAt']);
    });

    it('refuses createdAt in the future and updatedAt outside [createdAt, now] with 422', async () => {
      const errors = await refusedImport(
        historical({ createdAt: '2025-06-01T12:00:00.001+0000', updatedAt: '2025-06-01T12:00:00.001+0000' }),
        ['createdAt', 'updatedAt'],
      );
      assert.match(errors.createdAt!, /future/);
      await refusedImport(historical({ updatedAt: '2024-02-29T10:00:00.000+0000' }), ['updatedAt']);
      await refusedImport(historical({ updatedAt: '2025-06-01T12:00:00.001+0000' }), ['updatedAt']);
      // Exactly now is accepted.
      const atNow = expectStatus<IssueBody>(await importIt(historical({ createdAt: NOW_STAMP, updatedAt: NOW_STAMP })), 200);
      assert.equal(atNow.createdAt, NOW_STAMP);
    });

    it('takes resolvedAt, resolvedBy and resolution all three together', async () => {
      const issue = expectStatus<IssueBody>(
        await importIt(
          historical({ resolvedAt: '2024-03-15T10:00:00.000+0000', resolvedBy: 'bob', resolution: 'fixed', status: 'closed' }),
        ),
        200,
      );
      assert.equal(issue.resolvedAt, '2024-03-15T10:00:00.000+0000');
      assert.equal(issue.resolvedBy?.id, String(bob.uid));
      assert.equal(issue.resolution?.key, 'fixed');
      assert.equal(issue.status.key, 'closed');
      // At either end of the lifetime.
      expectStatus(await importIt(historical({ resolvedAt: '2024-04-01T10:00:00.000+0000', resolvedBy: 'bob', resolution: 'fixed' })), 200);
      expectStatus(await importIt(historical({ resolvedAt: '2024-03-01T10:00:00.000+0000', resolvedBy: 'bob', resolution: 'fixed' })), 200);
    });

    it('refuses part of the resolution trio, or a resolvedAt outside the lifetime, with 422', async () => {
      await refusedImport(historical({ resolvedAt: '2024-03-15T10:00:00.000+0000' }), ['resolvedBy']);
      await refusedImport(historical({ resolvedAt: '2024-03-15T10:00:00.000+0000', resolvedBy: 'bob' }), ['resolution']);
      await refusedImport(historical({ resolvedBy: 'bob', resolution: 'fixed' }), ['resolvedAt']);
      await refusedImport(historical({ resolution: 'fixed' }), ['resolvedAt']);
      await refusedImport(historical({ resolvedAt: '2024-04-01T10:00:00.001+0000', resolvedBy: 'bob', resolution: 'fixed' }), [
        'resolvedAt',
      ]);
      await refusedImport(historical({ resolvedAt: '2024-03-01T09:59:59.999+0000', resolvedBy: 'bob', resolution: 'fixed' }), [
        'resolvedAt',
      ]);
      await refusedImport(historical({ resolvedAt: '2024-03-15T10:00:00.000+0000', resolvedBy: 'bob', resolution: 'nonsense' }), [
        'resolution',
      ]);
      await refusedImport(historical({ resolvedAt: '2024-03-15T10:00:00.000+0000', resolvedBy: 'ghost', resolution: 'fixed' }), [
        'resolvedBy',
      ]);
    });

    it('refuses spent (an unknown field) with 422', async () => {
      const errors = await refusedImport(historical({ spent: 3_600_000 }), ['spent']);
      assert.match(errors.spent!, /not a known field/);
    });

    it('refuses a summary over 255 characters and takes one of 255', async () => {
      await refusedImport(historical({ summary: 'x'.repeat(256) }), ['summary']);
      await refusedImport(historical({ summary: '   ' }), ['summary']);
      const issue = expectStatus<IssueBody>(await importIt(historical({ summary: 'y'.repeat(255) })), 200);
      assert.equal(issue.summary.length, 255);
    });

    it('refuses missing required fields and bad values with 422', async () => {
      for (const field of ['queue', 'summary', 'createdAt', 'createdBy']) {
        const body = historical();
        delete body[field];
        await refusedImport(body, [field]);
      }
      await refusedImport(historical({ queue: 'NOPE' }), ['queue']);
      await refusedImport(historical({ createdBy: 'ghost' }), ['createdBy']);
      await refusedImport(historical({ createdAt: 'March 1st' }), ['createdAt']);
      await refusedImport(historical({ createdBy: 1.5 }), ['createdBy']);
      await refusedImport(historical({ status: 'flying' }), ['status']);
    });

    it('answers a non-admin with 403', async () => {
      const before = await countIssues();
      assertTrackerError(await importIt(historical(), bobToken), 403);
      assert.equal(await countIssues(), before);
    });

    it('answers an empty JSON body with 422, not 400', async () => {
      const response = await t.request({
        method: 'POST',
        url: '/v3/issues/_import',
        payload: '',
        headers: { 'content-type': 'application/json' },
      });
      const body = assertTrackerError(response, 422);
      assert.ok(
        body.errorMessages.some((message) => /must be an object/.test(message)),
        response.body,
      );
    });
  });

  describe('GET /v3/issues/<key or id>', () => {
    let issue: IssueBody;

    before(async () => {
      issue = expectStatus<IssueBody>(await create({ queue: 'OTHER', summary: 'Read me' }), 201);
    });

    it('reads an issue by key, lowercase key and id', async () => {
      assert.deepEqual(await getIssue(t, issue.key), issue);
      assert.deepEqual(await getIssue(t, issue.key.toLowerCase()), issue);
      assert.deepEqual(await getIssue(t, issue.id), issue);
      assert.equal(
        expectStatus<IssueBody>(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}`, token: bobToken }), 200).id,
        issue.id,
      );
    });

    it('uses /v2/ links over /v2', async () => {
      const body = expectStatus<IssueBody>(await t.request({ method: 'GET', url: `/v2/issues/${issue.key}` }), 200);
      assert.equal(body.self, `http://tracker.test/v2/issues/${issue.key}`);
      assert.deepEqual(Object.keys(body.createdBy).sort(), ['display', 'id', 'self']);
    });

    it('answers an unknown issue with 404 "Issue does not exist."', async () => {
      for (const ref of ['OTHER-999', 'NOPE-1', 'abcdefabcdefabcdefabcdef', 'x', 'TEST-']) {
        const body = assertTrackerError(await t.request({ method: 'GET', url: `/v3/issues/${ref}` }), 404);
        assert.deepEqual(body.errorMessages, ['Issue does not exist.']);
      }
    });
  });
});
