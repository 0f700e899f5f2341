import type { DbHandle, Store } from '../store/database.js';
import type { Organization, User } from '../domain/accounts.js';
import type { IdempotencyClaim } from '../store/idempotency-keys.js';
import type { CatalogReads } from '../store/catalog-cache.js';

/** What every service call needs: the store, and a clock tests can set. */
export interface ServiceContext {
  readonly store: Store;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /**
   * The idempotency claim of the request being served, if it sent an `Idempotency-Key`; set by the
   * API layer, read by `writeTransaction` to commit the claim with the write.
   */
  readonly idempotencyClaim?: () => IdempotencyClaim | undefined;
  /** The id of the request being served (`X-Request-Id`), for the audit log; set by the API layer. */
  readonly requestId?: () => string | undefined;
  /** The server's own id of that request (the caller chooses `X-Request-Id`); set by the API layer. */
  readonly serverRequestId?: () => string | undefined;
}

/** The authenticated user making a request, in the organization the request names. */
export interface Caller {
  readonly org: Organization;
  readonly user: User;
  /**
   * The catalog's reads as fresh as this caller's authentication (store/catalog-cache.ts), for
   * the reads an operation makes before its write (the single import). Without them, operations
   * read the database.
   */
  readonly reads?: CatalogReads;
}

export const isAdmin = (caller: Caller): boolean => caller.user.isAdmin;

/**
 * Whoever runs the `timeport` command on the server's own machine: they hold the database itself, so
 * they may manage any organization, and the audit log names no user for them. Only the CLI acts as it;
 * a request over the API is always a `Caller`.
 */
export interface Operator {
  readonly kind: 'operator';
}
export const OPERATOR: Operator = Object.freeze({ kind: 'operator' });

/** Who asks for an operation: a caller authenticated by a token, or the operator. */
export type Principal = Caller | Operator;

export const isOperator = (principal: Principal): principal is Operator => 'kind' in principal && principal.kind === 'operator';

/** The user the audit log names for an operation: none for the operator. */
export const actorOf = (principal: Principal): User | undefined => (isOperator(principal) ? undefined : principal.user);

/**
 * Runs a write in one transaction; when the request holds an idempotency claim, the claim commits
 * in the same transaction (Store.inWriteTransaction). Every service that creates, changes or
 * removes data writes through this. It resolves only after the commit (on SQLite, the commit of
 * the group the write shares).
 */
export async function writeTransaction<T>(ctx: ServiceContext, work: (trx: DbHandle) => Promise<T>): Promise<T> {
  return ctx.store.inWriteTransaction(work, ctx.idempotencyClaim?.());
}
