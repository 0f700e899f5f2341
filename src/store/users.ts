import { type Kysely, sql } from 'kysely';
import { type ParameterOf, prepareQuery } from './prepared-query.js';
import type { Organization, User } from '../domain/accounts.js';
import type { Database } from './schema.js';

/**
 * The statements of users and their tokens. Callers pass the database or the transaction they
 * write in; logins are looked up by their key (the login lowercased, domain/keys.ts).
 */

/** The uid of the user with this login key in the organization, if any. */
export async function userUidByLoginKey(db: Kysely<Database>, orgId: string, loginKey: string): Promise<number | undefined> {
  const row = await db.selectFrom('users').select('uid').where('orgId', '=', orgId).where('loginKey', '=', loginKey).executeTakeFirst();
  return row?.uid;
}

/** A new user's fields; the store fills in the uid, the passport uid and `dismissed`. */
export type NewUserRow = Omit<User, 'uid' | 'passportUid' | 'dismissed'>;

/** Inserts a user; its passport uid is its uid (Timeport's users have one numeric identity, docs/decisions.md). */
export async function insertUserRow(db: Kysely<Database>, user: NewUserRow): Promise<User> {
  const inserted = await db
    .insertInto('users')
    .values({ ...user, isAdmin: user.isAdmin ? 1 : 0, passportUid: null, dismissed: 0 })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db.updateTable('users').set({ passportUid: inserted.uid }).where('uid', '=', inserted.uid).execute();
  return { ...inserted, passportUid: inserted.uid };
}

// Every import names its author by login: compiled once (prepared-query.ts).
const userByLoginKey = prepareQuery((db, param: ParameterOf<{ orgId: string; loginKey: string }>) =>
  db.selectFrom('users').selectAll().where('orgId', '=', param('orgId')).where('loginKey', '=', param('loginKey')),
);

export async function findUserByLoginKey(db: Kysely<Database>, orgId: string, loginKey: string): Promise<User | undefined> {
  return userByLoginKey.first(db, { orgId, loginKey });
}

export async function findUserByUid(db: Kysely<Database>, orgId: string, uid: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('orgId', '=', orgId).where('uid', '=', uid).executeTakeFirst();
}

export async function findUserByPassportUid(db: Kysely<Database>, orgId: string, passportUid: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('orgId', '=', orgId).where('passportUid', '=', passportUid).executeTakeFirst();
}

/** A user by uid, in any organization (the uid comes from a row already scoped to one); it must exist. */
export async function userByUid(db: Kysely<Database>, uid: number): Promise<User> {
  return db.selectFrom('users').selectAll().where('uid', '=', uid).executeTakeFirstOrThrow();
}

/** One page of the organization's users, by uid, and how many it has. */
export async function pageOfUsers(
  db: Kysely<Database>,
  orgId: string,
  limit: number,
  offset: number,
): Promise<{ users: User[]; total: number }> {
  const [users, count] = await Promise.all([
    db.selectFrom('users').selectAll().where('orgId', '=', orgId).orderBy('uid').limit(limit).offset(offset).execute(),
    db
      .selectFrom('users')
      .select(sql<number | string | bigint>`count(*)`.as('total'))
      .where('orgId', '=', orgId)
      .executeTakeFirstOrThrow(),
  ]);
  return { users, total: Number(count.total) };
}

/** The users a set of rows refers to, in one query. */
export async function usersByUid(db: Kysely<Database>, uids: Iterable<number>): Promise<Map<number, User>> {
  const unique = [...new Set(uids)];
  if (unique.length === 0) return new Map();
  const users = await db.selectFrom('users').selectAll().where('uid', 'in', unique).execute();
  return new Map(users.map((user) => [user.uid, user]));
}

/** Stores a token's hash for a user. */
export async function insertTokenRow(db: Kysely<Database>, userUid: number, tokenHash: string, createdAt: number): Promise<void> {
  await db.insertInto('tokens').values({ userUid, tokenHash, createdAt, revokedAt: null }).execute();
}

/**
 * Every request runs it: compiled once (prepared-query.ts). The token is a subquery, not a join:
 * SQLite ran the three-table join several times more slowly (BENCHMARKS.md, "The token's owner").
 */
const tokenOwner = prepareQuery((db, param: ParameterOf<{ tokenHash: string }>) =>
  db
    .selectFrom('users')
    .innerJoin('organizations', 'organizations.id', 'users.orgId')
    .selectAll('users')
    .select([
      'organizations.id as orgIdentity',
      'organizations.cloudOrgId as orgCloudId',
      'organizations.name as orgName',
      'organizations.createdAt as orgCreatedAt',
    ])
    .where('users.uid', '=', (eb) =>
      eb
        .selectFrom('tokens')
        .select('tokens.userUid')
        .where('tokens.tokenHash', '=', param('tokenHash'))
        .where('tokens.revokedAt', 'is', null),
    )
    // A constant of the statement, not a parameter: the flag is read as a boolean (domain-values.ts).
    .where(sql<boolean>`users.dismissed = 0`),
);

/** The active user an active token belongs to, with the user's organization. */
export interface TokenOwner {
  user: User;
  org: Organization;
}

/** The active user an active token (by its hash) belongs to, with the user's organization. */
export async function findTokenOwner(db: Kysely<Database>, tokenHash: string): Promise<TokenOwner | undefined> {
  const row = await tokenOwner.first(db, { tokenHash });
  if (row === undefined) return undefined;
  const { orgIdentity, orgCloudId, orgName, orgCreatedAt, ...user } = row;
  return { user, org: { id: orgIdentity, cloudOrgId: orgCloudId, name: orgName, createdAt: orgCreatedAt } };
}

/** An active token (by its hash) with its owner's uid, organization and login. */
export async function findActiveToken(
  db: Kysely<Database>,
  tokenHash: string,
): Promise<{ id: number; uid: number; orgId: string; login: string } | undefined> {
  return db
    .selectFrom('tokens')
    .innerJoin('users', 'users.uid', 'tokens.userUid')
    .select(['tokens.id', 'users.uid', 'users.orgId', 'users.login'])
    .where('tokens.tokenHash', '=', tokenHash)
    .where('tokens.revokedAt', 'is', null)
    .executeTakeFirst();
}

export async function revokeTokenById(db: Kysely<Database>, id: number, at: number): Promise<void> {
  await db.updateTable('tokens').set({ revokedAt: at }).where('id', '=', id).execute();
}

/** Revokes every active token of a user; answers how many. */
export async function revokeTokensOfUser(db: Kysely<Database>, userUid: number, at: number): Promise<number> {
  const result = await db
    .updateTable('tokens')
    .set({ revokedAt: at })
    .where('userUid', '=', userUid)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
