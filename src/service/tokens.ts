import { recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import type { Kysely } from 'kysely';
import { invalidField, notFound } from '../domain/errors.js';
import type { Database, Organization, User } from '../store/schema.js';
import { type ParameterOf, prepareQuery } from '../store/prepared-query.js';
import { type Principal, type ServiceContext, actorOf, isAdmin, isOperator } from './context.js';
import { chosenTokenError, hashToken, newToken } from './secrets.js';
import { findUserByLogin, requireAdmin } from './users.js';

/** Stores a token's hash for a user and returns the token in clear (made here unless chosen). */
export async function insertToken(db: Kysely<Database>, userUid: number, now: number, chosen?: string): Promise<string> {
  const token = chosen ?? newToken();
  await db
    .insertInto('tokens')
    .values({ userUid, tokenHash: hashToken(token), createdAt: now, revokedAt: null })
    .execute();
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

/** Every request runs it: compiled once (store/prepared-query.ts). */
const tokenOwner = prepareQuery((db, param: ParameterOf<{ tokenHash: string }>) =>
  db
    .selectFrom('tokens')
    .innerJoin('users', 'users.uid', 'tokens.userUid')
    .innerJoin('organizations', 'organizations.id', 'users.orgId')
    .selectAll('users')
    .select([
      'organizations.id as orgIdentity',
      'organizations.cloudOrgId as orgCloudId',
      'organizations.name as orgName',
      'organizations.createdAt as orgCreatedAt',
    ])
    .where('tokens.tokenHash', '=', param('tokenHash'))
    .where('tokens.revokedAt', 'is', null)
    .where('users.dismissed', '=', 0),
);

/**
 * Finds who a token belongs to. The lookup is by the token's hash, so the database never compares
 * secrets and its timing tells nothing about them.
 */
export async function authenticate(ctx: ServiceContext, token: string): Promise<{ user: User; org: Organization } | undefined> {
  const row = await tokenOwner.first(ctx.store.db, { tokenHash: hashToken(token) });
  if (row === undefined) return undefined;
  const { orgIdentity, orgCloudId, orgName, orgCreatedAt, ...user } = row;
  return { user, org: { id: orgIdentity, cloudOrgId: orgCloudId, name: orgName, createdAt: orgCreatedAt } };
}

/**
 * Revokes one token, named by its value (the only thing its holder knows; ids are never shown). Its
 * owner may revoke it, and so may an admin of the owner's organization, or the operator. Any other
 * token, revoked or unknown, is "not found", so that this cannot be used to learn whether a guessed
 * token exists.
 */
export async function revokeToken(ctx: ServiceContext, principal: Principal, token: string): Promise<void> {
  await writeTransaction(ctx, async (trx) => {
    const row = await trx
      .selectFrom('tokens')
      .innerJoin('users', 'users.uid', 'tokens.userUid')
      .select(['tokens.id', 'users.uid', 'users.orgId', 'users.login'])
      .where('tokens.tokenHash', '=', hashToken(token))
      .where('tokens.revokedAt', 'is', null)
      .executeTakeFirst();
    const allowed =
      row !== undefined &&
      (isOperator(principal) || row.uid === principal.user.uid || (isAdmin(principal) && row.orgId === principal.org.id));
    if (!allowed) throw notFound('No such active token.');
    await trx.updateTable('tokens').set({ revokedAt: ctx.now() }).where('id', '=', row.id).execute();
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
    const result = await trx
      .updateTable('tokens')
      .set({ revokedAt: ctx.now() })
      .where('userUid', '=', user.uid)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    const revoked = Number(result.numUpdatedRows);
    await recordAudit(trx, ctx, orgId, actorOf(principal), { action: 'token.revoke', details: { user: user.login, revoked } });
    return revoked;
  });
}
