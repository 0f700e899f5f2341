/**
 * The official client sends `Content-Type: application/json` on every request, with an empty body
 * on DELETE, GET and body-less POSTs (docs/tracker-api.md §Official client, 2 and 6.2). That is
 * never Fastify's 400 FST_ERR_CTP_EMPTY_JSON_BODY: an empty body is no body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import { buildAppWithIssue, type IssueBody, expectStatus, snapshot } from './fixtures.js';

const JSON_EMPTY = { 'content-type': 'application/json', 'content-length': '0' };

describe('empty JSON bodies', () => {
  let t: TestApp;
  let issue: IssueBody;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
  });
  after(() => t.close());

  const send = (method: 'GET' | 'POST' | 'DELETE', path: string) => t.request({ method, url: path, payload: '', headers: JSON_EMPTY });

  function assertNotFastify400(response: Awaited<ReturnType<typeof send>>): void {
    assert.notEqual(response.statusCode, 400, response.body);
    assert.doesNotMatch(response.body, /FST_ERR/);
  }

  it('answers POST /v3/issues/_import with an empty body with 422 "must be an object"', async () => {
    const response = await send('POST', '/v3/issues/_import');
    assertNotFastify400(response);
    const body = assertTrackerError(response, 422);
    assert.deepEqual(body.errorMessages, ['The request body must be an object.']);
  });

  it('answers the worklog import with an empty body with 422 and stores nothing', async () => {
    const before = await snapshot(t, issue.key);
    const response = await send('POST', `/v3/issues/${issue.key}/worklogs/_import`);
    assertNotFastify400(response);
    assertTrackerError(response, 422);
    assert.deepEqual(await snapshot(t, issue.key), before);
  });

  it('answers the other creates with an empty body with 422', async () => {
    for (const path of ['/v3/queues/', '/v3/issues/', '/timeport/v1/users']) {
      const response = await send('POST', path);
      assertNotFastify400(response);
      assertTrackerError(response, 422);
    }
  });

  it('creates a token from a POST with an empty JSON body', async () => {
    const response = await send('POST', '/timeport/v1/users/admin/tokens');
    assert.equal(typeof expectStatus<{ token: string }>(response, 201).token, 'string');
  });

  it('answers a DELETE with an empty JSON body by route, not with 400', async () => {
    for (const path of [`/v3/issues/${issue.key}/worklog/1`, `/v3/issues/${issue.key}`]) {
      const response = await send('DELETE', path);
      assertNotFastify400(response);
      assertTrackerError(response, 404);
    }
  });

  it('serves GETs that carry Content-Type: application/json and no body', async () => {
    assert.equal(expectStatus<{ login: string }>(await send('GET', '/v3/myself'), 200).login, 'admin');
    assert.equal(expectStatus<IssueBody>(await send('GET', `/v3/issues/${issue.key}`), 200).key, issue.key);
    expectStatus(await send('GET', `/v3/issues/${issue.key}/worklog/`), 200);
  });
});
