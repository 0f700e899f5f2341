import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../service/context.js';
import type { IdempotencyClaim } from '../../service/idempotency.js';
import { serverRequestIdOf } from './request-id.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The context the routes hand to the services: the app's, plus this request's id and claim. */
    services: ServiceContext;
    /** The `Idempotency-Key` this request holds (plugins/idempotency.ts). */
    idempotencyClaim: IdempotencyClaim | undefined;
  }
}

/**
 * Gives every request its own service context, so `writeTransaction` can commit the request's
 * idempotency claim and the audit log can name its request id. Passed explicitly rather than
 * through AsyncLocalStorage: that hooks every promise, and a request makes hundreds (BENCHMARKS.md).
 */
export function registerRequestServices(app: FastifyInstance, ctx: ServiceContext): void {
  app.decorateRequest('services', null as unknown as ServiceContext);
  app.decorateRequest('idempotencyClaim', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    const serverRequestId = serverRequestIdOf(request.raw);
    request.services = {
      ...ctx,
      idempotencyClaim: () => request.idempotencyClaim,
      requestId: () => request.id,
      serverRequestId: () => serverRequestId,
    };
    done();
  });
}
