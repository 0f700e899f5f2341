import { recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { invalidField, notFound } from '../domain/errors.js';
import type { DbHandle } from '../store/database.js';
import { findActiveToken, insertTokenRow, revokeTokenById, revokeTokensOfUser } from '../store/users.js';
import { type Caller, type Principal, type ServiceContext, actorOf, isAdmin, isOperator } from './context.js';
import { chosenTokenError, hashToken, newToken } from './secrets.js';
import { findUserByLogin, requireAdmin } from './users.js';

/** Stores a token's hash for a user and returns the token in clear (made here unless chosen). */
export async function insertToken(db: DbHandle, userUid: number, now: number, chosen?: string): Promise<string> {
  const token = chosen ?? newToken();
  await insertTokenRow(db, userUid, hashToken(token), now);
  return token;
}

/**
 * Issues a token for a user of an organization: an administrator of that organization, or the
 * operator (the CLI's `token create`, which may also choose the token). The audit event names the
 * user, never the token.
 */
export async function issueToken(
  ctx: ServiceContext,
  principal: Principal,
  orgId: string,
  login: string,
  chosen?: string,
): Promise<string> {
  requireAdmin(principal, 'issue tokens', orgId);
  if (chosen !== undefined) {
    const error = chosenTokenError(chosen);
    if (error !== undefined) throw invalidField('token', error);
  }
  return writeTransaction(ctx, async (trx) => {
    const user = await findUserByLogin(trx, orgId, login);
    if (user === undefined) throw notFound(`User ${login} does not exist in organization ${orgId}.`);
    const token = await insertToken(trx, user.uid, ctx.now(), chosen);
    await recordAudit(trx, ctx, orgId, actorOf(principal), { action: 'token.create', details: { user: user.login } });
    return token;
  });
}

/**
 * Finds who a token belongs to. The lookup is by the token's hash, so neither the database nor
 * the catalog cache compares secrets and their timing tells nothing about them. The caller
 * carries the catalog's reads as fresh as this lookup (store/catalog-cache.ts).
 */
export async function authenticate(ctx: ServiceContext, token: string): Promise<Caller | undefined> {
  const reads = await ctx.store.catalog.reads();
  const owner = await reads.tokenOwner(hashToken(token));
  return owner === undefined ? undefined : { user: owner.user, org: owner.org, reads };
}

/**
 * Revokes one token, named by its value (the only thing its holder knows; ids are never shown). Its
 * owner may revoke it, and so may an admin of the owner's organization, or the operator. Any other
 * token, revoked or unknown, is "not found", so that this cannot be used to learn whether a guessed
 * token exists.
 */
export async function revokeToken(ctx: ServiceContext, principal: Principal, token: string): Promise<void> {
  await writeTransaction(ctx, async (trx) => {
    const row = await findActiveToken(trx, hashToken(token));
    const allowed =
      row !== undefined &&
      (isOperator(principal) || row.uid === principal.user.uid || (isAdmin(principal) && row.orgId === principal.org.id));
    if (!allowed) throw notFound('No such active token.');
    await revokeTokenById(trx, row.id, ctx.now());
    await recordAudit(trx, ctx, row.orgId, actorOf(principal), { action: 'token.revoke', details: { user: row.login, revoked: 1 } });
  });
}

/**
 * Revokes every active token of a user (an admin's or the operator's tool for someone who left, or
 * a leaked token of unknown value). Answers how many were revoked.
 */
export async function revokeUserTokens(ctx: ServiceContext, principal: Principal, orgId: string, login: string): Promise<number> {
  requireAdmin(principal, 'revoke the tokens of a user', orgId);
  return writeTransaction(ctx, async (trx) => {
    const user = await findUserByLogin(trx, orgId, login);
    if (user === undefined) throw notFound(`User ${login} does not exist in organization ${orgId}.`);
    const revoked = await revokeTokensOfUser(trx, user.uid, ctx.now());
    await recordAudit(trx, ctx, orgId, actorOf(principal), { action: 'token.revoke', details: { user: user.login, revoked } });
    return revoked;
  });
}
