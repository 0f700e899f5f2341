import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../service/context.js';
import { authHook } from './plugins/auth.js';
import trackerErrors, { sendTrackerError } from './plugins/errors.js';
import { validatorCompiler } from './validation.js';
import { serializerCompiler } from './serialization.js';
import { MAX_JSON_NESTING, jsonNestsDeeperThan } from './json-nesting.js';
import { malformed } from '../domain/errors.js';
import type { ImportAnswer, RouteOptions } from './routes/options.js';
import type { LinkStyle } from './representations.js';
import userRoutes from './routes/tracker/users.js';
import queueRoutes from './routes/tracker/queues.js';
import issueRoutes from './routes/tracker/issues.js';
import worklogRoutes from './routes/tracker/worklogs.js';
import fieldRoutes from './routes/tracker/fields.js';
import managementRoutes from './routes/timeport/users.js';
import { type RateLimitSettings, connectRedis, registerRateLimit } from './plugins/rate-limit.js';
import {
  type AuthFailureCounter,
  type AuthFailureLimitSettings,
  DEFAULT_AUTH_FAILURE_LIMIT,
  MemoryAuthFailureCounter,
  RedisAuthFailureCounter,
} from './plugins/auth-failures.js';
import { idempotencyHooks } from './plugins/idempotency.js';
import securityHeaders, { applySecurityHeaders } from './plugins/security-headers.js';
import { registerRequestServices } from './plugins/services.js';
import importRoutes from './routes/timeport/imports.js';
import worklogChangeRoutes from './routes/timeport/worklog-changes.js';
import reportRoutes from './routes/timeport/reports.js';
import auditRoutes from './routes/timeport/audit.js';
import metrics, { type DatabasePoolStats } from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import requestId, { requestIdFor, serverRequestIdOf } from './plugins/request-id.js';
import ui from './plugins/ui.js';
import { ERROR_ANSWERS } from './schemas/errors.js';
import { HealthObject, ReadinessObject } from './schemas/timeport.js';

export interface AppOptions {
  ctx: ServiceContext;
  /**
   * Base of every `self` link, e.g. `http://127.0.0.1:8080`; a function when it is known only
   * once the server listens (the default URL with PORT=0).
   */
  publicUrl: string | (() => string);
  /** Largest request body accepted, in bytes; larger ones get 413 before they are read. */
  bodyLimit?: number;
  logger?: FastifyServerOptions['logger'];
  /** Whether the app is ready for requests (false while starting up or draining). */
  isReady?: () => boolean;
  /** Per-token request limit on the API routes; none when undefined. */
  rateLimit?: RateLimitSettings | undefined;
  /** `TIMEPORT_LINK_STYLE`: how `Link` headers are written; absolute URLs when not given. */
  linkStyle?: LinkStyle | undefined;
  /** `TIMEPORT_IMPORT_ANSWER`: what `worklogs/_import` answers; the spec's object when not given. */
  importAnswer?: ImportAnswer | undefined;
  /**
   * Failed authentications allowed per client address (plugins/auth-failures.ts); `off` for none.
   * DEFAULT_AUTH_FAILURE_LIMIT when undefined. With `redisUrl` the counts are shared through Redis.
   */
  authFailureLimit?: (AuthFailureLimitSettings & { redisUrl?: string | undefined }) | 'off' | undefined;
  /** Connection pool figures for /metrics, where the database has a pool. */
  databasePoolStats?: () => DatabasePoolStats | undefined;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP app: Tracker's `/v2` and `/v3` APIs, Timeport's `/timeport/v1` extensions, `/healthz`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // The official client puts a trailing slash on collection URLs (docs/tracker-api.md §Official client, 6.1).
    routerOptions: { ignoreTrailingSlash: true },
    // While closing, idle keep-alive connections are closed at once; new requests get a 503 in
    // Tracker's format from the hook below rather than Fastify's own.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Errors the router raises before any handler (a bad percent-encoding, an over-long path
    // parameter) skip the error handler; they too leave in Tracker's format.
    frameworkErrors: (error, request, reply) => {
      // These skip every hook, the request id's onSend and the security headers' onRequest too.
      reply.header('X-Request-Id', request.id);
      applySecurityHeaders(request, reply);
      sendTrackerError(reply, error.statusCode ?? 400, [error.message]);
    },
    // X-Request-Id in, out and as `reqId` in every log line (plugins/request-id.ts).
    genReqId: requestIdFor,
    // The server's own id beside the caller's, so a line can be matched to the audit log's
    // `serverRequestId` whatever the caller sent as X-Request-Id.
    childLoggerFactory: (logger, bindings, childOptions, rawRequest) => {
      const serverReqId = serverRequestIdOf(rawRequest);
      return logger.child(bindings.reqId === serverReqId ? bindings : { ...bindings, serverReqId }, childOptions);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerJsonParser(app);
  // First: every answer carries them, the 503s of a draining server included.
  await app.register(securityHeaders);
  const isReady = options.isReady;
  if (isReady !== undefined) {
    // While draining, an answer to a request that came before the shutdown closes its connection:
    // the client's next request goes elsewhere, and the drain does not wait for the keep-alive
    // timeout of connections left idle. Requests that come during it get a 503 (readiness probes
    // their own answer), so a client retries elsewhere; that closes the connection too.
    app.addHook('onRequest', (request, reply, done) => {
      if (isReady() || request.url === '/readyz' || request.url === '/healthz') return done();
      reply.header('Retry-After', '1');
      // Answered here: the request goes no further (so `done` is not called).
      sendTrackerError(reply, 503, ['The server is shutting down; retry the request, it was not carried out.']);
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (!isReady()) reply.header('connection', 'close');
      done(null, payload);
    });
  }
  await app.register(trackerErrors);
  // A refusal sent before the request's body has arrived (from its headers: 401, 403, 413, 429)
  // closes the connection, so the rest of the body is neither read nor waited for.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && request.raw.complete === false && requestHasBody(request.headers)) reply.header('connection', 'close');
    done(null, payload);
  });
  // Observability and the API document come first: they see every route and request after them.
  await app.register(requestId);
  await app.register(openapi);
  await app.register(metrics, {
    databaseDialect: options.ctx.store.dialect,
    databasePoolStats: options.databasePoolStats,
    groupCommitStats: options.ctx.store.groupCommitStats,
  });
  await app.register(ui);

  // Liveness and readiness, outside the API (no token). /healthz: the process accepts requests.
  // /readyz: it also reaches its database and is not draining; a load balancer routes by it.
  const healthAnswers = (schema: typeof HealthObject | typeof ReadinessObject) => ({
    200: schema,
    ...ERROR_ANSWERS,
    503: { ...schema, description: 'Not ready: shutting down, or (readiness) without its database' },
  });
  app.get('/healthz', { schema: { response: healthAnswers(HealthObject) } }, async (_request, reply) => {
    if (options.isReady !== undefined && !options.isReady()) {
      return reply.code(503).send({ status: 'unavailable' });
    }
    return { status: 'ok' };
  });
  app.get('/readyz', { schema: { response: healthAnswers(ReadinessObject) } }, async (_request, reply) => {
    if (options.isReady !== undefined && !options.isReady()) return reply.code(503).send({ status: 'draining' });
    const database = await databaseReachable(options.ctx, READINESS_TIMEOUT_MS);
    if (database !== 'ok') return reply.code(503).send({ status: 'unavailable', database });
    return { status: 'ok', database };
  });

  const rateLimited = options.rateLimit === undefined ? undefined : await registerRateLimit(app, options.rateLimit);
  const authFailures = await authFailureCounter(app, options.authFailureLimit);
  const authenticateRequest = authHook(options.ctx, authFailures);
  // Each request's service context: the app's, plus its request id and Idempotency-Key claim.
  registerRequestServices(app, options.ctx);
  const idempotency = idempotencyHooks(options.ctx);
  /**
   * What every API scope checks first: the caller (failed authentications limited per address),
   * then the per-token rate limit (when on), which so counts only valid tokens.
   */
  const guardApi = (scope: FastifyInstance) => {
    scope.addHook('onRequest', authenticateRequest);
    if (rateLimited !== undefined) scope.addHook('onRequest', rateLimited);
    scope.addHook('preHandler', idempotency.preHandler);
    scope.addHook('onSend', idempotency.onSend);
  };

  const withoutSlash = (url: string) => url.replace(/\/+$/, '');
  const configured = options.publicUrl;
  const fixedUrl = typeof configured === 'string' ? withoutSlash(configured) : undefined;
  const publicUrl = typeof configured === 'string' ? () => fixedUrl as string : () => withoutSlash(configured());
  for (const version of ['v2', 'v3'] as const) {
    await app.register(
      async (scope) => {
        guardApi(scope);
        const routeOptions: RouteOptions = { publicUrl, version, linkStyle: options.linkStyle, importAnswer: options.importAnswer };
        await scope.register(userRoutes, routeOptions);
        await scope.register(queueRoutes, routeOptions);
        await scope.register(issueRoutes, routeOptions);
        await scope.register(worklogRoutes, routeOptions);
        await scope.register(fieldRoutes, routeOptions);
      },
      { prefix: `/${version}` },
    );
  }
  await app.register(
    async (scope) => {
      guardApi(scope);
      await scope.register(managementRoutes, { publicUrl, version: 'v3' } satisfies RouteOptions);
      await scope.register(importRoutes, { publicUrl, version: 'v3' } satisfies RouteOptions);
      await scope.register(worklogChangeRoutes, { publicUrl, version: 'v3' } satisfies RouteOptions);
      await scope.register(reportRoutes, { publicUrl, version: 'v3' } satisfies RouteOptions);
      await scope.register(auditRoutes, { publicUrl, version: 'v3' } satisfies RouteOptions);
    },
    { prefix: '/timeport/v1' },
  );
  return app;
}

async function authFailureCounter(app: FastifyInstance, option: AppOptions['authFailureLimit']): Promise<AuthFailureCounter | undefined> {
  if (option === 'off') return undefined;
  const settings = option ?? DEFAULT_AUTH_FAILURE_LIMIT;
  const counter =
    option?.redisUrl === undefined
      ? new MemoryAuthFailureCounter({ max: settings.max, windowMs: settings.windowMs })
      : new RedisAuthFailureCounter(
          { max: settings.max, windowMs: settings.windowMs },
          await connectRedis(app, option.redisUrl, 'failed-authentication limit'),
          (error) =>
            app.log.warn({ err: error }, 'failed-authentication limit store (Redis) unavailable; failures are not counted meanwhile'),
        );
  app.addHook('onClose', async () => counter.close());
  return counter;
}

const requestHasBody = (headers: FastifyRequest['headers']): boolean =>
  headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');

const READINESS_TIMEOUT_MS = 2000;

/** `ok`, or why the database cannot be used now, by a trivial query bounded in time. */
async function databaseReachable(ctx: ServiceContext, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer in time'), timeoutMs);
  });
  const probe = ctx.store.ping().then(
    () => 'ok',
    // No detail: /readyz needs no token, and the error would name internal hosts.
    () => 'unreachable',
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * JSON bodies, with one difference from Fastify's default: an empty body is no body. The official
 * client sends `Content-Type: application/json` with an empty body on DELETE and on POSTs without
 * data (docs/tracker-api.md §Official client, 6.2). Prototype poisoning keys are refused, as by
 * default.
 */
function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Bodies are JSON only: Fastify's default text/plain parser would hand a string to the body schema
  // (422); without it, other media types get 415 (docs/tracker-api.md §Errors).
  app.removeContentTypeParser('text/plain');
  // Bytes that are not UTF-8 would be decoded to U+FFFD and stored that way, silently different
  // from what was sent (JSON is UTF-8, RFC 8259 §8.1): refused, as unpaired surrogates are.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = typeof body === 'string' ? body : utf8.decode(body);
    } catch {
      done(malformed(['The request body is not valid UTF-8.']), undefined);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // A body nested thousands of levels deep would overflow the stack of every step after the
    // parser (a 500) or be stored as given: refused here (json-nesting.ts).
    if (jsonNestsDeeperThan(text, MAX_JSON_NESTING)) {
      done(malformed([`The request body nests arrays and objects more than ${MAX_JSON_NESTING} levels deep.`]), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
