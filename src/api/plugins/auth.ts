import type { FastifyReply, FastifyRequest } from 'fastify';
import { ORGANIZATION_UNAVAILABLE } from '../../domain/errors.js';
import type { Caller, ServiceContext } from '../../service/context.js';
import { namesOrganization } from '../../service/organizations.js';
import { authenticate } from '../../service/tokens.js';
import { requireAdmin } from '../../service/users.js';
import { sendTrackerError } from './errors.js';
import { type AuthFailureCounter, describeWindow } from './auth-failures.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the auth hook on every Tracker and extension route. */
    caller: Caller;
  }
}

const AUTHORIZATION_PATTERN = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i;

/** The token in `Authorization: OAuth <token>` or `Bearer <token>`. The official client's placeholder `OAuth not provided` has none. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  const match = header === undefined ? null : AUTHORIZATION_PATTERN.exec(header);
  const token = match?.[1];
  return token;
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Authenticates a request (401 without a valid token), then checks that the organization named by
 * `X-Org-ID` or `X-Cloud-Org-ID` is the caller's (403 otherwise, with Tracker's message). With a
 * failure counter, an address past its failed authentications gets 429 before any token lookup.
 */
export function authHook(ctx: ServiceContext, failures?: AuthFailureCounter) {
  return async function authenticateRequest(request: FastifyRequest, reply: FastifyReply) {
    if (failures !== undefined) {
      const state = await failures.state(request.ip);
      if (state.blocked) {
        const seconds = Math.max(1, Math.ceil(state.retryInMs / 1000));
        reply.header('Retry-After', String(seconds));
        const { max, windowMs } = failures.settings;
        return sendTrackerError(reply, 429, [
          `Too many failed authentications from this address: at most ${max} per ${describeWindow(windowMs)}. Retry in ${seconds} second${seconds === 1 ? '' : 's'}.`,
        ]);
      }
    }
    const token = tokenFromHeader(headerValue(request.headers.authorization));
    if (token === undefined) {
      await failures?.fail(request.ip);
      reply.header('WWW-Authenticate', 'OAuth realm="timeport"');
      return sendTrackerError(reply, 401, ['Not authorized: send Authorization: OAuth <token>.']);
    }
    const identity = await authenticate(ctx, token);
    if (identity === undefined) {
      await failures?.fail(request.ip);
      reply.header('WWW-Authenticate', 'OAuth realm="timeport", error="invalid_token"');
      return sendTrackerError(reply, 401, ['Not authorized: the token is unknown or revoked.']);
    }
    if (!namesOrganization(identity.org, headerValue(request.headers['x-org-id']), headerValue(request.headers['x-cloud-org-id']))) {
      return sendTrackerError(reply, 403, [ORGANIZATION_UNAVAILABLE]);
    }
    request.caller = identity;
  };
}

/**
 * An `onRequest` hook for routes only an organization administrator may use: a member is refused
 * (403, the service's own message) from the headers alone, before the body is read or parsed, so a
 * large body costs the server nothing (issue 14). The services check again.
 */
export function adminOnly(action: string) {
  return async function requireAdminCaller(request: FastifyRequest) {
    requireAdmin(request.caller, action);
  };
}
