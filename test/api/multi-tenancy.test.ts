/** Organizations are separate: another organization's admin neither sees nor changes organization 1. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../../src/service/organizations.js';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import {
  buildAppWithIssue,
  ORG_UNAVAILABLE,
  type IssueBody,
  type UserBody,
  type WorklogBody,
  createUserWithToken,
  expectFieldErrors,
  expectStatus,
  getIssue,
  importWorklog,
  snapshot,
  worklogBody,
} from './fixtures.js';

const ORG2_TOKEN = 'org2-admin-token-00000000001';

describe('multi-tenancy', () => {
  let t: TestApp;
  let issue: IssueBody;
  let alice: UserBody;
  let org2Issue: IssueBody;

  /** A request as organization 2's admin, in organization 2. */
  const asOrg2 = (options: Parameters<TestApp['request']>[0]) => t.request({ token: ORG2_TOKEN, org: '2', ...options });

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
    await importWorklog(t, issue.key, { duration: 'PT1H', comment: 'org 1 secret' });
    alice = (await createUserWithToken(t, 'alice')).user;
    // Organization 2 has its own admin, also called admin, and a queue with the same key.
    await createOrganization(t.ctx, { id: '2', adminLogin: 'admin', adminToken: ORG2_TOKEN });
    expectStatus(await asOrg2({ method: 'POST', url: '/v3/queues/', payload: { key: 'TEST', name: 'Org 2 queue', lead: 'admin' } }), 201);
    org2Issue = expectStatus<IssueBody>(
      await asOrg2({
        method: 'POST',
        url: '/v3/issues/_import',
        payload: {
          queue: 'TEST',
          summary: 'Org 2 issue',
          createdAt: '2025-01-10T09:00:00.000+0000',
          createdBy: 'admin',
          updatedAt: '2025-02-20T18:00:00.000+0000',
          updatedBy: 'admin',
        },
      }),
      200,
    );
  });
  after(() => t.close());

  it('gives both organizations their own TEST-1', () => {
    assert.equal(issue.key, 'TEST-1');
    assert.equal(org2Issue.key, 'TEST-1');
    assert.notEqual(org2Issue.id, issue.id);
    assert.equal(org2Issue.summary, 'Org 2 issue');
  });

  it('does not show organization 1’s issue by id to organization 2', async () => {
    assertTrackerError(await asOrg2({ method: 'GET', url: `/v3/issues/${issue.id}` }), 404);
    assertTrackerError(await asOrg2({ method: 'GET', url: `/v3/issues/${issue.id}/worklog` }), 404);
  });

  it('shows organization 2 its own TEST-1, not organization 1’s', async () => {
    const body = expectStatus<IssueBody>(await asOrg2({ method: 'GET', url: '/v3/issues/TEST-1' }), 200);
    assert.equal(body.id, org2Issue.id);
    assert.equal(body.spent, undefined);
    const worklogs = expectStatus<WorklogBody[]>(await asOrg2({ method: 'GET', url: '/v3/issues/TEST-1/worklog' }), 200);
    assert.deepEqual(worklogs, []);
  });

  it('refuses organization 2’s admin an import into organization 1’s issue', async () => {
    const before = await snapshot(t, issue.key);
    // By id: organization 2 has no such issue.
    const byId = await asOrg2({ method: 'POST', url: `/v3/issues/${issue.id}/worklogs/_import`, payload: worklogBody() });
    assert.deepEqual(assertTrackerError(byId, 404).errorMessages, ['Issue does not exist.']);
    // Naming organization 1: not theirs.
    const asOrg1 = await t.request({
      method: 'POST',
      url: `/v3/issues/${issue.key}/worklogs/_import`,
      payload: worklogBody(),
      token: ORG2_TOKEN,
      org: '1',
    });
    assert.deepEqual(assertTrackerError(asOrg1, 403).errorMessages, [ORG_UNAVAILABLE]);
    assert.deepEqual(await snapshot(t, issue.key), before);
  });

  it('keeps an import by organization 2 in organization 2', async () => {
    const before = await snapshot(t, issue.key, '1');
    const body = expectStatus<WorklogBody>(
      await asOrg2({ method: 'POST', url: '/v3/issues/TEST-1/worklogs/_import', payload: worklogBody({ duration: 'PT7H' }) }),
      200,
    );
    assert.equal(body.issue.id, org2Issue.id);
    assert.deepEqual(await snapshot(t, issue.key, '1'), before);
    assert.equal((await getIssue(t, issue.key)).spent, 'PT1H');
    assert.equal(expectStatus<IssueBody>(await asOrg2({ method: 'GET', url: '/v3/issues/TEST-1' }), 200).spent, 'PT7H');
  });

  it('does not let organization 2 name organization 1’s users as authors', async () => {
    const response = await asOrg2({
      method: 'POST',
      url: '/v3/issues/TEST-1/worklogs/_import',
      payload: worklogBody({ createdBy: alice.uid }),
    });
    expectFieldErrors(response, 422, ['createdBy']);
    const byLogin = await asOrg2({
      method: 'POST',
      url: '/v3/issues/TEST-1/worklogs/_import',
      payload: worklogBody({ createdBy: 'alice' }),
    });
    expectFieldErrors(byLogin, 422, ['createdBy']);
  });

  it('does not list organization 1’s users to organization 2', async () => {
    const response = await asOrg2({ method: 'GET', url: '/v3/users' });
    const users = expectStatus<UserBody[]>(response, 200);
    assert.deepEqual(
      users.map((user) => user.login),
      ['admin'],
    );
    assert.equal(response.headers['x-total-count'], '1');
    assert.notEqual(users[0]!.uid, 1);
    assertTrackerError(await asOrg2({ method: 'GET', url: '/v3/users/alice' }), 404);
    assertTrackerError(await asOrg2({ method: 'GET', url: `/v3/users/${alice.uid}` }), 404);
  });

  it('answers /myself with the caller of the organization', async () => {
    const me = expectStatus<UserBody>(await asOrg2({ method: 'GET', url: '/v3/myself' }), 200);
    assert.equal(me.login, 'admin');
    assert.notEqual(me.uid, 1);
  });

  it('does not show organization 1’s queue to organization 2 by id', async () => {
    const queue = expectStatus<{ id: number }>(await t.request({ method: 'GET', url: '/v3/queues/TEST' }), 200);
    const response = await asOrg2({ method: 'GET', url: `/v3/queues/${queue.id}` });
    assertTrackerError(response, 404);
  });

  it('does not let organization 2 manage organization 1’s users', async () => {
    assertTrackerError(await asOrg2({ method: 'POST', url: '/timeport/v1/users/alice/tokens', payload: {} }), 404);
    const asOrg1 = await t.request({ method: 'POST', url: '/timeport/v1/users/alice/tokens', payload: {}, token: ORG2_TOKEN, org: '1' });
    assertTrackerError(asOrg1, 403);
    // A user created by organization 2 with the same login as one in organization 1 is its own.
    const created = expectStatus<UserBody>(await asOrg2({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'alice' } }), 201);
    assert.notEqual(created.uid, alice.uid);
    const orgOneAlice = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/alice' }), 200);
    assert.equal(orgOneAlice.uid, alice.uid);
  });

  it('does not let an organization 1 user’s token into organization 2', async () => {
    const { token } = await createUserWithToken(t, 'carol');
    const response = await t.request({ method: 'GET', url: '/v3/myself', token, org: '2' });
    assert.deepEqual(assertTrackerError(response, 403).errorMessages, [ORG_UNAVAILABLE]);
  });
});
