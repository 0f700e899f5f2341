import type { Kysely } from 'kysely';
import type { User } from '../domain/accounts.js';
import type { IssueForWorklog, IssueWithoutSpent } from '../domain/issue.js';
import { prepareQuery } from './prepared-query.js';
import type { Database } from './schema.js';
import { findIssueWithoutSpentById, findIssueWithoutSpentByKey } from './issues.js';
import { type TokenOwner, findTokenOwner, findUserByLoginKey } from './users.js';

/**
 * The catalog cache (issue 19, point 3): the rows every single import reads and that seldom
 * change, kept in memory: the token's owner, the author by login, the issue's reference and
 * lifetime. Those three reads were a quarter of a single import's CPU on SQLite and three of its
 * four round trips on PostgreSQL (BENCHMARKS.md, "The catalog cache").
 *
 * Kept rows are as fresh as a read. A request first reads the catalog's epoch (one tiny row), a
 * counter that triggers move whenever a row the cache keeps changes, in any process writing the
 * database (migration 0013 says which changes). Requests that arrive while a read of it is under
 * way share the next one, which starts when that one ends: after each of them arrived, so it is as
 * fresh for each as a read of its own, and under load one read serves many requests (on
 * PostgreSQL, one round trip instead of one per request). SQLite answers a read at once, so the
 * requests that come after the first read of a turn of the event loop share one at the turn's end. A request whose epoch differs from the one the
 * kept rows were read at empties the cache and reads again; a row read under an epoch is kept only
 * while the cache is still at that epoch, so a row read before a change is never kept after it.
 * Nothing "not found" is kept: a new row cannot make a kept one wrong.
 *
 * The answers are frozen and shared by every request: nobody may change them.
 */

/** The catalog's reads a request makes, from the cache or from the database (`CatalogCache.direct`). */
export interface CatalogReads {
  tokenOwner(tokenHash: string): Promise<TokenOwner | undefined>;
  /** By the login's key (domain/keys.ts). */
  userByLoginKey(orgId: string, loginKey: string): Promise<User | undefined>;
  issueById(orgId: string, id: string): Promise<IssueForWorklog | undefined>;
  /** By its key as stored. */
  issueByKey(orgId: string, key: string): Promise<IssueForWorklog | undefined>;
}

/** Entries kept per kind at most; past that the kind is emptied, so memory stays bounded. */
export const CATALOG_CACHE_ENTRIES = 10_000;

const catalogEpoch = prepareQuery((db) => db.selectFrom('catalogEpoch').select('epoch').where('id', '=', 1));

/** The epoch as a number (PostgreSQL's bigint may arrive as text). */
export async function readCatalogEpoch(db: Kysely<Database>): Promise<number> {
  const row = await catalogEpoch.one(db, {});
  return Number(row.epoch);
}

const issueForWorklog = (issue: IssueWithoutSpent | undefined): IssueForWorklog | undefined =>
  issue === undefined
    ? undefined
    : { id: issue.id, orgId: issue.orgId, key: issue.key, summary: issue.summary, createdAt: issue.createdAt, updatedAt: issue.updatedAt };

/** The reads straight from the database. */
function directCatalogReads(db: Kysely<Database>): CatalogReads {
  return {
    tokenOwner: (tokenHash) => findTokenOwner(db, tokenHash),
    userByLoginKey: (orgId, loginKey) => findUserByLoginKey(db, orgId, loginKey),
    issueById: async (orgId, id) => issueForWorklog(await findIssueWithoutSpentById(db, orgId, id)),
    issueByKey: async (orgId, key) => issueForWorklog(await findIssueWithoutSpentByKey(db, orgId, key)),
  };
}

export class CatalogCache {
  /** The epoch the kept rows were read at; undefined before the first request. */
  private epoch: number | undefined;
  private readonly kept = {
    tokenOwner: new Map<string, TokenOwner>(),
    userByLoginKey: new Map<string, User>(),
    issueById: new Map<string, IssueForWorklog>(),
    issueByKey: new Map<string, IssueForWorklog>(),
  };
  /** The same reads straight from the database: for callers without a caller's reads (the CLI), and re-checks. */
  readonly direct: CatalogReads;
  /** The epoch read under way, if any. */
  private epochInFlight: Promise<number> | undefined;
  /** The read that starts when the one under way ends, shared by the requests that came meanwhile. */
  private nextEpochRead: Promise<number> | undefined;
  /** Whether a read started in this turn of the event loop (cleared by the turn's check phase). */
  private readThisTurn = false;
  /** The read at the end of this turn, shared by the requests that came after its first read. */
  private turnEndRead: Promise<number> | undefined;
  /** Reads answered from memory and from the database, and the epoch reads made (for tests and benchmarks). */
  readonly stats = { hits: 0, misses: 0, epochReads: 0 };

  constructor(private readonly db: Kysely<Database>) {
    this.direct = directCatalogReads(db);
  }

  /** Reads the catalog's epoch, then answers reads as fresh as a read made now. */
  async reads(): Promise<CatalogReads> {
    const epoch = await this.readEpoch();
    // Any other epoch empties the cache. A request that read an older epoch just before another
    // read a newer one takes the cache back, and the next request forward again: rows read after
    // an epoch are at least that fresh, so either way no row is kept past a change it predates.
    if (epoch !== this.epoch) {
      for (const kept of Object.values(this.kept)) kept.clear();
      this.epoch = epoch;
    }
    return {
      tokenOwner: (tokenHash) => this.read(epoch, 'tokenOwner', tokenHash, () => this.direct.tokenOwner(tokenHash)),
      userByLoginKey: (orgId, loginKey) =>
        this.read(epoch, 'userByLoginKey', `${orgId}\n${loginKey}`, () => this.direct.userByLoginKey(orgId, loginKey)),
      issueById: (orgId, id) => this.read(epoch, 'issueById', `${orgId}\n${id}`, () => this.direct.issueById(orgId, id)),
      issueByKey: (orgId, key) => this.read(epoch, 'issueByKey', `${orgId}\n${key}`, () => this.direct.issueByKey(orgId, key)),
    };
  }

  /**
   * The epoch, from a read that starts after this call: a new one when none is under way and none
   * started in this turn of the event loop; the one at the turn's end when one did; else the one
   * that starts when the read under way ends, shared by every request that came meanwhile. A read
   * under way, or done, is never joined: it may predate a change this caller must see.
   */
  private readEpoch(): Promise<number> {
    const inFlight = this.epochInFlight;
    if (inFlight === undefined) {
      if (!this.readThisTurn) {
        this.readThisTurn = true;
        setImmediate(() => (this.readThisTurn = false));
        return this.startEpochRead();
      }
      // SQLite answers a read before the next request is parsed, so none is ever under way to
      // share. The requests parsed after this turn's first read share one made once the turn's I/O
      // is done: after each of them arrived (setImmediate runs after the poll phase).
      this.turnEndRead ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.turnEndRead = undefined;
        return this.startEpochRead();
      });
      return this.turnEndRead;
    }
    this.nextEpochRead ??= inFlight.then(
      () => this.startNextEpochRead(),
      () => this.startNextEpochRead(),
    );
    return this.nextEpochRead;
  }

  private startNextEpochRead(): Promise<number> {
    this.nextEpochRead = undefined;
    return this.startEpochRead();
  }

  private startEpochRead(): Promise<number> {
    this.stats.epochReads += 1;
    const read = readCatalogEpoch(this.db);
    this.epochInFlight = read;
    const ended = () => {
      if (this.epochInFlight === read) this.epochInFlight = undefined;
    };
    read.then(ended, ended);
    return read;
  }

  private async read<Value>(
    epoch: number,
    kind: keyof CatalogCache['kept'],
    key: string,
    load: () => Promise<Value | undefined>,
  ): Promise<Value | undefined> {
    const kept = this.kept[kind] as Map<string, unknown> as Map<string, Value>;
    if (epoch === this.epoch) {
      const value = kept.get(key);
      if (value !== undefined) {
        this.stats.hits += 1;
        return value;
      }
    }
    this.stats.misses += 1;
    const value = await load();
    // Another request may have seen a newer epoch meanwhile: this row may be older than its change.
    if (value === undefined || epoch !== this.epoch) return value;
    if (kept.size >= CATALOG_CACHE_ENTRIES) kept.clear();
    kept.set(key, deepFreeze(value));
    return value;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
