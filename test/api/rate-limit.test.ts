/**
 * The optional per-token rate limit (TIMEPORT_RATE_LIMIT): 429 with Retry-After and Tracker's error
 * body, counted per token; with REDIS_URL the count is shared by every process on that Redis.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { ConfigError, parseRateLimit } from '../../src/config.js';
import { ADMIN_TOKEN, PUBLIC_URL, type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { createUserWithToken } from './fixtures.js';

const REDIS_URL = process.env.TIMEPORT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const get = (app: FastifyInstance, token: string | undefined) =>
  app.inject({
    method: 'GET',
    url: '/v3/myself',
    headers: { ...(token === undefined ? {} : { authorization: `OAuth ${token}` }), 'x-org-id': '1' },
  });

describe('rate limit', () => {
  let t: TestApp;
  let limited: FastifyInstance;
  let otherToken: string;

  before(async () => {
    t = await buildTestApp();
    otherToken = (await createUserWithToken(t, 'second-client')).token;
    limited = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, rateLimit: { max: 3, windowMs: 60_000 } });
  });
  after(async () => {
    await limited.close();
    await t.close();
  });

  it("answers 429 with Retry-After and Tracker's error body past the limit, per token", async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await get(limited, ADMIN_TOKEN)).statusCode, 200);
    const refused = await get(limited, ADMIN_TOKEN);
    const body = assertTrackerError(refused, 429);
    assert.match(body.errorMessages[0]!, /Too many requests: at most 3 per minute/);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${refused.headers['retry-after']}`);
    assert.equal((await get(limited, otherToken)).statusCode, 200, 'another token has its own count');
  });

  // Issue 14: counted per token presented, every guess started a count of its own. Only valid
  // tokens are counted; failed authentications are limited per address (auth-failures.test.ts).
  it('counts only valid tokens: guessed tokens and requests without one are not counted per token', async () => {
    const fresh = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, rateLimit: { max: 3, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 5; i += 1) assertTrackerError(await get(fresh, `guessed-token-${i}-${randomUUID()}`), 401);
      for (let i = 0; i < 5; i += 1) assertTrackerError(await get(fresh, undefined), 401);
      for (let i = 0; i < 5; i += 1) assertTrackerError(await get(fresh, 'the-same-wrong-token-000001'), 401);
      for (let i = 0; i < 3; i += 1) assert.equal((await get(fresh, ADMIN_TOKEN)).statusCode, 200);
      assertTrackerError(await get(fresh, ADMIN_TOKEN), 429);
    } finally {
      await fresh.close();
    }
  });

  it('is off by default and leaves /healthz alone', async () => {
    for (let i = 0; i < 10; i += 1) assert.equal((await get(t.app, ADMIN_TOKEN)).statusCode, 200);
    for (let i = 0; i < 10; i += 1) assert.equal((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });

  it('TIMEPORT_RATE_LIMIT is read strictly', () => {
    assert.deepEqual(parseRateLimit('600/minute'), { max: 600, windowMs: 60_000 });
    assert.deepEqual(parseRateLimit('20/s'), { max: 20, windowMs: 1000 });
    assert.deepEqual(parseRateLimit('5000/hour'), { max: 5000, windowMs: 3_600_000 });
    assert.equal(parseRateLimit(undefined), undefined);
    assert.equal(parseRateLimit('off'), undefined);
    for (const bad of ['600', '0/minute', '-1/minute', '10/day', '1.5/s', ' 10/s', '10 / s', '10/Minute']) {
      assert.throws(() => parseRateLimit(bad), ConfigError, bad);
    }
  });
});

describe('rate limit shared through Redis', async () => {
  const reachable = await redisReachable(REDIS_URL);
  const skip = reachable ? false : `Redis is not reachable at ${REDIS_URL}`;
  if (!reachable && process.env.CI === 'true') throw new Error(`CI: Redis must be reachable at ${REDIS_URL}`);

  it("two app instances on one Redis share a token's count", { skip }, async () => {
    const t = await buildTestApp();
    // A token of its own, so that runs of this test never share a count.
    const token = (await createUserWithToken(t, `redis-${randomUUID().slice(0, 8)}`)).token;
    const settings = { max: 4, windowMs: 60_000, redisUrl: REDIS_URL };
    const first = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, rateLimit: settings });
    const second = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, rateLimit: settings });
    try {
      await first.ready();
      await second.ready();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await get(i % 2 === 0 ? first : second, token)).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    } finally {
      await first.close();
      await second.close();
      await t.close();
    }
  });

  it('an unreachable Redis does not take the API down (the limit fails open)', async () => {
    const t = await buildTestApp();
    const app = await buildApp({
      ctx: t.ctx,
      publicUrl: PUBLIC_URL,
      rateLimit: { max: 1, windowMs: 60_000, redisUrl: 'redis://127.0.0.1:1' },
    });
    try {
      for (let i = 0; i < 3; i += 1) assert.equal((await get(app, ADMIN_TOKEN)).statusCode, 200);
    } finally {
      await app.close();
      await t.close();
    }
  });
});
