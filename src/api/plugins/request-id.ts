import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Request ids. A caller (or a proxy in front) may send `X-Request-Id` to follow one request through
 * its own logs and Timeport's; a value that is not a short token of safe characters is replaced, so
 * that nothing a client sends can forge log lines or split response headers.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

/** The id the server gives every request itself, kept on the raw request beside the caller's. */
const SERVER_REQUEST_ID = Symbol('timeport.serverRequestId');
type WithServerId = IncomingMessage & { [SERVER_REQUEST_ID]?: string };

/**
 * The server's own id of a request: a UUID made for every request, whatever the caller sent. The
 * audit log records it beside `X-Request-Id`, which the caller chooses and so proves nothing.
 */
export function serverRequestIdOf(request: IncomingMessage): string {
  const raw = request as WithServerId;
  raw[SERVER_REQUEST_ID] ??= randomUUID();
  return raw[SERVER_REQUEST_ID];
}

/** Fastify's `genReqId`: the incoming id when it is sane, else the server's own id. */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers[REQUEST_ID_HEADER];
  const incoming = Array.isArray(header) ? header[0] : header;
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : serverRequestIdOf(request);
}

/** Every answer names its request id in `X-Request-Id`, errors included; the log lines carry it as `reqId`. */
export default fp(
  async function requestId(app: FastifyInstance) {
    app.addHook('onSend', (request, reply, payload, done) => {
      reply.header('X-Request-Id', request.id);
      done(null, payload);
    });
  },
  { name: 'request-id' },
);
