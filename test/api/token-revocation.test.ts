/** Revoking tokens: `POST /timeport/v1/tokens/_revoke` and `DELETE /timeport/v1/users/<login>/tokens`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../../src/service/organizations.js';
import { ADMIN_TOKEN, type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { NOW, createUserWithToken, expectStatus } from './fixtures.js';

describe('token revocation', () => {
  let t: TestApp;
  let otherOrgAdmin: string;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    otherOrgAdmin = (await createOrganization(t.ctx, { id: 'other', adminLogin: 'boss' })).token;
  });
  after(() => t.close());

  const myself = (token: string, org = '1') => t.request({ method: 'GET', url: '/v3/myself', token, org });
  const revoke = (token: string, as: string, org = '1') =>
    t.request({ method: 'POST', url: '/timeport/v1/tokens/_revoke', payload: { token }, token: as, org });

  it('a holder revokes their own token: 204, and the token no longer works', async () => {
    const { token } = await createUserWithToken(t, 'self-revoker');
    assert.equal((await myself(token)).statusCode, 200);
    const response = await revoke(token, token);
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assertTrackerError(await myself(token), 401);
  });

  it("an admin revokes a user's token; the user's other tokens keep working", async () => {
    const { token: first } = await createUserWithToken(t, 'two-tokens');
    const { token: second } = expectStatus<{ token: string }>(
      await t.request({ method: 'POST', url: '/timeport/v1/users/two-tokens/tokens' }),
      201,
    );
    assert.equal((await revoke(first, ADMIN_TOKEN)).statusCode, 204);
    assertTrackerError(await myself(first), 401);
    assert.equal((await myself(second)).statusCode, 200);
  });

  it("another user's token, an unknown token or one already revoked: 404, and nothing changes", async () => {
    const { token: victim } = await createUserWithToken(t, 'victim');
    const { token: intruder } = await createUserWithToken(t, 'intruder');
    assertTrackerError(await revoke(victim, intruder), 404);
    assert.equal((await myself(victim)).statusCode, 200, "a plain user cannot revoke another user's token");
    assertTrackerError(await revoke('tpt_no-such-token-at-all-000000000000', ADMIN_TOKEN), 404);
    assert.equal((await revoke(victim, victim)).statusCode, 204);
    assertTrackerError(await revoke(victim, ADMIN_TOKEN), 404);
  });

  it("an admin of another organization cannot revoke this organization's tokens", async () => {
    const { token } = await createUserWithToken(t, 'foreign-target');
    assertTrackerError(await revoke(token, otherOrgAdmin, 'other'), 404);
    assert.equal((await myself(token)).statusCode, 200);
  });

  it('the body is checked strictly', async () => {
    const { token } = await createUserWithToken(t, 'strict-body');
    assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/tokens/_revoke', payload: { token: 12 } }), 422);
    assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/tokens/_revoke', payload: { token, extra: 1 } }), 422);
    assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/tokens/_revoke', payload: {} }), 422);
    assert.equal((await myself(token)).statusCode, 200);
  });

  it('DELETE /timeport/v1/users/<login>/tokens revokes every token of the user and answers how many', async () => {
    const { token: first } = await createUserWithToken(t, 'leaver');
    await t.request({ method: 'POST', url: '/timeport/v1/users/leaver/tokens' });
    const response = await t.request({
      method: 'DELETE',
      url: '/timeport/v1/users/leaver/tokens',
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(expectStatus(response, 200), { revoked: 2 });
    assertTrackerError(await myself(first), 401);
    assert.deepEqual(expectStatus(await t.request({ method: 'DELETE', url: '/timeport/v1/users/leaver/tokens' }), 200), { revoked: 0 });
  });

  it('only an admin may revoke all tokens of a user; an unknown user is 404', async () => {
    const { token: plain } = await createUserWithToken(t, 'plain-user');
    const { token: target } = await createUserWithToken(t, 'kept');
    assertTrackerError(await t.request({ method: 'DELETE', url: '/timeport/v1/users/kept/tokens', token: plain }), 403);
    assert.equal((await myself(target)).statusCode, 200);
    assertTrackerError(await t.request({ method: 'DELETE', url: '/timeport/v1/users/nobody-here/tokens' }), 404);
    assertTrackerError(
      await t.request({ method: 'DELETE', url: '/timeport/v1/users/kept/tokens', token: otherOrgAdmin, org: 'other' }),
      404,
    );
    assert.equal((await myself(target)).statusCode, 200);
  });
});
