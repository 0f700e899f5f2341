/**
 * Status codes as docs/tracker-api.md §Errors settles them, each with Tracker's error body: the
 * framework's own refusals, unknown routes and issues, authentication and organization headers,
 * query parameters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { createOrganization } from '../../src/service/organizations.js';
import { ADMIN_TOKEN, PUBLIC_URL, type TestApp, assertTrackerError } from '../../support/app.js';
import {
  buildAppWithIssue,
  ORG_UNAVAILABLE,
  type IssueBody,
  type UserBody,
  type WorklogBody,
  createUserWithToken,
  expectMessage,
  expectStatus,
  importWorklog,
  postWorklog,
  snapshot,
  worklogBody,
} from './fixtures.js';

const CLOUD_ADMIN_TOKEN = 'cloud-admin-token-000000001';
const OTHER_ADMIN_TOKEN = 'other-admin-token-000000001';

describe('status codes', () => {
  let t: TestApp;
  let issue: IssueBody;
  let userToken: string;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
    await importWorklog(t, issue.key, { duration: 'PT1H' });
    userToken = (await createUserWithToken(t, 'worker')).token;
    await createOrganization(t.ctx, { id: 'cloudy', cloudOrgId: 'bpf-cloud-123', adminLogin: 'cloudadmin', adminToken: CLOUD_ADMIN_TOKEN });
    await createOrganization(t.ctx, { id: 'other', adminLogin: 'admin', adminToken: OTHER_ADMIN_TOKEN });
  });
  after(() => t.close());

  describe('request bodies', () => {
    it('answers malformed JSON with 400 and stores nothing', async () => {
      for (const payload of ['{', '{"duration": "PT1H",}', "{'duration': 'PT1H'}", '{"duration": PT1H}', 'nul']) {
        const before = await snapshot(t, issue.key);
        const response = await t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklogs/_import`,
          payload,
          headers: { 'content-type': 'application/json' },
        });
        expectMessage(response, 400, /JSON/);
        assert.deepEqual(await snapshot(t, issue.key), before);
      }
    });

    it('refuses prototype poisoning with 400', async () => {
      const response = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: '{"__proto__": {"x": 1}, "duration": "PT1H"}',
        headers: { 'content-type': 'application/json' },
      });
      assertTrackerError(response, 400);
    });

    it('answers a text/plain body with 415', async () => {
      const before = await snapshot(t, issue.key);
      const response = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: JSON.stringify(worklogBody()),
        headers: { 'content-type': 'text/plain' },
      });
      expectMessage(response, 415, /application\/json/);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('answers other media types with 415', async () => {
      for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const response = await t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklogs/_import`,
          payload: 'duration=PT1H',
          headers: { 'content-type': type },
        });
        assertTrackerError(response, 415);
      }
    });

    it('accepts application/json with a charset', async () => {
      const response = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: JSON.stringify(worklogBody()),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expectStatus(response, 200);
    });
  });

  describe('a body over the limit', () => {
    let small: FastifyInstance;

    before(async () => {
      small = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, bodyLimit: 512 });
    });
    after(() => small.close());

    const send = (payload: string) =>
      small.inject({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload,
        headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1', 'content-type': 'application/json' },
      });

    it('answers 413 and stores nothing', async () => {
      const before = await snapshot(t, issue.key);
      const payload = JSON.stringify(worklogBody({ comment: 'x'.repeat(600) }));
      assert.ok(payload.length > 512);
      const response = await send(payload);
      expectMessage(response, 413, /too large/);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('still takes a body under the limit', async () => {
      const payload = JSON.stringify(worklogBody({ comment: 'small' }));
      assert.ok(payload.length < 512);
      const body = expectStatus<WorklogBody>(await send(payload), 200);
      assert.equal(body.comment, 'small');
    });
  });

  describe('unknown routes and objects', () => {
    it('answers an unknown route with 404 in Tracker’s format', async () => {
      for (const [method, path] of [
        ['GET', '/v3/nothing'],
        ['GET', '/nothing'],
        ['GET', '/v4/issues/TEST-1'],
        ['POST', `/v3/issues/${issue.key}/worklogs/_unknown`],
        ['PUT', `/v3/issues/${issue.key}/worklogs/_import`],
        ['DELETE', '/v3/issues/TEST-1'],
        // Text no database could store is still only a path that is not there (404, not 400).
        ['GET', '/v2/zz%00'],
        ['POST', '/timeport/v1/%00'],
      ] as const) {
        const response = await t.request({ method, url: path });
        expectMessage(response, 404, /There is no/);
      }
    });

    it('answers an unknown issue with 404 "Issue does not exist."', async () => {
      for (const ref of ['TEST-999', 'NOPE-1', 'ffffffffffffffffffffffff', 'not-a-key']) {
        const importResponse = await postWorklog(t, ref, worklogBody());
        const body = assertTrackerError(importResponse, 404);
        assert.deepEqual(body.errorMessages, ['Issue does not exist.']);
        assert.deepEqual(body.errors, {});
        expectMessage(await t.request({ method: 'GET', url: `/v3/issues/${ref}` }), 404, 'Issue does not exist.');
        expectMessage(await t.request({ method: 'GET', url: `/v3/issues/${ref}/worklog` }), 404, 'Issue does not exist.');
      }
    });
  });

  describe('who may import', () => {
    it('answers a non-admin with 403 and stores nothing', async () => {
      const before = await snapshot(t, issue.key);
      const response = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: worklogBody(),
        token: userToken,
      });
      expectMessage(response, 403, /administrator/);
      // Even with an invalid body the answer is 403: the body is not looked at.
      const invalid = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: { nonsense: 1 },
        token: userToken,
      });
      assertTrackerError(invalid, 403);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });

    it('lets the non-admin read the worklogs', async () => {
      const response = await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog`, token: userToken });
      assert.ok(expectStatus<WorklogBody[]>(response, 200).length > 0);
    });

    it('lets a user made admin import', async () => {
      const { token } = await createUserWithToken(t, 'second-admin', { isAdmin: true });
      const response = await t.request({ method: 'POST', url: `/v3/issues/${issue.key}/worklogs/_import`, payload: worklogBody(), token });
      expectStatus(response, 200);
    });
  });

  describe('authentication', () => {
    const cases: [string, Record<string, string>][] = [
      ['no Authorization header', {}],
      ['an unknown token', { authorization: 'OAuth wrong-token-000000000000' }],
      ['an unknown Bearer token', { authorization: 'Bearer wrong-token-000000000000' }],
      ['OAuth not provided', { authorization: 'OAuth not provided' }],
      ['OAuth without a token', { authorization: 'OAuth' }],
      ['OAuth with an empty token', { authorization: 'OAuth ' }],
      ['a Basic scheme', { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` }],
      ['the token without a scheme', { authorization: ADMIN_TOKEN }],
      ['the token with a near-miss', { authorization: `OAuth ${ADMIN_TOKEN}x` }],
    ];
    for (const [label, headers] of cases) {
      it(`answers ${label} with 401`, async () => {
        const before = await snapshot(t, issue.key);
        for (const request of [
          { method: 'GET' as const, url: '/v3/myself' },
          { method: 'POST' as const, url: `/v3/issues/${issue.key}/worklogs/_import`, payload: worklogBody() },
          { method: 'POST' as const, url: '/timeport/v1/users', payload: { login: 'intruder' } },
        ]) {
          const response = await t.request({ ...request, token: null, headers });
          assertTrackerError(response, 401);
        }
        assert.deepEqual(await snapshot(t, issue.key), before);
      });
    }

    it('checks the token before the organization', async () => {
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/myself', token: 'wrong-token-000000000000', org: null }), 401);
    });

    it('accepts Bearer like OAuth, and either scheme in any case', async () => {
      for (const scheme of ['Bearer', 'OAuth', 'oauth', 'bearer']) {
        const response = await t.request({
          method: 'GET',
          url: '/v3/myself',
          token: null,
          headers: { authorization: `${scheme} ${ADMIN_TOKEN}` },
        });
        assert.equal(expectStatus<UserBody>(response, 200).login, 'admin');
      }
      const response = await t.request({
        method: 'POST',
        url: `/v3/issues/${issue.key}/worklogs/_import`,
        payload: worklogBody(),
        token: null,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expectStatus(response, 200);
    });
  });

  describe('organization headers', () => {
    const refusedOrgs: [string, Record<string, string>][] = [
      ['no organization header', {}],
      ['an empty X-Org-ID', { 'x-org-id': '' }],
      ['an unknown X-Org-ID', { 'x-org-id': '999' }],
      ['another organization’s X-Org-ID', { 'x-org-id': 'other' }],
      ['X-Org-ID: not provided without a cloud header', { 'x-org-id': 'not provided' }],
      ['an unknown X-Cloud-Org-ID', { 'x-cloud-org-id': 'bpf-unknown' }],
      ['another organization’s X-Cloud-Org-ID', { 'x-org-id': 'not provided', 'x-cloud-org-id': 'bpf-cloud-123' }],
      ['another organization’s X-Org-ID beside a cloud id', { 'x-org-id': 'other', 'x-cloud-org-id': 'bpf-cloud-123' }],
    ];
    for (const [label, headers] of refusedOrgs) {
      it(`answers ${label} with 403 "${ORG_UNAVAILABLE}"`, async () => {
        const before = await snapshot(t, issue.key);
        for (const request of [
          { method: 'GET' as const, url: '/v3/myself' },
          { method: 'POST' as const, url: `/v3/issues/${issue.key}/worklogs/_import`, payload: worklogBody() },
        ]) {
          const response = await t.request({ ...request, org: null, headers });
          const body = assertTrackerError(response, 403);
          assert.deepEqual(body.errorMessages, [ORG_UNAVAILABLE]);
        }
        assert.deepEqual(await snapshot(t, issue.key), before);
      });
    }

    it('accepts X-Org-Id: not provided with X-Cloud-Org-Id, as the official client sends them', async () => {
      const response = await t.request({
        method: 'GET',
        url: '/v3/myself',
        token: CLOUD_ADMIN_TOKEN,
        org: null,
        headers: { 'X-Org-Id': 'not provided', 'X-Cloud-Org-Id': 'bpf-cloud-123' },
      });
      assert.equal(expectStatus<UserBody>(response, 200).login, 'cloudadmin');
    });

    it('accepts X-Cloud-Org-ID alone, and the organization’s own id in X-Org-ID', async () => {
      for (const headers of [{ 'x-cloud-org-id': 'bpf-cloud-123' }, { 'x-org-id': 'cloudy' }, { 'X-ORG-ID': 'cloudy' }]) {
        const response = await t.request({ method: 'GET', url: '/v3/myself', token: CLOUD_ADMIN_TOKEN, org: null, headers });
        assert.equal(expectStatus<UserBody>(response, 200).login, 'cloudadmin');
      }
    });

    it('lets X-Org-ID win when both real headers are sent', async () => {
      // The right X-Org-ID with a wrong cloud id: accepted.
      const right = await t.request({
        method: 'GET',
        url: '/v3/myself',
        token: CLOUD_ADMIN_TOKEN,
        org: null,
        headers: { 'x-org-id': 'cloudy', 'x-cloud-org-id': 'bpf-unknown' },
      });
      assert.equal(expectStatus<UserBody>(right, 200).login, 'cloudadmin');
      // A wrong X-Org-ID with the right cloud id: refused.
      const wrong = await t.request({
        method: 'GET',
        url: '/v3/myself',
        token: CLOUD_ADMIN_TOKEN,
        org: null,
        headers: { 'x-org-id': '1', 'x-cloud-org-id': 'bpf-cloud-123' },
      });
      assert.deepEqual(assertTrackerError(wrong, 403).errorMessages, [ORG_UNAVAILABLE]);
      // Organization 1's admin with X-Org-ID 1 and the cloud organization's id: X-Org-ID decides.
      const ours = await t.request({
        method: 'GET',
        url: '/v3/myself',
        org: null,
        headers: { 'x-org-id': '1', 'x-cloud-org-id': 'bpf-cloud-123' },
      });
      assert.equal(expectStatus<UserBody>(ours, 200).login, 'admin');
    });

    it('guards the management extension the same way', async () => {
      const response = await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'sneaky' }, org: 'other' });
      assert.deepEqual(assertTrackerError(response, 403).errorMessages, [ORG_UNAVAILABLE]);
      const check = await t.request({ method: 'GET', url: '/v3/users/sneaky' });
      assertTrackerError(check, 404);
    });
  });

  describe('query parameters', () => {
    for (const query of ['perPage=abc', 'perPage=0', 'perPage=5000', 'perPage=-1', 'perPage=1.5', 'id=abc', 'id=-1']) {
      it(`answers the worklog list with ${query} with 400`, async () => {
        const response = await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog?${query}` });
        assertTrackerError(response, 400);
      });
    }

    for (const query of ['perPage=abc', 'perPage=0', 'perPage=5000', 'page=0', 'page=x', 'page=99999999999999999999']) {
      it(`answers the user list with ${query} with 400`, async () => {
        assertTrackerError(await t.request({ method: 'GET', url: `/v3/users?${query}` }), 400);
      });
    }

    it('names the parameter in the error', async () => {
      const body = assertTrackerError(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog?perPage=abc` }), 400);
      assert.ok('perPage' in body.errors || body.errorMessages.some((message) => message.includes('perPage')), JSON.stringify(body));
    });
  });

  describe('errors the router raises', () => {
    it('answers a path with a bad percent-encoding with 400 in Tracker’s format', async () => {
      const response = await t.request({ method: 'GET', url: '/v3/issues/%E0%A4%A' });
      expectMessage(response, 400, /not a valid url component/);
    });

    it('answers an over-long path parameter in Tracker’s format', async () => {
      const response = await t.request({ method: 'GET', url: `/v3/users/${'a'.repeat(200)}` });
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, response.body);
      assertTrackerError(response, response.statusCode);
      const body = response.json<Record<string, unknown>>();
      assert.equal(body.code, undefined);
    });
  });

  it('answers every error with JSON, never with Fastify’s own body', async () => {
    const responses = await Promise.all([
      t.request({ method: 'GET', url: '/v3/nothing' }),
      t.request({ method: 'GET', url: '/v3/myself', token: null }),
      t.request({ method: 'POST', url: '/v3/issues/_import', payload: '{', headers: { 'content-type': 'application/json' } }),
    ]);
    for (const response of responses) {
      assert.match(String(response.headers['content-type']), /^application\/json/);
      const body = response.json<Record<string, unknown>>();
      assert.equal(body.code, undefined);
      assert.equal(body.error, undefined);
      assert.equal(body.message, undefined);
    }
  });
});
