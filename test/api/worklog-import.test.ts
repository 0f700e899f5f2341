/** `POST /v3/issues/<key>/worklogs/_import`: the successful import, exactly as the spec shapes it. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, buildTestApp } from '../../support/app.js';
import {
  buildAppWithIssue,
  ISSUE_ID,
  NOW,
  TRACKER_TIMESTAMP,
  type IssueBody,
  type UserBody,
  type UserRef,
  type WorklogBody,
  createQueue,
  createUserWithToken,
  expectStatus,
  getIssue,
  importIssue,
  importWorklog,
  listAllWorklogs,
  postWorklog,
  url,
  worklogBody,
} from './fixtures.js';

const WORKLOG_KEYS = ['comment', 'createdAt', 'createdBy', 'duration', 'id', 'issue', 'self', 'start', 'updatedAt', 'updatedBy', 'version'];

function assertV3UserRef(ref: UserRef, user: UserBody): void {
  assert.deepEqual(Object.keys(ref).sort(), ['cloudUid', 'display', 'id', 'passportUid', 'self']);
  assert.equal(ref.self, url(`users/${user.uid}`));
  assert.equal(ref.id, String(user.uid));
  assert.equal(typeof ref.id, 'string');
  assert.equal(ref.display, user.display);
  assert.equal(typeof ref.cloudUid, 'string');
  assert.equal(ref.cloudUid, user.cloudUid);
  assert.equal(typeof ref.passportUid, 'number');
  assert.equal(ref.passportUid, user.passportUid);
}

describe('worklog import: the success shape', () => {
  let t: TestApp;
  let issue: IssueBody;
  let admin: UserBody;
  let bob: UserBody;
  let digits: UserBody;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue({ summary: 'My issue 1' }));
    admin = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/admin' }), 200);
    bob = (await createUserWithToken(t, 'bob', { display: 'Bob Builder' })).user;
    // A login made only of digits: as a JSON string it is a login, never an id.
    digits = (await createUserWithToken(t, '777', { display: 'Seven' })).user;
  });
  after(() => t.close());

  it('answers 200 with one worklog object in the spec shape', async () => {
    const response = await postWorklog(
      t,
      issue.key,
      worklogBody({
        duration: 'PT1H',
        createdAt: '2025-02-18T16:35:41.740+0000',
        start: '2025-02-18T16:35:41.740+0000',
        comment: 'My comment',
      }),
    );
    const body = expectStatus<WorklogBody>(response, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(Array.isArray(body), false);
    assert.deepEqual(Object.keys(body).sort(), WORKLOG_KEYS);
    assert.equal(typeof body.id, 'number');
    assert.ok(Number.isInteger(body.id) && body.id > 0);
    assert.equal(body.self, `http://tracker.test/v3/issues/${issue.key}/worklog/${body.id}`);
    assert.equal(body.version, 1);
    assert.deepEqual(body.issue, {
      self: `http://tracker.test/v3/issues/${issue.key}`,
      id: issue.id,
      key: issue.key,
      display: 'My issue 1',
    });
    assert.match(body.issue.id, ISSUE_ID);
    assert.equal(body.comment, 'My comment');
    assertV3UserRef(body.createdBy, admin);
    assert.deepEqual(body.updatedBy, body.createdBy);
    assert.equal(body.createdAt, '2025-02-18T16:35:41.740+0000');
    assert.equal(body.updatedAt, body.createdAt);
    assert.equal(body.start, '2025-02-18T16:35:41.740+0000');
    assert.equal(body.duration, 'PT1H');
    for (const stamp of [body.createdAt, body.updatedAt, body.start]) assert.match(stamp, TRACKER_TIMESTAMP);
  });

  it('the stored worklog reads back the same from the list', async () => {
    const created = await importWorklog(t, issue.key, { comment: 'read me back', duration: 'PT2H' });
    const listed = (await listAllWorklogs(t, issue.key)).find((worklog) => worklog.id === created.id);
    assert.deepEqual(listed, created);
  });

  for (const [sent, answered] of [
    ['P5D', 'P1W'],
    ['PT520M', 'P1DT40M'],
    ['P0Y0M30DT2H10M25S', 'P6WT2H10M25S'],
    ['PT1H', 'PT1H'],
    ['P5DT20M', 'P1WT20M'],
    ['PT25S', 'PT25S'],
    ['P1W', 'P1W'],
    ['PT8H', 'P1D'],
  ] as const) {
    it(`answers the duration ${sent} as ${answered}`, async () => {
      const body = await importWorklog(t, issue.key, { duration: sent });
      assert.equal(body.duration, answered);
    });
  }

  for (const [sent, answered] of [
    ['2025-02-18T21:35:41.740+05:00', '2025-02-18T16:35:41.740+0000'],
    ['2025-02-18T21:35:41.740+0500', '2025-02-18T16:35:41.740+0000'],
    ['2025-02-18T16:35:41.740Z', '2025-02-18T16:35:41.740+0000'],
    ['2025-02-18T16:35:41.740', '2025-02-18T16:35:41.740+0000'],
    ['2025-02-18T16:35:41', '2025-02-18T16:35:41.000+0000'],
    ['2025-02-18T13:05:41.740-0330', '2025-02-18T16:35:41.740+0000'],
    ['2025-02-19T01:35:41.740+09:00', '2025-02-18T16:35:41.740+0000'],
  ] as const) {
    it(`converts start ${sent} to UTC`, async () => {
      const body = await importWorklog(t, issue.key, { start: sent });
      assert.equal(body.start, answered);
    });
  }

  it('converts createdAt with an offset to UTC too', async () => {
    const body = await importWorklog(t, issue.key, { createdAt: '2025-02-18T21:35:41.740+05:00' });
    assert.equal(body.createdAt, '2025-02-18T16:35:41.740+0000');
    assert.equal(body.updatedAt, '2025-02-18T16:35:41.740+0000');
  });

  it('leaves comment out when none was sent', async () => {
    const body = await importWorklog(t, issue.key);
    assert.equal('comment' in body, false);
    assert.deepEqual(
      Object.keys(body).sort(),
      WORKLOG_KEYS.filter((key) => key !== 'comment'),
    );
  });

  it('keeps an empty comment and a Unicode comment as sent', async () => {
    assert.equal((await importWorklog(t, issue.key, { comment: '' })).comment, '');
    assert.equal((await importWorklog(t, issue.key, { comment: 'Тест — ✓ "quoted"\nline' })).comment, 'Тест — ✓ "quoted"\nline');
  });

  it('takes createdBy as a login, case-insensitively', async () => {
    const body = await importWorklog(t, issue.key, { createdBy: 'bob' });
    assertV3UserRef(body.createdBy, bob);
    assert.equal(body.createdBy.display, 'Bob Builder');
    assert.deepEqual(body.updatedBy, body.createdBy);
    assertV3UserRef((await importWorklog(t, issue.key, { createdBy: 'BOB' })).createdBy, bob);
  });

  it('takes createdBy as a numeric uid', async () => {
    const body = await importWorklog(t, issue.key, { createdBy: bob.uid });
    assertV3UserRef(body.createdBy, bob);
    assertV3UserRef(body.updatedBy, bob);
  });

  it('takes a string of digits as a login, not as an id', async () => {
    const byLogin = await importWorklog(t, issue.key, { createdBy: '777' });
    assertV3UserRef(byLogin.createdBy, digits);
    assert.notEqual(digits.uid, 777);
    // Bob's uid as a string names no login, so no one.
    const response = await postWorklog(t, issue.key, worklogBody({ createdBy: String(bob.uid) }));
    assert.equal(response.statusCode, 422, response.body);
  });

  it('works on an issue addressed by lowercase key and by id', async () => {
    const byLower = await importWorklog(t, issue.key.toLowerCase());
    assert.equal(byLower.issue.key, issue.key);
    assert.equal(byLower.self, `http://tracker.test/v3/issues/${issue.key}/worklog/${byLower.id}`);
    const byId = await importWorklog(t, issue.id);
    assert.equal(byId.issue.key, issue.key);
    assert.equal(byId.self, `http://tracker.test/v3/issues/${issue.key}/worklog/${byId.id}`);
  });

  it('gives each import a new, larger id', async () => {
    const first = await importWorklog(t, issue.key);
    const second = await importWorklog(t, issue.key);
    assert.ok(second.id > first.id);
  });
});

describe('worklog import: the issue it changes', () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
  });
  after(() => t.close());

  it('has no spent before any import', async () => {
    const issue = await importIssue(t);
    assert.equal(issue.spent, undefined);
  });

  it('keeps spent equal to the sum of the imports, and leaves updatedAt and version alone', async () => {
    const issue = await importIssue(t);
    const before = await getIssue(t, issue.key);
    const durations = ['P5D', 'PT520M', 'P0Y0M30DT2H10M25S', 'PT1H'];
    const expectedSpent = ['P1W', 'P1W1DT40M', 'P7W1DT2H50M25S', 'P7W1DT3H50M25S'];
    for (const [index, duration] of durations.entries()) {
      await importWorklog(t, issue.key, { duration });
      const now = await getIssue(t, issue.key);
      assert.equal(now.spent, expectedSpent[index], `spent after ${index + 1} imports`);
      assert.equal(now.updatedAt, before.updatedAt);
      assert.equal(now.updatedAt, '2025-02-20T18:00:00.000+0000');
      assert.equal(now.updatedBy.id, before.updatedBy.id);
      assert.equal(now.version, before.version);
      assert.equal(now.version, 1);
    }
    const listed = await listAllWorklogs(t, issue.key);
    assert.deepEqual(
      listed.map((worklog) => worklog.duration),
      ['P1W', 'P1DT40M', 'P6WT2H10M25S', 'PT1H'],
    );
  });

  it('counts only the issue’s own worklogs in its spent', async () => {
    const one = await importIssue(t);
    const two = await importIssue(t);
    await importWorklog(t, one.key, { duration: 'PT3H' });
    await importWorklog(t, two.key, { duration: 'PT20M' });
    await importWorklog(t, one.key, { duration: 'PT30M' });
    assert.equal((await getIssue(t, one.key)).spent, 'PT3H30M');
    assert.equal((await getIssue(t, two.key)).spent, 'PT20M');
  });

  it('answers the issue reference with the issue’s summary', async () => {
    const issue = await importIssue(t, { summary: 'Summary shown as display' });
    const body = await importWorklog(t, issue.key);
    assert.equal(body.issue.display, 'Summary shown as display');
  });
});

describe('worklog import over /v2', () => {
  let t: TestApp;
  let issue: IssueBody;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
  });
  after(() => t.close());

  it('writes /v2/ self links and v2 user references without passportUid and cloudUid', async () => {
    const body = expectStatus<WorklogBody>(await postWorklog(t, issue.key, worklogBody({ duration: 'P5D', comment: 'v2' }), 'v2'), 200);
    assert.equal(body.self, `http://tracker.test/v2/issues/${issue.key}/worklog/${body.id}`);
    assert.equal(body.issue.self, `http://tracker.test/v2/issues/${issue.key}`);
    assert.equal(body.issue.id, issue.id);
    for (const ref of [body.createdBy, body.updatedBy]) {
      assert.deepEqual(Object.keys(ref).sort(), ['display', 'id', 'self']);
      assert.equal(ref.self, 'http://tracker.test/v2/users/1');
      assert.equal(ref.id, '1');
    }
    assert.equal(body.duration, 'P1W');
    assert.equal(body.version, 1);
    assert.equal(body.comment, 'v2');
  });

  it('lists over /v2 with /v2/ links as well', async () => {
    const response = await t.request({ method: 'GET', url: `/v2/issues/${issue.key}/worklog` });
    const list = expectStatus<WorklogBody[]>(response, 200);
    assert.equal(list.length, 1);
    assert.match(list[0]!.self, /^http:\/\/tracker\.test\/v2\/issues\//);
    assert.equal('passportUid' in list[0]!.createdBy, false);
  });
});
