/**
 * `Idempotency-Key` (a Timeport extension): a retry with the same key and request answers the
 * stored response and stores nothing new; the same key with another request is 422; concurrent
 * retries never make a duplicate; keys are scoped per organization and token and last 24 hours.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CLAIM_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  claimIdempotencyKey,
  commitIdempotencyKey,
  writeTransaction,
} from '../../src/service/idempotency.js';
import * as forgetStoredTokens from '../../src/store/migrations/0009_forget_stored_tokens.js';
import { ADMIN_TOKEN, type TestApp, assertTrackerError } from '../../support/app.js';
import { buildAppWithIssue, createUserWithToken, getIssue, listAllWorklogs, worklogBody } from './fixtures.js';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let key: string;

  before(async () => {
    ({
      t,
      issue: { key },
    } = await buildAppWithIssue());
  });
  after(() => t.close());

  const importWith = (idempotencyKey: string | undefined, body: Record<string, unknown>, token = ADMIN_TOKEN) =>
    t.request({
      method: 'POST',
      url: `/v3/issues/${key}/worklogs/_import`,
      payload: body,
      token,
      headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    });
  const count = async () => (await listAllWorklogs(t, key)).length;

  it('a retry with the same key and body answers the same response and stores nothing new', async () => {
    const before = await count();
    const body = worklogBody({ comment: 'retry me', duration: 'PT25M' });
    const first = await importWith('key-same-1', body);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const spent = (await getIssue(t, key)).spent;
    // The same JSON with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    for (const retryBody of [body, reordered]) {
      const retry = await importWith('key-same-1', retryBody);
      assert.equal(retry.statusCode, 200);
      assert.equal(retry.body, first.body, 'byte for byte the first response');
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.match(String(retry.headers['content-type']), /application\/json/);
    }
    assert.equal(await count(), before + 1);
    assert.equal((await getIssue(t, key)).spent, spent, 'spent counted once');
  });

  it('the same key with a different body is 422 and stores nothing', async () => {
    const first = await importWith('key-mismatch', worklogBody({ comment: 'original' }));
    assert.equal(first.statusCode, 200);
    const before = await count();
    const response = await importWith('key-mismatch', worklogBody({ comment: 'changed' }));
    const body = assertTrackerError(response, 422);
    assert.ok(body.errors['Idempotency-Key'] !== undefined);
    assert.equal(await count(), before);
  });

  it('the same key on another path is 422', async () => {
    await importWith('key-other-path', worklogBody({ comment: 'path' }));
    const response = await t.request({
      method: 'POST',
      url: '/v3/queues/',
      payload: { key: 'OTHERPATH', name: 'Other', lead: 'admin' },
      headers: { 'idempotency-key': 'key-other-path' },
    });
    assertTrackerError(response, 422);
    assertTrackerError(await t.request({ method: 'GET', url: '/v3/queues/OTHERPATH' }), 404);
  });

  it('keys are per token: another token with the same key makes its own entry', async () => {
    const { token } = await createUserWithToken(t, 'second-admin', { isAdmin: true });
    const before = await count();
    const body = worklogBody({ comment: 'per token' });
    assert.equal((await importWith('key-per-token', body)).statusCode, 200);
    const other = await importWith('key-per-token', body, token);
    assert.equal(other.statusCode, 200);
    assert.equal(other.headers['idempotent-replayed'], undefined);
    assert.equal(await count(), before + 2);
  });

  it('concurrent requests with one key make exactly one entry, and all get its response', async () => {
    const before = await count();
    const body = worklogBody({ comment: 'concurrent', duration: 'PT7M' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => importWith('key-concurrent', body)));
    for (const response of responses) {
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.body, responses[0]!.body);
    }
    assert.equal(await count(), before + 1);
    assert.equal(responses.filter((response) => response.headers['idempotent-replayed'] === undefined).length, 1);
  });

  it('a refused request releases its key: a corrected retry with the same key goes through', async () => {
    const before = await count();
    const refused = await importWith('key-refused', worklogBody({ createdBy: 'nobody-at-all' }));
    assertTrackerError(refused, 422);
    const corrected = await importWith('key-refused', worklogBody({ comment: 'corrected' }));
    assert.equal(corrected.statusCode, 200, corrected.body);
    assert.equal(await count(), before + 1);
  });

  it('after 24 hours a key is forgotten', async () => {
    const body = worklogBody({ comment: 'expires' });
    assert.equal((await importWith('key-expiry', body)).statusCode, 200);
    const before = await count();
    t.clock.now += IDEMPOTENCY_TTL_MS + 1;
    try {
      const later = await importWith('key-expiry', body);
      assert.equal(later.statusCode, 200);
      assert.equal(later.headers['idempotent-replayed'], undefined);
      assert.equal(await count(), before + 1);
    } finally {
      t.clock.now -= IDEMPOTENCY_TTL_MS + 1;
    }
  });

  it('a malformed key is 400; reads and searches ignore the header', async () => {
    assertTrackerError(await importWith('x'.repeat(256), worklogBody()), 400);
    assertTrackerError(await importWith('has space', worklogBody()), 400);
    const get = await t.request({ method: 'GET', url: `/v3/issues/${key}`, headers: { 'idempotency-key': 'read-key' } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['idempotent-replayed'], undefined);
  });

  describe('claims (service level)', () => {
    const scope = { orgId: '1', tokenHash: 'test-token-hash', key: 'service-key' };

    it('a claim whose request died before committing is taken over after the lease, and the old owner can no longer write', async () => {
      const first = await claimIdempotencyKey(t.ctx, { ...scope, key: 'lease-1' }, 'hash-a', 0);
      assert.equal(first.kind, 'claimed');
      assert.equal((await claimIdempotencyKey(t.ctx, { ...scope, key: 'lease-1' }, 'hash-a', 0)).kind, 'in_progress');
      t.clock.now += CLAIM_LEASE_MS + 1;
      try {
        const second = await claimIdempotencyKey(t.ctx, { ...scope, key: 'lease-1' }, 'hash-a', 0);
        assert.equal(second.kind, 'claimed');
        // The first request wakes up and tries to write: its transaction is refused and rolls back.
        const stale = first.kind === 'claimed' ? first.claim : assert.fail();
        const ctx = { ...t.ctx, idempotencyClaim: () => stale };
        await assert.rejects(
          writeTransaction(ctx, (trx) =>
            trx.updateTable('organizations').set({ name: 'written by a stale claim' }).where('id', '=', '1').execute(),
          ),
          /took over/,
        );
        const org = await t.store.db.selectFrom('organizations').select('name').where('id', '=', '1').executeTakeFirstOrThrow();
        assert.notEqual(org.name, 'written by a stale claim', 'the write rolled back');
      } finally {
        t.clock.now -= CLAIM_LEASE_MS + 1;
      }
    });

    it('a claim that committed but lost its response is never run again', async () => {
      const claimed = await claimIdempotencyKey(t.ctx, { ...scope, key: 'lost-1' }, 'hash-b', 0);
      const claim = claimed.kind === 'claimed' ? claimed.claim : assert.fail();
      await t.store.db.transaction().execute((trx) => commitIdempotencyKey(trx, claim));
      t.clock.now += CLAIM_LEASE_MS + 1;
      try {
        assert.equal((await claimIdempotencyKey(t.ctx, { ...scope, key: 'lost-1' }, 'hash-b', 0)).kind, 'response_lost');
        assert.equal((await claimIdempotencyKey(t.ctx, { ...scope, key: 'lost-1' }, 'hash-other', 0)).kind, 'mismatch');
      } finally {
        t.clock.now -= CLAIM_LEASE_MS + 1;
      }
    });
  });
  // Issue 14, point 3: the answer to token creation held the token in plain text in the table for a
  // day, and a replay after revocation still handed it out.
  it('an answer holding a new token is never stored; a replay of its request is 409, not the token', async () => {
    await createUserWithToken(t, 'token-holder');
    const create = () =>
      t.request({
        method: 'POST',
        url: '/timeport/v1/users/token-holder/tokens',
        payload: {},
        headers: { 'idempotency-key': 'new-token-1' },
      });
    const first = await create();
    assert.equal(first.statusCode, 201, first.body);
    const { token } = first.json<{ token: string }>();
    assert.match(token, /^tpt_/);
    const stored = JSON.stringify(await t.store.db.selectFrom('idempotencyKeys').selectAll().execute());
    assert.equal(stored.includes(token), false, 'the token is in the idempotency table');
    const holder = await t.store.db.selectFrom('users').select('uid').where('login', '=', 'token-holder').executeTakeFirstOrThrow();
    const tokens = async () => (await t.store.db.selectFrom('tokens').select('id').where('userUid', '=', holder.uid).execute()).length;
    const before = await tokens();
    const replay = await create();
    const error = assertTrackerError(replay, 409);
    assert.match(error.errorMessages.join(' '), /cannot be replayed/);
    assert.equal(replay.body.includes(token), false);
    assert.equal(await tokens(), before, 'the replay made another token');
    // Revoked, it is still not handed out again.
    assert.equal((await t.request({ method: 'POST', url: '/timeport/v1/tokens/_revoke', payload: { token } })).statusCode, 204);
    assert.equal((await create()).body.includes(token), false);
    // A new key makes a new token, as without one.
    const other = await t.request({
      method: 'POST',
      url: '/timeport/v1/users/token-holder/tokens',
      payload: {},
      headers: { 'idempotency-key': 'new-token-2' },
    });
    assert.equal(other.statusCode, 201, other.body);
  });
  it('migration 0009 forgets the token answers kept before it, and leaves other answers alone', async () => {
    const row = (key: string, responseBody: string) => ({
      orgId: '1',
      tokenHash: 'migration-test',
      idempotencyKey: key,
      requestHash: 'x',
      state: 'done' as const,
      owner: 'o',
      claimedAt: t.clock.now,
      statusCode: 201,
      responseBody,
      responseType: 'application/json; charset=utf-8',
    });
    await t.store.db
      .insertInto('idempotencyKeys')
      .values([row('kept-token', '{"token":"tpt_migrationtestsecret"}'), row('kept-worklog', '{"id":1,"comment":"say \\"token\\": no"}')])
      .execute();
    await forgetStoredTokens.up(t.store.db, t.store.dialect);
    const rows = await t.store.db
      .selectFrom('idempotencyKeys')
      .select(['idempotencyKey', 'responseBody', 'responseType'])
      .where('tokenHash', '=', 'migration-test')
      .orderBy('idempotencyKey')
      .execute();
    assert.deepEqual(rows, [
      { idempotencyKey: 'kept-token', responseBody: '', responseType: null },
      {
        idempotencyKey: 'kept-worklog',
        responseBody: '{"id":1,"comment":"say \\"token\\": no"}',
        responseType: 'application/json; charset=utf-8',
      },
    ]);
    await t.store.db.deleteFrom('idempotencyKeys').where('tokenHash', '=', 'migration-test').execute();
  });
});
