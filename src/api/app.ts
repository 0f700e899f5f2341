import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceContext } from '../service/context.js';
import { authHook } from './plugins/auth.js';
import trackerErrors, { sendTrackerError } from './plugins/errors.js';
import { validatorCompiler } from './validation.js';
import type { RouteOptions } from './routes/options.js';
import userRoutes from './routes/tracker/users.js';
import queueRoutes from './routes/tracker/queues.js';
import issueRoutes from './routes/tracker/issues.js';
import worklogRoutes from './routes/tracker/worklogs.js';
import managementRoutes from './routes/timeport/users.js';

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
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the HTTP app: Tracker's `/v2` and `/v3` APIs, Timeport's `/timeport/v1` extensions, `/healthz`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // The official client puts a trailing slash on collection URLs (official-client-notes §6.1).
    routerOptions: { ignoreTrailingSlash: true },
    // While closing, new requests get 503 and idle keep-alive connections are closed at once.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Errors the router raises before any handler (a bad percent-encoding, an over-long path
    // parameter) skip the error handler; they too leave in Tracker's format.
    frameworkErrors: (error, _request, reply) => {
      sendTrackerError(reply, error.statusCode ?? 400, [error.message]);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  registerJsonParser(app);
  await app.register(trackerErrors);

  app.get('/healthz', async (_request, reply) => {
    if (options.isReady !== undefined && !options.isReady()) {
      return reply.code(503).send({ status: 'unavailable' });
    }
    return { status: 'ok' };
  });

  const withoutSlash = (url: string) => url.replace(/\/+$/, '');
  const configured = options.publicUrl;
  const fixedUrl = typeof configured === 'string' ? withoutSlash(configured) : undefined;
  const publicUrl = typeof configured === 'string' ? () => fixedUrl as string : () => withoutSlash(configured());
  for (const version of ['v2', 'v3'] as const) {
    await app.register(
      async (scope) => {
        scope.addHook('onRequest', authHook(options.ctx));
        const routeOptions: RouteOptions = { ctx: options.ctx, publicUrl, version };
        await scope.register(userRoutes, routeOptions);
        await scope.register(queueRoutes, routeOptions);
        await scope.register(issueRoutes, routeOptions);
        await scope.register(worklogRoutes, routeOptions);
      },
      { prefix: `/${version}` },
    );
  }
  await app.register(
    async (scope) => {
      scope.addHook('onRequest', authHook(options.ctx));
      await scope.register(managementRoutes, { ctx: options.ctx, publicUrl, version: 'v3' } satisfies RouteOptions);
    },
    { prefix: '/timeport/v1' },
  );
  return app;
}

/**
 * JSON bodies, with one difference from Fastify's default: an empty body is no body. The official
 * client sends `Content-Type: application/json` with an empty body on DELETE and on POSTs without
 * data (official-client-notes §6.2). Prototype poisoning keys are refused, as by default.
 */
function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Bodies are JSON only: Fastify's default text/plain parser would hand a string to the body schema
  // (422); without it, other media types get 415 (notes §11).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
