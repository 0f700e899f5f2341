import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * Security headers on every answer (helmet), API, /openapi.json, /docs and /ui/ alike. The API
 * answers JSON and needs nothing from a browser, so its Content-Security-Policy allows nothing;
 * /ui/ (plugins/ui.ts) and /docs (plugins/openapi.ts) replace it with the policy their page needs.
 * Strict-Transport-Security is left to whatever terminates TLS in front of Timeport: the server
 * itself speaks plain HTTP and cannot know the name (and subdomains) it is reached by.
 */
export const SECURITY_HEADERS = {
  contentSecurityPolicy: {
    useDefaults: false as const,
    directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
  },
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
};

const setHeaders = helmet(SECURITY_HEADERS);

/**
 * The same headers on an answer no hook runs for (Fastify's frameworkErrors: a bad percent-encoding,
 * an over-long path parameter).
 */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  setHeaders(request.raw, reply.raw, () => undefined);
}

/**
 * helmet's middleware, built once, on every request. @fastify/helmet built it again for every
 * request (configuring helmet and parsing its policy each time; BENCHMARKS.md, "helmet once"), and
 * Timeport uses none of its per-route options.
 */
async function securityHeaders(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request.raw, reply.raw, () => done());
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
