import { randomUUID } from 'node:crypto';
import type { DbHandle } from '../store/database.js';
import {
  type IdempotencyClaim,
  type IdempotencyScope,
  type StoredAnswer,
  deleteIdempotencyKey,
  deleteIdempotencyKeysClaimedBy,
  findIdempotencyKey,
  insertPendingClaim,
  takeOverPendingKey,
  storeIdempotentResponse,
} from '../store/idempotency-keys.js';
import type { ServiceContext } from './context.js';

/**
 * Idempotent writes (a Timeport extension; Tracker ignores the header). A request with an
 * `Idempotency-Key` first claims the key (its own small transaction), then does its work; the
 * write's transaction marks the key `committed` together with the write, so the write and "this
 * key was used" are one atomic fact. The response is stored once it is known and replayed to any
 * retry within 24 hours. A claim whose request died before committing can be taken over after a
 * lease; one that committed never runs again.
 */

/** How long a key's stored response is replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A pending claim older than this belongs to a request that died (or is hopelessly stuck). */
export const CLAIM_LEASE_MS = 60_000;
/** How long a retry waits for the first request with its key to finish, before it is refused as a conflict. */
export const WAIT_FOR_FIRST_MS = 10_000;
const POLL_MS = 25;

export { type IdempotencyClaim, type IdempotencyScope, type StoredAnswer, commitIdempotencyKey } from '../store/idempotency-keys.js';

export type ClaimOutcome =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' }
  | { kind: 'response_lost' };

/**
 * Claims a key for a request, or says what to answer instead: the stored response (same request,
 * already done), a mismatch (another request used the key), in progress (still running after
 * waiting), or lost (the first request committed but died before its response was stored).
 */
export async function claimIdempotencyKey(
  ctx: ServiceContext,
  scope: IdempotencyScope,
  requestHash: string,
  waitMs = WAIT_FOR_FIRST_MS,
): Promise<ClaimOutcome> {
  const db = ctx.store.db;
  const deadline = Date.now() + waitMs;
  await sweepExpiredKeys(ctx);
  for (;;) {
    const now = ctx.now();
    const claim: IdempotencyClaim = { ...scope, owner: randomUUID() };
    if (await insertPendingClaim(db, claim, requestHash, now)) return { kind: 'claimed', claim };

    const row = await findIdempotencyKey(db, scope);
    if (row === undefined) continue; // released or swept meanwhile: claim again
    if (row.claimedAt + IDEMPOTENCY_TTL_MS <= now) {
      await deleteIdempotencyKey(db, scope, row.owner);
      continue;
    }
    if (row.requestHash !== requestHash) return { kind: 'mismatch' };
    if (row.answer !== null) return { kind: 'replay', answer: row.answer };
    if (row.state === 'pending' && row.claimedAt + CLAIM_LEASE_MS <= now) {
      // Its request died before committing anything: take the key over.
      if (await takeOverPendingKey(db, claim, row.owner, now)) return { kind: 'claimed', claim };
      continue;
    }
    if (Date.now() >= deadline) {
      return row.state === 'committed' && row.claimedAt + CLAIM_LEASE_MS <= now ? { kind: 'response_lost' } : { kind: 'in_progress' };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Stores the answer of a claimed request. A success, or anything after a commit, is kept for
 * replay. A refusal before any commit releases the key, so a corrected retry runs afresh.
 */
export async function completeIdempotencyKey(
  ctx: ServiceContext,
  claim: IdempotencyClaim,
  answer: StoredAnswer,
  succeeded: boolean,
): Promise<void> {
  const db = ctx.store.db;
  const row = await findIdempotencyKey(db, claim);
  if (row === undefined || row.owner !== claim.owner) return;
  if (row.state !== 'committed' && !succeeded) {
    await deleteIdempotencyKey(db, claim, claim.owner, 'pending');
    return;
  }
  await storeIdempotentResponse(db, claim, answer);
}

// Every write service imports them from here; they live with the context they read.
export { writeTransaction } from './context.js';

const lastSweep = new WeakMap<DbHandle, number>();

/** Drops expired keys, at most once a minute per database handle. */
async function sweepExpiredKeys(ctx: ServiceContext): Promise<void> {
  const now = ctx.now();
  const last = lastSweep.get(ctx.store.db) ?? 0;
  if (now - last < 60_000 && now >= last) return;
  lastSweep.set(ctx.store.db, now);
  await deleteIdempotencyKeysClaimedBy(ctx.store.db, now - IDEMPOTENCY_TTL_MS);
}
