/** `timeport token revoke` beside a running server: a revoked token is refused at once. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';

const ENV = { TIMEPORT_ADMIN_TOKEN: 'revoke-test-bootstrap-token' };

const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

describe('timeport token revoke', { timeout: 60_000 }, () => {
  const box = new Sandbox();
  let server: ServerProcess;
  const cli = (args: string[]) => box.cli(args, { env: ENV });
  const myselfStatus = async (token: string) => (await server.request('/v3/myself', { token, org: '1' })).status;

  before(async () => {
    server = await box.serve({ env: ENV });
    const created = await cli(['user', 'create', 'erin', '--org', '1']);
    assert.equal(created.code, 0, show(created));
  });
  after(() => box.dispose());

  const newToken = async (): Promise<string> => {
    const result = await cli(['token', 'create', 'erin', '--org', '1']);
    assert.equal(result.code, 0, show(result));
    return result.stdout.trim();
  };

  it('revokes the token given as an argument; a second revoke of it fails cleanly', async () => {
    const [token, kept] = [await newToken(), await newToken()];
    assert.equal(await myselfStatus(token), 200);
    const revoked = await cli(['token', 'revoke', token]);
    assert.equal(revoked.code, 0, show(revoked));
    assert.ok(!revoked.stdout.includes(token) && !revoked.stderr.includes(token), 'the token is not echoed');
    assert.equal(await myselfStatus(token), 401);
    assert.equal(await myselfStatus(kept), 200, 'other tokens of the user still work');

    const again = await cli(['token', 'revoke', token]);
    assert.equal(again.code, 1, show(again));
    assert.match(again.stderr, /^timeport: No such active token\./, show(again));
    assert.ok(!hasStackTrace(again.stderr), show(again));
  });

  it('--user with --org revokes every token of the user', async () => {
    const tokens = [await newToken(), await newToken()];
    const result = await cli(['token', 'revoke', '--user', 'erin', '--org', '1']);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^Revoked \d+ tokens of "erin" in organization 1\.\n$/);
    for (const token of tokens) assert.equal(await myselfStatus(token), 401);
    assert.equal(await myselfStatus(ENV.TIMEPORT_ADMIN_TOKEN), 200, 'the admin is untouched');
  });

  it('refuses unclear calls with one line and exit 1', async () => {
    for (const [args, message] of [
      [['token', 'revoke'], /give the token to revoke/],
      [['token', 'revoke', '--user', 'erin'], /--user needs --org/],
      [['token', 'revoke', 'abc', '--user', 'erin', '--org', '1'], /either a token or --user/],
      [['token', 'revoke', '--user', 'nobody', '--org', '1'], /User nobody does not exist/],
    ] as const) {
      const result = await cli([...args]);
      assert.equal(result.code, 1, show(result));
      assert.match(result.stderr, message, show(result));
      assert.equal(result.stderr.trim().split('\n').length, 1, show(result));
    }
  });
});
