/**
 * Tokens never reach the logs: a server at the most verbose log level is sent tokens in every
 * place they travel (Authorization headers, a revoke body, a token creation answer, a wrong
 * token), and its whole output is searched for them.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../../support/harness.js';
import { call, expectStatus } from './tracker.js';

const ADMIN_TOKEN = 'logs-test-admin-token-000001';

describe('tokens in the logs', { timeout: 60_000 }, () => {
  const box = new Sandbox();
  after(() => box.dispose());

  it("no token appears in the server's output at LOG_LEVEL=trace", async () => {
    const server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'trace' } });
    const admin = { token: ADMIN_TOKEN, org: '1' };
    expectStatus(await call(server, admin, '/timeport/v1/users', { method: 'POST', body: { login: 'logged' } }), 201);
    const { token } = expectStatus<{ token: string }>(
      await call(server, admin, '/timeport/v1/users/logged/tokens', { method: 'POST', body: {} }),
      201,
    );
    expectStatus(await call(server, { token, org: '1' }, '/v3/myself'), 200);
    const wrong = 'wrong-token-that-must-not-be-logged-0001';
    assert.equal((await call(server, { token: wrong, org: '1' }, '/v3/myself')).status, 401);
    const revoked = await call(server, admin, '/timeport/v1/tokens/_revoke', { method: 'POST', body: { token } });
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal((await server.stop()).code, 0);

    const output = server.stdout + server.stderr;
    assert.match(output, /"reqId"/, 'requests were logged at all');
    for (const secret of [ADMIN_TOKEN, token, wrong]) {
      assert.ok(!output.includes(secret), `the output contains a token:\n${output}`);
    }
  });
});
