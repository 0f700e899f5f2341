import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { tokenFromHeader } from './auth.js';

/** `TIMEPORT_RATE_LIMIT`: at most `max` requests per token in each window of `windowMs`. */
export interface RateLimitSettings {
  max: number;
  windowMs: number;
  /** `REDIS_URL`: with it the counts are shared by every process using that Redis. */
  redisUrl?: string | undefined;
}

/**
 * The key a request is counted under: the token it presents (hashed, so the store never holds a
 * secret), or the client address when it presents none. Counting before authentication means a
 * flood of requests is refused before it costs a database lookup.
 */
function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const token = tokenFromHeader(Array.isArray(header) ? header[0] : header);
  return token === undefined ? `ip:${request.ip}` : `token:${createHash('sha256').update(token).digest('base64url')}`;
}

/**
 * Registers the per-token limit (@fastify/rate-limit) and answers the hook to add to each API
 * scope. Over the limit: 429 with `Retry-After` and Tracker's error body (the error handler turns
 * the thrown error into it). If Redis cannot be reached the limit is not applied (fail open): an
 * outage of the limiter must not take the API down with it; it is logged.
 */
export async function registerRateLimit(app: FastifyInstance, settings: RateLimitSettings): Promise<onRequestHookHandler> {
  const redis =
    settings.redisUrl === undefined
      ? undefined
      : new Redis(settings.redisUrl, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  if (redis !== undefined) {
    // Commands fail at once while Redis is unreachable (no offline queue), so wait for the first
    // connection here, briefly, instead of failing open on the first requests after a start.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      redis.once('ready', done);
      redis.once('error', done);
    });
    redis.on('error', (error: Error) => app.log.warn({ err: error }, 'rate limit store (Redis) unavailable; requests are not limited meanwhile'));
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  await app.register(fastifyRateLimit, {
    global: false,
    redis,
    nameSpace: 'timeport-rate-limit:',
    skipOnError: true,
  });
  return app.rateLimit({
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`Too many requests: at most ${context.max} per ${describeWindow(settings.windowMs)} for a token. Retry in ${context.after}.`), {
        statusCode: context.statusCode,
      }),
  }) as onRequestHookHandler;
}

function describeWindow(ms: number): string {
  if (ms === 1000) return 'second';
  if (ms === 60_000) return 'minute';
  if (ms === 3_600_000) return 'hour';
  return `${ms / 1000} seconds`;
}
