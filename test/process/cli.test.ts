/**
 * The `timeport` command line on the database a running server uses (same environment): it
 * creates organizations, users and tokens that the server then accepts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CliResult, GENERATED_TOKEN, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, createQueue, expectStatus, importIssue, myself, postWorklog, worklogBody } from './tracker.js';

const ENV = { TIMEPORT_ADMIN_TOKEN: 'cli-test-bootstrap-token-1' };

const show = (result: CliResult): string =>
  `exit ${result.code}${result.signal === null ? '' : ` (${result.signal})`}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

function expectSuccess(result: CliResult): CliResult {
  assert.equal(result.code, 0, show(result));
  return result;
}

/** A failed command: exit 1, a `timeport:` message matching `message`, no stack trace, nothing on stdout. */
function expectFailure(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 1, show(result));
  assert.match(result.stderr, /^timeport: /, show(result));
  assert.match(result.stderr, message, show(result));
  assert.ok(!hasStackTrace(result.stderr), `no stack trace:\n${show(result)}`);
  assert.equal(result.stdout, '', show(result));
}

/** The token a command printed: its whole stdout, one line. */
function printedToken(result: CliResult): string {
  expectSuccess(result);
  assert.match(result.stdout, /^\S+\n$/, `stdout is one token line:\n${show(result)}`);
  const token = result.stdout.trim();
  assert.match(token, GENERATED_TOKEN);
  return token;
}

describe('the timeport command line beside a running server', { timeout: 60_000 }, () => {
  const box = new Sandbox();
  let server: ServerProcess;
  const cli = (args: string[], npx = false) => box.cli(args, { env: ENV, npx });

  before(async () => {
    server = await box.serve({ env: ENV });
  });
  after(() => box.dispose());

  let alice: As;

  it("org create prints a token for the new organization's admin; --token and --cloud-org-id are honoured", async () => {
    // Three writers at once, beside the server: WAL and the busy timeout let them all through.
    const chosen = 'carol-chosen-token-0008';
    const [seven, eight, nine] = await Promise.all([
      cli(['org', 'create', '7', '--admin', 'alice'], true),
      cli(['org', 'create', '8', '--admin', 'carol', '--token', chosen]),
      cli(['org', 'create', '9', '--admin', 'dave', '--cloud-org-id', 'cloud-nine']),
    ]);

    alice = { token: printedToken(seven!), org: '7' };
    assert.match(seven!.stderr, /Created organization 7 with administrator "alice"/);
    const aliceSelf = await myself(server, alice);
    assert.equal(aliceSelf.login, 'alice');
    expectStatus(await server.request('/v3/myself', { token: alice.token, org: '1' }), 403, 'alice in organization 1');

    expectSuccess(eight!);
    assert.ok(!eight!.stdout.includes(chosen) && !eight!.stderr.includes(chosen), `a chosen token is not printed:\n${show(eight!)}`);
    assert.equal((await myself(server, { token: chosen, org: '8' })).login, 'carol');

    const dave = printedToken(nine!);
    const byCloud = await myself(server, { token: dave, cloudOrg: 'cloud-nine', org: 'not provided' });
    assert.equal(byCloud.login, 'dave');
    expectStatus(await server.request('/v3/myself', { token: dave, cloudOrg: 'cloud-eight', org: 'not provided' }), 403);
    expectStatus(await server.request('/v3/myself', { token: dave, org: '9' }), 200, 'X-Org-ID works too');
  });

  it('org create refuses an organization that exists, by id or by cloud id', async () => {
    const [sameId, sameCloudId] = await Promise.all([
      cli(['org', 'create', '7', '--admin', 'zed']),
      cli(['org', 'create', '10', '--admin', 'zed', '--cloud-org-id', 'cloud-nine']),
    ]);
    expectFailure(sameId!, /Organization 7 already exists/);
    expectFailure(sameCloudId!, /Organization 9 already exists or uses this id/);
  });

  it('user create and token create make users the server authenticates, with their rights', async () => {
    const [bob, boss] = await Promise.all([
      cli(['user', 'create', 'bob', '--org', '7', '--display', 'Bob B', '--email', 'bob@example.com']),
      cli(['user', 'create', 'boss', '--org', '7', '--display', 'The Boss', '--admin']),
    ]);
    expectSuccess(bob!);
    assert.match(bob!.stdout, /Created user "bob" \(uid \d+\) in organization 7\./);
    expectSuccess(boss!);
    assert.match(boss!.stdout, /Created user "boss" \(uid \d+, administrator\) in organization 7\./);

    const [bobToken, bossToken] = await Promise.all([
      cli(['token', 'create', 'bob', '--org', '7']),
      cli(['token', 'create', 'boss', '--org', '7']),
    ]);
    const asBob: As = { token: printedToken(bobToken!), org: '7' };
    const asBoss: As = { token: printedToken(bossToken!), org: '7' };
    const bobSelf = await myself(server, asBob);
    assert.equal(bobSelf.login, 'bob');
    assert.equal(bobSelf.display, 'Bob B');
    assert.equal(bobSelf.email, 'bob@example.com');
    assert.equal((await myself(server, asBoss)).display, 'The Boss');
    expectStatus(await server.request('/v3/myself', { token: asBob.token, org: '1' }), 403, 'bob in organization 1');

    // Org 7 has a queue and an issue; only administrators may import time entries into it.
    await createQueue(server, alice, 'SEVEN', 'alice');
    const issue = await importIssue(server, alice, 'SEVEN', 'alice');
    const body = worklogBody({ createdBy: 'bob' });
    expectStatus(await postWorklog(server, asBob, issue.key, body), 403, 'a non-admin imports');
    const imported = expectStatus<{ createdBy: { display: string } }>(
      await postWorklog(server, asBoss, issue.key, body),
      200,
      'an admin imports',
    );
    assert.equal(imported.createdBy.display, 'Bob B');

    // A second token for the same user works beside the first.
    const another = printedToken(await cli(['token', 'create', 'bob', '--org', '7']));
    assert.notEqual(another, asBob.token);
    assert.equal((await myself(server, { token: another, org: '7' })).login, 'bob');
    assert.equal((await myself(server, asBob)).login, 'bob');
  });

  it('refuses unknown organizations and users, and bad input, with a message', async () => {
    const [userInUnknownOrg, tokenForUnknownUser, tokenInUnknownOrg, duplicateUser, shortToken, guessableToken] = await Promise.all([
      // Organization 10 is unknown: the refused `org create 10` above made nothing.
      cli(['user', 'create', 'eve', '--org', '10']),
      cli(['token', 'create', 'nobody', '--org', '7']),
      cli(['token', 'create', 'bob', '--org', '404']),
      cli(['user', 'create', 'bob', '--org', '7']),
      cli(['org', 'create', '11', '--admin', 'x', '--token', 'too-short']),
      // Long enough, but no more entropy than 16 hexadecimal characters (issue 14).
      cli(['org', 'create', '12', '--admin', 'x', '--token', 'password1234567890']),
    ]);
    expectFailure(userInUnknownOrg!, /Organization 10 does not exist/);
    expectFailure(tokenForUnknownUser!, /User nobody does not exist in organization 7/);
    expectFailure(tokenInUnknownOrg!, /User bob does not exist in organization 404/);
    expectFailure(duplicateUser!, /User bob already exists in this organization/);
    expectFailure(shortToken!, /at least 16 characters/);
    expectFailure(guessableToken!, /token must be harder to guess: it holds about 46 bits of entropy, and more than 64/);
    // A missing required option is commander's usage error, also without a stack trace.
    const missing = await cli(['token', 'create', 'bob']);
    assert.notEqual(missing.code, 0, show(missing));
    assert.match(missing.stderr, /required option '--org <id>' not specified/);
    assert.ok(!hasStackTrace(missing.stderr), show(missing));
  });

  it('the server kept running through all of it', async () => {
    assert.ok(server.child.running, server.child.transcript());
    expectStatus(await server.request('/healthz'), 200);
    assert.equal((await server.stop()).code, 0, server.child.transcript());
  });
});
