import { type AuditEvent, recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { type Kysely, sql } from 'kysely';
import { conflict, forbidden, invalidFields, notFound } from '../domain/errors.js';
import { LOGIN_PATTERN, LOGIN_RULE, isNumericId, loginKey } from '../domain/keys.js';
import type { Database, User } from '../store/schema.js';
import { type ParameterOf, prepareQuery } from '../store/prepared-query.js';
import { type Principal, type ServiceContext, actorOf, isAdmin, isOperator } from './context.js';
import { newCloudUid } from './secrets.js';

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

/** Checks a new user's fields; the same rules for the HTTP extension and the CLI. */
export function newUserErrors(fields: NewUserFields): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!LOGIN_PATTERN.test(fields.login)) errors.login = `${JSON.stringify(fields.login)} is not a valid login: ${LOGIN_RULE}`;
  if (fields.email !== undefined && (!EMAIL_PATTERN.test(fields.email) || fields.email.length > MAX_NAME_LENGTH)) {
    errors.email = `${JSON.stringify(fields.email)} is not an e-mail address`;
  }
  for (const field of ['display', 'firstName', 'lastName'] as const) {
    const value = fields[field];
    if (value !== undefined && (value.trim() === '' || value.length > MAX_NAME_LENGTH)) {
      errors[field] = `must be 1 to ${MAX_NAME_LENGTH} characters and not blank`;
    }
  }
  return errors;
}

/** Adds a user to an organization inside an open transaction (organization bootstrap uses it too). */
export async function insertUser(db: Kysely<Database>, orgId: string, fields: NewUserFields, now: number): Promise<User> {
  const errors = newUserErrors(fields);
  if (Object.keys(errors).length > 0) throw invalidFields(errors);
  const existing = await db
    .selectFrom('users')
    .select('uid')
    .where('orgId', '=', orgId)
    .where('loginKey', '=', loginKey(fields.login))
    .executeTakeFirst();
  if (existing !== undefined) {
    throw conflict(`User ${fields.login} already exists in this organization.`, { login: 'is already taken' });
  }
  const firstName = fields.firstName ?? '';
  const lastName = fields.lastName ?? '';
  const display = fields.display ?? (`${firstName} ${lastName}`.trim() || fields.login);
  const inserted = await db
    .insertInto('users')
    .values({
      orgId,
      login: fields.login,
      loginKey: loginKey(fields.login),
      display,
      firstName,
      lastName,
      email: fields.email ?? null,
      isAdmin: fields.isAdmin === true ? 1 : 0,
      passportUid: null,
      cloudUid: newCloudUid(),
      dismissed: 0,
      createdAt: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  // Timeport's users have one numeric identity: the passport uid is the uid (docs/decisions.md).
  await db.updateTable('users').set({ passportUid: inserted.uid }).where('uid', '=', inserted.uid).execute();
  return { ...inserted, passportUid: inserted.uid };
}

/**
 * Adds a user to an organization: an administrator of that organization, or the operator (the CLI's
 * `user create`).
 */
export async function createUser(ctx: ServiceContext, principal: Principal, orgId: string, fields: NewUserFields): Promise<User> {
  requireAdmin(principal, 'add users', orgId);
  return writeTransaction(ctx, async (trx) => {
    if (isOperator(principal)) {
      const org = await trx.selectFrom('organizations').select('id').where('id', '=', orgId).executeTakeFirst();
      if (org === undefined) throw notFound(`Organization ${orgId} does not exist.`);
    }
    const user = await insertUser(trx, orgId, fields, ctx.now());
    await recordAudit(trx, ctx, orgId, actorOf(principal), userCreated(user));
    return user;
  });
}

const userCreated = (user: User): AuditEvent => ({ action: 'user.create', details: { login: user.login, isAdmin: user.isAdmin === 1 } });

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

// Every import names its author by login: compiled once (store/prepared-query.ts).
const userByLoginKey = prepareQuery((db, param: ParameterOf<{ orgId: string; loginKey: string }>) =>
  db.selectFrom('users').selectAll().where('orgId', '=', param('orgId')).where('loginKey', '=', param('loginKey')),
);

export async function findUserByLogin(db: Kysely<Database>, orgId: string, login: string): Promise<User | undefined> {
  return userByLoginKey.first(db, { orgId, loginKey: loginKey(login) });
}

/** A numeric user reference is a uid first, then a passport uid (docs/tracker-api.md §Users). */
export async function findUserByNumber(db: Kysely<Database>, orgId: string, id: number): Promise<User | undefined> {
  if (!Number.isSafeInteger(id)) return undefined;
  const byUid = await db.selectFrom('users').selectAll().where('orgId', '=', orgId).where('uid', '=', id).executeTakeFirst();
  if (byUid !== undefined) return byUid;
  return db.selectFrom('users').selectAll().where('orgId', '=', orgId).where('passportUid', '=', id).executeTakeFirst();
}

/**
 * How Tracker bodies name a user: a login (string), an id (number), or the object the official
 * client sends for a user (`{"id": ...}` or `{"login": ...}`).
 */
export type UserReference = string | number | { id?: string | number; login?: string };

export async function resolveUserReference(db: Kysely<Database>, orgId: string, reference: UserReference): Promise<User | undefined> {
  if (typeof reference === 'string') return findUserByLogin(db, orgId, reference);
  if (typeof reference === 'number') return findUserByNumber(db, orgId, reference);
  if (reference.login !== undefined) return findUserByLogin(db, orgId, reference.login);
  if (typeof reference.id === 'number') return findUserByNumber(db, orgId, reference.id);
  if (typeof reference.id === 'string') {
    return isNumericId(reference.id) ? findUserByNumber(db, orgId, Number(reference.id)) : findUserByLogin(db, orgId, reference.id);
  }
  return undefined;
}

/** Resolves a user reference from a request body, or reports it as that field's error. */
export async function requireUserReference(
  db: Kysely<Database>,
  orgId: string,
  field: string,
  reference: UserReference,
  errors: Record<string, string>,
): Promise<User | undefined> {
  const user = await resolveUserReference(db, orgId, reference);
  if (user === undefined) errors[field] = `user ${JSON.stringify(reference)} does not exist in this organization`;
  return user;
}

export interface Page {
  page: number;
  perPage: number;
}

export async function listUsers(ctx: ServiceContext, orgId: string, page: Page): Promise<{ users: User[]; total: number }> {
  const db = ctx.store.db;
  const [users, count] = await Promise.all([
    db
      .selectFrom('users')
      .selectAll()
      .where('orgId', '=', orgId)
      .orderBy('uid')
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute(),
    db
      .selectFrom('users')
      .select(sql<number>`count(*)`.as('total'))
      .where('orgId', '=', orgId)
      .executeTakeFirstOrThrow(),
  ]);
  return { users, total: Number(count.total) };
}

/** Loads the users a set of rows refers to, in one query. */
export async function loadUsers(db: Kysely<Database>, uids: Iterable<number>): Promise<Map<number, User>> {
  const unique = [...new Set(uids)];
  if (unique.length === 0) return new Map();
  const users = await db.selectFrom('users').selectAll().where('uid', 'in', unique).execute();
  return new Map(users.map((user) => [user.uid, user]));
}
