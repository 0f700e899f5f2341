import type { Kysely } from 'kysely';
import { conflict } from '../domain/errors.js';
import type { Database, IdempotencyKeyTable } from './schema.js';

/**
 * The statements of `Idempotency-Key`s (service/idempotency.ts says when each runs). A key's row is
 * named by organization, token hash and key; only the request that holds it (its `owner`) changes it.
 */

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

/**
 * A finished request's answer, kept for replay. The store and the services keep it as it was
 * given; only the API reads its status and content type.
 */
export interface StoredAnswer {
  statusCode: number;
  body: string;
  contentType: string | null;
}

/** What a key's row says; `answer` once the request's answer was stored (state `done`). */
export interface IdempotencyKeyState {
  requestHash: string;
  state: IdempotencyKeyTable['state'];
  owner: string;
  claimedAt: number;
  answer: StoredAnswer | null;
}

/** The columns naming one key's row: its values on insert, and the filter that finds it. */
const scopeValues = (scope: IdempotencyScope) => ({ orgId: scope.orgId, tokenHash: scope.tokenHash, idempotencyKey: scope.key });

/** Inserts a pending claim unless the key has a row already; answers whether it did. */
export async function insertPendingClaim(db: Kysely<Database>, claim: IdempotencyClaim, requestHash: string, at: number): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotencyKeys')
    .values({
      ...scopeValues(claim),
      requestHash,
      state: 'pending',
      owner: claim.owner,
      claimedAt: at,
      statusCode: null,
      responseBody: null,
      responseType: null,
    })
    .onConflict((oc) => oc.columns(['orgId', 'tokenHash', 'idempotencyKey']).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findIdempotencyKey(db: Kysely<Database>, scope: IdempotencyScope): Promise<IdempotencyKeyState | undefined> {
  const row = await db
    .selectFrom('idempotencyKeys')
    .select(['requestHash', 'state', 'owner', 'claimedAt', 'statusCode', 'responseBody', 'responseType'])
    .where((eb) => eb.and(scopeValues(scope)))
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const { statusCode, responseBody, responseType, ...state } = row;
  const answer = row.state === 'done' && statusCode !== null ? { statusCode, body: responseBody ?? '', contentType: responseType } : null;
  return { ...state, answer };
}

/** Deletes the key's row if `owner` still holds it, in the given state if one is named. */
export async function deleteIdempotencyKey(
  db: Kysely<Database>,
  scope: IdempotencyScope,
  owner: string,
  state?: IdempotencyKeyTable['state'],
): Promise<void> {
  let statement = db
    .deleteFrom('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(scope)))
    .where('owner', '=', owner);
  if (state !== undefined) statement = statement.where('state', '=', state);
  await statement.execute();
}

/** Hands a pending key held by `from` to the claim's owner; answers whether it did. */
export async function takeOverPendingKey(db: Kysely<Database>, claim: IdempotencyClaim, from: string, at: number): Promise<boolean> {
  const taken = await db
    .updateTable('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(claim)))
    .set({ owner: claim.owner, claimedAt: at })
    .where('owner', '=', from)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

/** Marks the claim committed, if its owner still holds it (pending or committed); answers whether it did. */
export async function markIdempotencyKeyCommitted(db: Kysely<Database>, claim: IdempotencyClaim): Promise<boolean> {
  const result = await db
    .updateTable('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(claim)))
    .set({ state: 'committed' })
    .where('owner', '=', claim.owner)
    .where('state', 'in', ['pending', 'committed'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Stores the claimed request's response for replay. */
export async function storeIdempotentResponse(db: Kysely<Database>, claim: IdempotencyClaim, response: StoredAnswer): Promise<void> {
  await db
    .updateTable('idempotencyKeys')
    .where((eb) => eb.and(scopeValues(claim)))
    .set({ state: 'done', statusCode: response.statusCode, responseBody: response.body, responseType: response.contentType })
    .where('owner', '=', claim.owner)
    .execute();
}

/** Drops the keys claimed at or before `claimedBy`. */
export async function deleteIdempotencyKeysClaimedBy(db: Kysely<Database>, claimedBy: number): Promise<void> {
  await db.deleteFrom('idempotencyKeys').where('claimedAt', '<=', claimedBy).execute();
}

/**
 * Marks the claim committed inside the write's own transaction. If the claim is no longer this
 * request's (taken over after its lease ran out), the write is refused and rolls back, so a key
 * never commits two writes. Several transactions of one request may each call it.
 */
export async function commitIdempotencyKey(trx: Kysely<Database>, claim: IdempotencyClaim): Promise<void> {
  if (!(await markIdempotencyKeyCommitted(trx, claim))) {
    throw conflict('Another request with the same Idempotency-Key took over while this one was running; nothing was written.');
  }
}
