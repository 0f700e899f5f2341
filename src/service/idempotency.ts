import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { conflict } from '../domain/errors.js';
import type { Database } from '../store/schema.js';
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

export interface IdempotencyScope {
  orgId: string;
  /** SHA-256 of the caller's token: keys of different tokens never meet. */
  tokenHash: string;
  key: string;
}

/** A key this request holds: only the owner may commit or complete it. */
export interface IdempotencyClaim extends IdempotencyScope {
  owner: string;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'replay'; statusCode: number; body: string; contentType: string | null }
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
    const owner = randomUUID();
    const inserted = await db
      .insertInto('idempotencyKeys')
      .values({
        ...scopeValues(scope),
        requestHash,
        state: 'pending',
        owner,
        claimedAt: now,
        statusCode: null,
        responseBody: null,
        responseType: null,
      })
      .onConflict((oc) => oc.columns(['orgId', 'tokenHash', 'idempotencyKey']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { kind: 'claimed', claim: { ...scope, owner } };

    const row = await db
      .selectFrom('idempotencyKeys')
      .selectAll()
      .where((eb) => eb.and(scopeValues(scope)))
      .executeTakeFirst();
    if (row === undefined) continue; // released or swept meanwhile: claim again
    if (row.claimedAt + IDEMPOTENCY_TTL_MS <= now) {
      await db
        .deleteFrom('idempotencyKeys')
        .where((eb) => eb.and(scopeValues(scope)))
        .where('owner', '=', row.owner)
        .execute();
      continue;
    }
    if (row.requestHash !== requestHash) return { kind: 'mismatch' };
    if (row.state === 'done') {
      return { kind: 'replay', statusCode: row.statusCode ?? 200, body: row.responseBody ?? '', contentType: row.responseType };
    }
    if (row.state === 'pending' && row.claimedAt + CLAIM_LEASE_MS <= now) {
      // Its request died before committing anything: take the key over.
      const taken = await db
        .updateTable('idempotencyKeys')
        .where((eb) => eb.and(scopeValues(scope)))
        .set({ owner, claimedAt: now })
        .where('owner', '=', row.owner)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return { kind: 'claimed', claim: { ...scope, owner } };
      continue;
    }
    if (Date.now() >= deadline) {
      return row.state === 'committed' && row.claimedAt + CLAIM_LEASE_MS <= now ? { kind: 'response_lost' } : { kind: 'in_progress' };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Marks the claim committed inside the write's own transaction. If the claim is no longer this
 * request's (taken over after its lease ran out), the write is refused and rolls back, so a key
 * never commits two writes. Several transactions of one request may each call it.
 */
export async function commitIdempotencyKey(trx: Kysely<Database>, claim: IdempotencyClaim): Promise<void> {
  const result = await trx
    .updateTable('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(claim)))
    .set({ state: 'committed' })
    .where('owner', '=', claim.owner)
    .where('state', 'in', ['pending', 'committed'])
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw conflict('Another request with the same Idempotency-Key took over while this one was running; nothing was written.');
  }
}

/**
 * Stores the response of a claimed request. A success, or anything after a commit, is kept for
 * replay. A refusal before any commit releases the key, so a corrected retry runs afresh.
 */
export async function completeIdempotencyKey(
  ctx: ServiceContext,
  claim: IdempotencyClaim,
  response: { statusCode: number; body: string; contentType: string | null },
): Promise<void> {
  const db = ctx.store.db;
  const row = await db
    .selectFrom('idempotencyKeys')
    .select(['state', 'owner'])
    .where((eb) => eb.and(scopeValues(claim)))
    .executeTakeFirst();
  if (row === undefined || row.owner !== claim.owner) return;
  const keep = row.state === 'committed' || (response.statusCode >= 200 && response.statusCode < 300);
  if (!keep) {
    await db
      .deleteFrom('idempotencyKeys')
      .where((eb) => eb.and(scopeValues(claim)))
      .where('owner', '=', claim.owner)
      .where('state', '=', 'pending')
      .execute();
    return;
  }
  await db
    .updateTable('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(claim)))
    .set({ state: 'done', statusCode: response.statusCode, responseBody: response.body, responseType: response.contentType })
    .where('owner', '=', claim.owner)
    .execute();
}

/**
 * Runs a write in one transaction; when the request holds an idempotency claim, the claim commits
 * in the same transaction. Every service that creates, changes or removes data writes through this.
 * It resolves only after the commit (on SQLite, the commit of the group the write shares).
 */
export async function writeTransaction<T>(ctx: ServiceContext, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return ctx.store.inWriteTransaction(async (trx) => {
    const result = await work(trx);
    const claim = ctx.idempotencyClaim?.();
    if (claim !== undefined) await commitIdempotencyKey(trx, claim);
    return result;
  });
}

/** The columns naming one key's row: its values on insert, and the filter that finds it. */
const scopeValues = (scope: IdempotencyScope) => ({ orgId: scope.orgId, tokenHash: scope.tokenHash, idempotencyKey: scope.key });

const lastSweep = new WeakMap<Kysely<Database>, number>();

/** Drops expired keys, at most once a minute per database handle. */
async function sweepExpiredKeys(ctx: ServiceContext): Promise<void> {
  const now = ctx.now();
  const last = lastSweep.get(ctx.store.db) ?? 0;
  if (now - last < 60_000 && now >= last) return;
  lastSweep.set(ctx.store.db, now);
  await ctx.store.db
    .deleteFrom('idempotencyKeys')
    .where('claimedAt', '<=', now - IDEMPOTENCY_TTL_MS)
    .execute();
}
