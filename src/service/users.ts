import { type AuditEvent, recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { conflict, forbidden, notFound, refusalProblem } from '../domain/errors.js';
import { type FieldRefusal, type Result, accepted, checkFields, refused, ruleResult } from '../domain/result.js';
import { LOGIN_PATTERN, LOGIN_RULE, isNumericId, loginKey } from '../domain/keys.js';
import type { DbHandle } from '../store/database.js';
import type { CatalogReads } from '../store/catalog-cache.js';
import type { User } from '../domain/accounts.js';
import * as userStore from '../store/users.js';
import { type Principal, type ServiceContext, actorOf, isAdmin, isOperator } from './context.js';
import { newCloudUid } from './secrets.js';
import { organizationExists } from '../store/organizations.js';

export interface NewUserFields {
  login: string;
  display?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | undefined;
  isAdmin?: boolean | undefined;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;
const MAX_NAME_LENGTH = 255;

/** Checks a new user's fields; the same rules for the API and the command line. */
function checkNewUser(fields: NewUserFields): Result<unknown, FieldRefusal> {
  const name = (value: string | undefined) =>
    ruleResult(
      value !== undefined && (value.trim() === '' || value.length > MAX_NAME_LENGTH)
        ? `must be 1 to ${MAX_NAME_LENGTH} characters and not blank`
        : undefined,
    );
  const email = fields.email;
  return checkFields({
    login: ruleResult(LOGIN_PATTERN.test(fields.login) ? undefined : `${JSON.stringify(fields.login)} is not a valid login: ${LOGIN_RULE}`),
    email: ruleResult(
      email !== undefined && (!EMAIL_PATTERN.test(email) || email.length > MAX_NAME_LENGTH)
        ? `${JSON.stringify(email)} is not an e-mail address`
        : undefined,
    ),
    display: name(fields.display),
    firstName: name(fields.firstName),
    lastName: name(fields.lastName),
  });
}

/** Adds a user to an organization inside an open transaction (organization bootstrap uses it too). */
export async function insertUser(db: DbHandle, orgId: string, fields: NewUserFields, now: number): Promise<User> {
  const checked = checkNewUser(fields);
  if (!checked.ok) throw refusalProblem(checked.error);
  const key = loginKey(fields.login);
  if ((await userStore.userUidByLoginKey(db, orgId, key)) !== undefined) {
    throw conflict(`User ${fields.login} already exists in this organization.`, { login: 'is already taken' });
  }
  const firstName = fields.firstName ?? '';
  const lastName = fields.lastName ?? '';
  const display = fields.display ?? (`${firstName} ${lastName}`.trim() || fields.login);
  return userStore.insertUserRow(db, {
    orgId,
    login: fields.login,
    loginKey: key,
    display,
    firstName,
    lastName,
    email: fields.email ?? null,
    isAdmin: fields.isAdmin === true,
    cloudUid: newCloudUid(),
    createdAt: now,
  });
}

/**
 * Adds a user to an organization: an administrator of that organization, or the operator (the CLI's
 * `user create`).
 */
export async function createUser(ctx: ServiceContext, principal: Principal, orgId: string, fields: NewUserFields): Promise<User> {
  requireAdmin(principal, 'add users', orgId);
  return writeTransaction(ctx, async (trx) => {
    if (isOperator(principal)) {
      if (!(await organizationExists(trx, orgId))) throw notFound(`Organization ${orgId} does not exist.`);
    }
    const user = await insertUser(trx, orgId, fields, ctx.now());
    await recordAudit(trx, ctx, orgId, actorOf(principal), userCreated(user));
    return user;
  });
}

const userCreated = (user: User): AuditEvent => ({ action: 'user.create', details: { login: user.login, isAdmin: user.isAdmin } });

/**
 * Refuses anyone but an administrator of the organization (`orgId`, by default the caller's own);
 * the operator may act in any organization.
 */
export function requireAdmin(principal: Principal, action: string, orgId?: string): void {
  if (isOperator(principal)) return;
  if (!isAdmin(principal) || (orgId !== undefined && principal.org.id !== orgId))
    throw forbidden(`Only an organization administrator can ${action}.`);
}

/**
 * Finds a user by the path segment Tracker accepts: a login, a numeric uid, or `login:<login>` for
 * logins made only of digits.
 */
export async function findUserByPathRef(ctx: ServiceContext, orgId: string, ref: string): Promise<User> {
  let user: User | undefined;
  if (ref.startsWith('login:')) user = await findUserByLogin(ctx.store.db, orgId, ref.slice('login:'.length));
  else if (isNumericId(ref)) user = await findUserByNumber(ctx.store.db, orgId, Number(ref));
  else user = await findUserByLogin(ctx.store.db, orgId, ref);
  if (user === undefined) throw notFound('User does not exist.');
  return user;
}

export async function findUserByLogin(db: DbHandle, orgId: string, login: string): Promise<User | undefined> {
  return userStore.findUserByLoginKey(db, orgId, loginKey(login));
}

/** A numeric user reference is a uid first, then a passport uid (docs/tracker-api.md §Users). */
export async function findUserByNumber(db: DbHandle, orgId: string, id: number): Promise<User | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  return (await userStore.findUserByUid(db, orgId, id)) ?? userStore.findUserByPassportUid(db, orgId, id);
}

/**
 * How Tracker bodies name a user: a login (string), an id (number), or the object the official
 * client sends for a user (`{"id": ...}` or `{"login": ...}`).
 */
export type UserReference = string | number | { id?: string | number; login?: string };

/**
 * The user a reference names. With `reads` (store/catalog-cache.ts), a login is looked up through
 * them; a number always in the database.
 */
export async function resolveUserReference(
  db: DbHandle,
  orgId: string,
  reference: UserReference,
  reads?: CatalogReads,
): Promise<User | undefined> {
  const byLogin = (login: string) =>
    reads === undefined ? findUserByLogin(db, orgId, login) : reads.userByLoginKey(orgId, loginKey(login));
  if (typeof reference === 'string') return byLogin(reference);
  if (typeof reference === 'number') return findUserByNumber(db, orgId, reference);
  if (reference.login !== undefined) return byLogin(reference.login);
  if (typeof reference.id === 'number') return findUserByNumber(db, orgId, reference.id);
  if (typeof reference.id === 'string') {
    return isNumericId(reference.id) ? findUserByNumber(db, orgId, Number(reference.id)) : byLogin(reference.id);
  }
  return undefined;
}

/** A user named in a request body, or its field's message when the organization has none such. */
export async function userReference(db: DbHandle, orgId: string, reference: UserReference, reads?: CatalogReads): Promise<Result<User>> {
  const user = await resolveUserReference(db, orgId, reference, reads);
  return user === undefined ? refused(`user ${JSON.stringify(reference)} does not exist in this organization`) : accepted(user);
}

export interface Page {
  page: number;
  perPage: number;
}

export async function listUsers(ctx: ServiceContext, orgId: string, page: Page): Promise<{ users: User[]; total: number }> {
  return userStore.pageOfUsers(ctx.store.db, orgId, page.perPage, (page.page - 1) * page.perPage);
}

/** Loads the users a set of rows refers to, in one query. */
export async function loadUsers(db: DbHandle, uids: Iterable<number>): Promise<Map<number, User>> {
  return userStore.usersByUid(db, uids);
}
