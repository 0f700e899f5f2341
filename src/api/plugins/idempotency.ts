import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ServiceContext } from '../../service/context.js';
import { type IdempotencyClaim, claimIdempotencyKey, completeIdempotencyKey } from '../../service/idempotency.js';
import { tokenFromHeader } from './auth.js';
import { sendTrackerError } from './errors.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Reads that happen to be POSTs: a key on them would replay stale results, so it is ignored. */
const READ_ONLY_POST = /\/(_search|_findByUnique)(\?|$)/;
const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** Sorted keys at every level: the same JSON document always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route's answer carries a secret (a new token). Its `Idempotency-Key` still makes a retry
     * unable to do the work twice, but the answer is never stored, so a replay cannot show it:
     * it is answered 409 instead. Stored, the secret would sit in plain text in the table (and in
     * every backup) for a day, and be handed out after the token was revoked.
     */
    answerHoldsSecret?: boolean;
  }
}

/** A JSON key (not text inside a string, where its quotes would be escaped) that names a secret. */
const SECRET_KEY = /"token"\s*:/;

const SECRET_NOT_REPLAYED =
  'A request with this Idempotency-Key was carried out, but its answer held a secret (a new token), which is never stored, so it cannot be replayed. Revoke that token if its answer was lost, and create another.';

/**
 * `Idempotency-Key` on writes (a documented Timeport extension, see service/idempotency.ts): the
 * hooks an API scope adds, after authentication: claim before the handler, store after it. The
 * claim rides on the request (plugins/services.ts) to `writeTransaction`.
 */
export function idempotencyHooks(ctx: ServiceContext) {
  const hooks = {
    /** Claims the key of a write that carries one; answers the request itself when it must not run. */
    async claim(request: FastifyRequest, reply: FastifyReply, header: string | string[]) {
      const key = Array.isArray(header) ? header[0] : header;
      if (key === undefined || !KEY_PATTERN.test(key) || Array.isArray(header)) {
        return sendTrackerError(reply, 400, ['The Idempotency-Key header must be one value of 1 to 255 visible ASCII characters.']);
      }
      const authorization = request.headers.authorization;
      const token = tokenFromHeader(Array.isArray(authorization) ? authorization[0] : authorization) ?? '';
      const scope = { orgId: request.caller.org.id, tokenHash: sha256(token), key };
      const requestHash = sha256(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`);
      const outcome = await claimIdempotencyKey(ctx, scope, requestHash);
      switch (outcome.kind) {
        case 'claimed':
          request.idempotencyClaim = outcome.claim;
          return;
        case 'replay': {
          const { answer } = outcome;
          if (request.routeOptions.config.answerHoldsSecret === true || (answer.body === '' && answer.statusCode !== 204)) {
            return sendTrackerError(reply, 409, [SECRET_NOT_REPLAYED]);
          }
          reply.header('Idempotent-Replayed', 'true');
          if (answer.contentType !== null) reply.type(answer.contentType);
          return reply.code(answer.statusCode).send(answer.statusCode === 204 ? undefined : answer.body);
        }
        case 'mismatch':
          return sendTrackerError(reply, 422, ['This Idempotency-Key was already used with a different request.'], {
            'Idempotency-Key': 'was already used with a different method, path or body',
          });
        case 'in_progress':
          return sendTrackerError(reply, 409, ['A request with this Idempotency-Key is still being processed; retry later.']);
        case 'response_lost':
          return sendTrackerError(reply, 409, [
            'A request with this Idempotency-Key was carried out, but its response was lost; it will not be carried out again. Read the resource to see the result.',
          ]);
      }
    },

    /** Stores the answer of a request that claimed its key. */
    async store(request: FastifyRequest, reply: FastifyReply, payload: unknown, claim: IdempotencyClaim) {
      request.idempotencyClaim = undefined;
      const contentType = reply.getHeader('content-type');
      // Only the status of an answer holding a secret is kept: enough to know the work was done.
      // A `"token":` key in any answer counts too, should a route forget to say so.
      const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
      const holdsSecret = request.routeOptions.config.answerHoldsSecret === true || SECRET_KEY.test(text);
      try {
        const answer = {
          statusCode: reply.statusCode,
          body: holdsSecret ? '' : text,
          contentType: holdsSecret || typeof contentType !== 'string' ? null : contentType,
        };
        await completeIdempotencyKey(ctx, claim, answer, reply.statusCode >= 200 && reply.statusCode < 300);
      } catch (error) {
        // The write (if any) is committed: answer it. A retry then learns the response was lost.
        request.log.error({ err: error }, 'could not store the response of an idempotent request');
      }
      return payload;
    },
  };
  // Callback hooks, so that the requests without a key (nearly all) pass without a promise each.
  return {
    preHandler(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
      const header = request.headers['idempotency-key'];
      if (header === undefined || !WRITE_METHODS.has(request.method) || READ_ONLY_POST.test(request.url)) return done();
      // A request answered by the claim (a replay, a refusal) goes no further: `done` is not called.
      hooks.claim(request, reply, header).then(() => {
        if (!reply.sent) done();
      }, done);
    },
    onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void): void {
      const claim = request.idempotencyClaim;
      if (claim === undefined) return done(null, payload);
      hooks.store(request, reply, payload, claim).then((stored) => done(null, stored), done);
    },
  };
}
