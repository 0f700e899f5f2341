import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { tokenFromHeader } from './auth.js';
import { describeWindow } from './auth-failures.js';

/** `TIMEPORT_RATE_LIMIT`: at most `max` requests per token in each window of `windowMs`. */
export interface RateLimitSettings {
  max: number;
  windowMs: number;
  /** `REDIS_URL`: with it the counts are shared by every process using that Redis. */
  redisUrl?: string | undefined;
}

/**
 * The key a request is counted under: the token it presents, hashed, so the store never holds a
 * secret. The hook runs after authentication, so only valid tokens are counted: counted before,
 * every guessed token started a count of its own. Requests that fail authentication are limited
 * per client address instead (auth-failures.ts).
 */
function rateLimitKey(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const token = tokenFromHeader(Array.isArray(header) ? header[0] : header);
  return `token:${createHash('sha256')
    .update(token ?? '')
    .digest('base64url')}`;
}

/**
 * Registers the per-token limit (@fastify/rate-limit) and answers the hook to add to each API
 * scope. Over the limit: 429 with `Retry-After` and Tracker's error body (the error handler turns
 * the thrown error into it). If Redis cannot be reached the limit is not applied (fail open): an
 * outage of the limiter must not take the API down with it; it is logged.
 */
export async function registerRateLimit(app: FastifyInstance, settings: RateLimitSettings): Promise<onRequestHookHandler> {
  const redis = settings.redisUrl === undefined ? undefined : await connectRedis(app, settings.redisUrl, 'rate limit');
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
      Object.assign(
        new Error(
          `Too many requests: at most ${context.max} per ${describeWindow(settings.windowMs)} for a token. Retry in ${context.after}.`,
        ),
        {
          statusCode: context.statusCode,
        },
      ),
  }) as onRequestHookHandler;
}

/**
 * A Redis connection for a limiter's counts, closed with the app. Commands fail at once while Redis
 * is unreachable (no offline queue), so the first connection is waited for here, briefly, instead
 * of failing open on the first requests after a start.
 */
export async function connectRedis(app: FastifyInstance, url: string, what: string): Promise<Redis> {
  const redis = new Redis(url, { connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', done);
    redis.once('error', done);
  });
  redis.on('error', (error: Error) =>
    app.log.warn({ err: error }, `${what} store (Redis) unavailable; requests are not limited meanwhile`),
  );
  app.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}
