/**
 * Issue 14, point 2: token guessing is limited. Failed authentications (no token, or one that names
 * no active token) are counted per client address, on by default (DEFAULT_AUTH_FAILURE_LIMIT); past
 * the bound every request from that address is 429 with Retry-After in Tracker's format, until the
 * window ends. Tokens an operator chooses need more entropy than 16 random hexadecimal characters.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../../src/api/plugins/auth-failures.js';
import { ConfigError, readConfig } from '../../src/config.js';
import { Problem } from '../../src/domain/errors.js';
import { createOrganization } from '../../src/service/organizations.js';
import { chosenTokenEntropyBits, chosenTokenError } from '../../src/service/secrets.js';
import { OPERATOR } from '../../src/service/context.js';
import { issueToken } from '../../src/service/tokens.js';
import { ADMIN_TOKEN, PUBLIC_URL, type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';

const myself = (app: FastifyInstance, token: string | undefined, remoteAddress = '127.0.0.1') =>
  app.inject({
    method: 'GET',
    url: '/v3/myself',
    remoteAddress,
    headers: { ...(token === undefined ? {} : { authorization: `OAuth ${token}` }), 'x-org-id': '1' },
  });

describe('failed authentications are limited per address (issue 14, point 2)', () => {
  let t: TestApp;

  before(async () => {
    // buildApp's default: the limit is on.
    t = await buildTestApp();
  });
  after(() => t.close());

  it('is on by default: past the bound, 429 with Retry-After in Tracker format, for every token from that address', async () => {
    const { max } = DEFAULT_AUTH_FAILURE_LIMIT;
    const address = '127.0.0.11';
    for (let i = 0; i < max; i += 1) {
      assertTrackerError(await myself(t.app, i % 5 === 0 ? undefined : `guess-${i}-${randomUUID()}`, address), 401);
    }
    const refused = await myself(t.app, `guess-${randomUUID()}`, address);
    const body = assertTrackerError(refused, 429);
    assert.match(body.errorMessages[0]!, new RegExp(`Too many failed authentications from this address: at most ${max} per minute`));
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`);
    // A valid token from that address is refused too: else a guess would still tell valid from invalid.
    assertTrackerError(await myself(t.app, ADMIN_TOKEN, address), 429);
    // Other addresses are not affected, and /healthz needs no token.
    assert.equal((await myself(t.app, ADMIN_TOKEN, '127.0.0.12')).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz', remoteAddress: address })).statusCode, 200);
  });

  it('valid tokens do not count, and the count ends with its window', async () => {
    const app = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, authFailureLimit: { max: 2, windowMs: 1000 } });
    try {
      for (let i = 0; i < 10; i += 1) assert.equal((await myself(app, ADMIN_TOKEN)).statusCode, 200);
      assertTrackerError(await myself(app, 'wrong-token-aaaaaaaaaaaa1'), 401);
      assertTrackerError(await myself(app, 'wrong-token-aaaaaaaaaaaa2'), 401);
      const refused = assertTrackerError(await myself(app, ADMIN_TOKEN), 429);
      assert.match(refused.errorMessages[0]!, /at most 2 per second/);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await myself(app, ADMIN_TOKEN)).statusCode, 200);
    } finally {
      await app.close();
    }
  });

  it('with REDIS_URL, processes share the count', async (context) => {
    const redisUrl = process.env.TIMEPORT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    const settings = { max: 3, windowMs: 5000, redisUrl };
    const first = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, authFailureLimit: settings });
    const second = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, authFailureLimit: settings });
    try {
      // An address of its own, so that runs of this test never share a count.
      const address = `10.${randomUUID()
        .split('-')
        .slice(1, 4)
        .map((part) => parseInt(part.slice(0, 2), 16))
        .join('.')}`;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1)
        statuses.push((await myself(i % 2 === 0 ? first : second, `guess-${randomUUID()}`, address)).statusCode);
      if (statuses.every((status) => status === 401) && process.env.CI !== 'true') {
        context.skip(`Redis is not reachable at ${redisUrl}`);
        return;
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('TIMEPORT_AUTH_FAILURE_LIMIT: on by default, off on request, read strictly', () => {
    assert.deepEqual(readConfig({}).authFailureLimit, DEFAULT_AUTH_FAILURE_LIMIT);
    assert.deepEqual(readConfig({ TIMEPORT_AUTH_FAILURE_LIMIT: '10/hour' }).authFailureLimit, { max: 10, windowMs: 3_600_000 });
    assert.equal(readConfig({ TIMEPORT_AUTH_FAILURE_LIMIT: 'off' }).authFailureLimit, undefined);
    assert.throws(
      () => readConfig({ TIMEPORT_AUTH_FAILURE_LIMIT: '10' }),
      (error: Error) => error instanceof ConfigError && /^TIMEPORT_AUTH_FAILURE_LIMIT=10 is not valid/.test(error.message),
    );
  });
});

describe('operator-chosen tokens need more than 16 hexadecimal characters of entropy (issue 14, point 2)', () => {
  const guessable = [
    'aaaaaaaaaaaaaaaaaaaa',
    'abcdefghijklmnopqrstuvwxyz',
    '0123456789abcdef0123',
    'password1234567890',
    'AAAAbbbbCCCCdddd1111',
  ];
  const strong = ['test-admin-token-0000000001', 'qzmxkfjwplrtvbnc', 'Xk9#mQ2$vL7!pR4@', 'tpt_4Jz9QeC8pXy2Lm0Rv7Tb'];

  it('measures and refuses guessable tokens with a clear message', () => {
    for (const token of guessable) {
      assert.ok(chosenTokenEntropyBits(token) <= 64, token);
      assert.match(chosenTokenError(token) ?? '', /harder to guess: it holds about \d+ bits of entropy, and more than 64/, token);
    }
    for (const token of strong) assert.equal(chosenTokenError(token), undefined, token);
  });

  it('TIMEPORT_ADMIN_TOKEN, org create --token and token creation refuse them', async () => {
    assert.throws(
      () => readConfig({ TIMEPORT_ADMIN_TOKEN: 'aaaaaaaaaaaaaaaaaaaa' }),
      (error: Error) =>
        error instanceof ConfigError && /TIMEPORT_ADMIN_TOKEN is not usable: a token must be harder to guess/.test(error.message),
    );
    assert.equal(readConfig({ TIMEPORT_ADMIN_TOKEN: 'qzmxkfjwplrtvbnc' }).adminToken, 'qzmxkfjwplrtvbnc');
    const t = await buildTestApp();
    try {
      await assert.rejects(
        createOrganization(t.ctx, { id: 'weak', adminLogin: 'admin', adminToken: 'password1234567890' }),
        (error: Error) => error instanceof Problem && /harder to guess/.test(JSON.stringify(error.fieldErrors)),
      );
      await assert.rejects(
        issueToken(t.ctx, OPERATOR, '1', 'admin', 'abcdefghijklmnopqrstuvwxyz'),
        (error: Error) => error instanceof Problem && /harder to guess/.test(JSON.stringify(error.fieldErrors)),
      );
      assert.equal((await t.store.db.selectFrom('organizations').select('id').execute()).length, 1);
    } finally {
      await t.close();
    }
  });
});
