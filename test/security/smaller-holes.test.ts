/**
 * Issue 14, point 7: the smaller holes an attacker found. The audit log names the server's own
 * request id beside the one the caller chose; logins (and keys) fold only ASCII letters, so the
 * Kelvin sign does not find `kate`; organization ids and cloud ids never collide; the CSV formula
 * guard sees through leading whitespace and the fullwidth forms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csvField } from '../../src/domain/report.js';
import { createOrganization } from '../../src/service/organizations.js';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import { buildAppWithIssue, createUserWithToken, expectStatus, importWorklog } from '../api/fixtures.js';

describe('smaller holes (issue 14, point 7)', () => {
  let t: TestApp;
  let key: string;

  before(async () => {
    ({
      t,
      issue: { key },
    } = await buildAppWithIssue({ summary: '\u00a0=HYPERLINK("http://evil.example")' }));
  });
  after(() => t.close());

  it("the audit log records the server's own request id beside the one the caller chose", async () => {
    const response = await t.request({
      method: 'POST',
      url: '/timeport/v1/users',
      payload: { login: 'audited' },
      headers: { 'x-request-id': 'admin-change-42' },
    });
    expectStatus(response, 201);
    const [event] = expectStatus<{ action: string; requestId?: string; serverRequestId?: string }[]>(
      await t.request({ method: 'GET', url: '/timeport/v1/audit?perPage=1' }),
      200,
    );
    assert.equal(event?.action, 'user.create');
    assert.equal(event?.requestId, 'admin-change-42');
    assert.match(String(event?.serverRequestId), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Without a sane X-Request-Id of the caller's, both are the server's id.
    expectStatus(
      await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'audited2' }, headers: { 'x-request-id': 'bad id' } }),
      201,
    );
    const [second] = expectStatus<{ requestId?: string; serverRequestId?: string }[]>(
      await t.request({ method: 'GET', url: '/timeport/v1/audit?perPage=1' }),
      200,
    );
    assert.equal(second?.requestId, second?.serverRequestId);
    assert.notEqual(second?.serverRequestId, event?.serverRequestId);
  });

  it('a login with the Kelvin sign (U+212A) does not find "kate"; ASCII case still folds', async () => {
    await createUserWithToken(t, 'kate');
    assertTrackerError(await t.request({ method: 'GET', url: `/v3/users/${encodeURIComponent('\u212aate')}` }), 404);
    assertTrackerError(await t.request({ method: 'GET', url: `/v3/users/${encodeURIComponent('\u212aATE')}` }), 404);
    expectStatus(await t.request({ method: 'GET', url: '/v3/users/KATE' }), 200);
    // Nor as a worklog's author.
    const refused = await t.request({
      method: 'POST',
      url: `/v3/issues/${key}/worklogs/_import`,
      payload: {
        start: '2025-02-18T16:35:41.740+0000',
        duration: 'PT1H',
        createdBy: '\u212aate',
        createdAt: '2025-02-18T16:35:41.740+0000',
      },
    });
    assert.equal(refused.statusCode >= 400 && refused.statusCode < 500, true, refused.body);
    // Keys fold the same way: the long s (U+017F) upper-cases to S, yet `te\u017ft` is not queue TEST.
    assertTrackerError(await t.request({ method: 'GET', url: `/v3/queues/${encodeURIComponent('te\u017ft')}` }), 404);
    assertTrackerError(await t.request({ method: 'GET', url: `/v3/issues/${encodeURIComponent(`te\u017ft-${key.split('-')[1]}`)}` }), 404);
    expectStatus(await t.request({ method: 'GET', url: '/v3/queues/test' }), 200);
  });

  it('organization ids and cloud ids never collide, whichever comes first', async () => {
    await createOrganization(t.ctx, { id: 'org-a', cloudOrgId: 'cloud99', adminLogin: 'admin' });
    await assert.rejects(createOrganization(t.ctx, { id: 'cloud99', adminLogin: 'admin' }), /cloud99/);
    await createOrganization(t.ctx, { id: 'org-b', adminLogin: 'admin' });
    await assert.rejects(createOrganization(t.ctx, { id: 'org-c', cloudOrgId: 'org-b', adminLogin: 'admin' }), /org-b/);
    await assert.rejects(createOrganization(t.ctx, { id: 'org-d', cloudOrgId: 'cloud99', adminLogin: 'admin' }), /cloud99/);
    // One organization may use the same value for both.
    await createOrganization(t.ctx, { id: 'org-e', cloudOrgId: 'org-e', adminLogin: 'admin' });
    const ids = (await t.store.db.selectFrom('organizations').select('id').orderBy('id').execute()).map((row) => row.id);
    assert.deepEqual(ids, ['1', 'org-a', 'org-b', 'org-e']);
  });

  it('the CSV formula guard catches leading whitespace, a no-break space and the fullwidth forms', async () => {
    for (const text of [
      '=1+1',
      ' =1+1',
      '\u00a0=1+1',
      '\t=1',
      '\r=1',
      ' \u3000+1',
      '\uff1d1+1',
      '\uff0b1',
      '\uff0d1',
      '\uff20SUM(A1)',
      '  @SUM(A1)',
      '-1',
      '\u2003-1',
    ]) {
      assert.ok(csvField(text).replace(/^"/, '').startsWith("'"), `${JSON.stringify(text)} gave ${csvField(text)}`);
    }
    for (const text of ['kate', 'a=b', 'x-1', '1+1', ' hello', ''])
      assert.equal(csvField(text).startsWith("'"), false, JSON.stringify(text));
    await importWorklog(t, key);
    const csv = await t.request({
      method: 'GET',
      url: '/timeport/v1/reports/time-spent?from=2025-01-01&to=2025-12-31&groupBy=issue&format=csv',
    });
    assert.equal(csv.statusCode, 200, csv.body);
    const line = csv.body.split('\r\n')[1]!;
    assert.ok(line.startsWith(`${key},'\u00a0=HYPERLINK`) || line.startsWith(`${key},"'\u00a0=HYPERLINK`), line);
  });
});
