import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { ReportTimeBasis } from '../domain/report.js';
import { createdInParts } from './created-near-start.js';
import type { DbHandle, StoreDialect } from './database.js';

/**
 * The time-spent report's statements (service/reports.ts says how the report is made): the
 * worklogs of a scope summed per group and per grid cell of time, the span of time they cover,
 * the filters' users, and the names of what the rows are grouped by. The same SQL on SQLite and
 * PostgreSQL, but for a period by creation time on SQLite, which has no plain index by creation
 * time: two queries whose sums add up (store/created-near-start.ts). Sums and counts are answered
 * as numbers.
 */

/** What the report's rows may be split by besides time. */
export type ReportGroup = 'user' | 'issue' | 'queue';

/** Which worklogs a report sums. Empty filter lists filter nothing. */
export interface ReportScope {
  orgId: string;
  by: ReportTimeBasis;
  /** Milliseconds since the epoch: from inclusive, to exclusive. */
  from: number;
  to: number;
  userUids: readonly number[];
  issueIds: readonly string[];
  queueIds: readonly number[];
  /** The groups the sums are split by, in this order. */
  groupBy: readonly ReportGroup[];
}

const GROUP_COLUMNS: Record<ReportGroup, string> = { user: 'worklogs.createdBy', issue: 'worklogs.issueId', queue: 'issues.queueId' };

function scoped(db: DbHandle, dialect: StoreDialect, scope: ReportScope) {
  const timeColumn = scope.by === 'start' ? 'worklogs.start' : 'worklogs.createdAt';
  const needsIssues = scope.queueIds.length > 0 || scope.groupBy.includes('queue');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the optional join changes the row type; only worklogs columns and issues.queueId are read
  const filtered = (): SelectQueryBuilder<any, any, object> => {
    let query = db.selectFrom('worklogs').where('worklogs.orgId', '=', scope.orgId);
    if (scope.userUids.length > 0) query = query.where('worklogs.createdBy', 'in', [...scope.userUids]);
    if (scope.issueIds.length > 0) query = query.where('worklogs.issueId', 'in', [...scope.issueIds]);
    if (!needsIssues) return query;
    const joined = query.innerJoin('issues', 'issues.id', 'worklogs.issueId');
    return scope.queueIds.length > 0 ? joined.where('issues.queueId', 'in', [...scope.queueIds]) : joined;
  };
  /**
   * The scope's worklogs as queries whose answers add up: one, but on SQLite by creation time,
   * which has no plain index by it, two (store/created-near-start.ts).
   */
  const inParts = scope.by === 'createdAt' && dialect === 'sqlite';
  const parts = inParts
    ? createdInParts(filtered(), { from: scope.from, to: scope.to, toInclusive: false })
    : [filtered().where(timeColumn, '>=', scope.from).where(timeColumn, '<', scope.to)];
  /**
   * Whether a part's rows come in the order of the time column: then its min and its max are each
   * one step into the index (two statements), else both come from one pass over the part (one
   * statement: SQLite seeks for a lone min() or max() only).
   */
  const timeOrdered = !inParts;
  return { parts, timeColumn, timeOrdered };
}

/** The first and the last instant of the scope's worklogs, or undefined when it has none. */
export async function reportTimeSpan(
  db: DbHandle,
  dialect: StoreDialect,
  scope: ReportScope,
): Promise<{ first: number; last: number } | undefined> {
  const { parts, timeColumn, timeOrdered } = scoped(db, dialect, scope);
  type Instant = number | string | null;
  const min = sql<Instant>`min(${sql.ref(timeColumn)})`.as('first');
  const max = sql<Instant>`max(${sql.ref(timeColumn)})`.as('last');
  let span: { first: number; last: number } | undefined;
  for (const part of parts) {
    const { first, last } = timeOrdered
      ? { ...(await part.select(min).executeTakeFirst()), ...(await part.select(max).executeTakeFirst()) }
      : ((await part.select([min, max]).executeTakeFirst()) ?? {});
    if (first == null || last == null) continue;
    span = { first: Math.min(span?.first ?? Infinity, Number(first)), last: Math.max(span?.last ?? -Infinity, Number(last)) };
  }
  return span;
}

/** One group's sum in one grid cell. */
export interface ReportCellSum {
  /** Per group of the scope, in its order: a user's uid, an issue's id, a queue's id. */
  keys: (number | string)[];
  /** The cell's number from the grid's origin, when a grid was given. */
  cell?: number;
  seconds: number;
  entries: number;
}

/**
 * The scope's durations and entries summed per group and, with a grid, per cell of `size`
 * milliseconds counted from `origin`.
 */
export async function reportSums(
  db: DbHandle,
  dialect: StoreDialect,
  scope: ReportScope,
  grid?: { origin: number; size: number },
): Promise<ReportCellSum[]> {
  const { parts, timeColumn } = scoped(db, dialect, scope);
  const cell: RawBuilder<number> | undefined =
    grid === undefined ? undefined : sql<number>`(${sql.ref(timeColumn)} - (${sql.lit(grid.origin)})) / ${sql.lit(grid.size)}`;
  const sumsOf = async (part: (typeof parts)[number]): Promise<ReportCellSum[]> => {
    let query = part.select((eb) => [
      eb.fn.sum<number | string>('worklogs.durationSeconds').as('seconds'),
      eb.fn.countAll<number | string>().as('entries'),
    ]);
    scope.groupBy.forEach((group, index) => {
      const column = GROUP_COLUMNS[group];
      query = query.select(sql.ref(column).as(`g${index}`)).groupBy(sql.ref(column));
    });
    if (cell !== undefined) query = query.select(cell.as('cell')).groupBy(cell);
    const sums = (await query.execute()) as Record<string, number | string | null>[];
    return sums.map((sum) => ({
      keys: scope.groupBy.map((group, index) => (group === 'issue' ? String(sum[`g${index}`]) : Number(sum[`g${index}`]))),
      ...(cell === undefined ? {} : { cell: Number(sum.cell) }),
      seconds: Number(sum.seconds),
      entries: Number(sum.entries),
    }));
  };
  const [first, ...others] = parts;
  const sums = await sumsOf(first!);
  if (others.length === 0) return sums;
  // Two parts (SQLite by creation time): the sums of the same group and cell add up.
  const merged = new Map(sums.map((sum) => [JSON.stringify([sum.keys, sum.cell]), sum]));
  for (const part of others) {
    for (const sum of await sumsOf(part)) {
      const key = JSON.stringify([sum.keys, sum.cell]);
      const earlier = merged.get(key);
      merged.set(
        key,
        earlier === undefined ? sum : { ...earlier, seconds: earlier.seconds + sum.seconds, entries: earlier.entries + sum.entries },
      );
    }
  }
  return [...merged.values()];
}

/** A user of the organization by uid or by login key, as a report's filter names it. */
export async function findReportUserUid(
  db: DbHandle,
  orgId: string,
  ref: { uid: number } | { loginKey: string },
): Promise<number | undefined> {
  const query = db.selectFrom('users').select('uid').where('orgId', '=', orgId);
  const found =
    'uid' in ref
      ? await query.where('uid', '=', ref.uid).executeTakeFirst()
      : await query.where('loginKey', '=', ref.loginKey).executeTakeFirst();
  return found?.uid;
}

export interface ReportUserName {
  uid: number;
  login: string;
  display: string;
}
export interface ReportIssueName {
  id: string;
  key: string;
  summary: string;
  number: number;
  /** Its queue's key: issues are ordered by queue, then number. */
  queueKey: string;
}
export interface ReportQueueName {
  id: number;
  key: string;
  name: string;
}

export interface ReportNames {
  users: Map<number, ReportUserName>;
  issues: Map<string, ReportIssueName>;
  queues: Map<number, ReportQueueName>;
}

/** Chunks keep `in (...)` lists well under every database's limit on bound values. */
const CHUNK = 500;
function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

/** The names of the users, issues and queues a report's rows are grouped by. */
export async function reportNames(
  db: DbHandle,
  ids: { userUids: readonly number[]; issueIds: readonly string[]; queueIds: readonly number[] },
): Promise<ReportNames> {
  const names: ReportNames = { users: new Map(), issues: new Map(), queues: new Map() };
  for (const part of chunks(ids.userUids)) {
    const users = await db.selectFrom('users').select(['uid', 'login', 'display']).where('uid', 'in', part).execute();
    for (const user of users) names.users.set(Number(user.uid), { ...user, uid: Number(user.uid) });
  }
  for (const part of chunks(ids.issueIds)) {
    const issues = await db
      .selectFrom('issues')
      .innerJoin('queues', 'queues.id', 'issues.queueId')
      .select(['issues.id', 'issues.key', 'issues.summary', 'issues.number', 'queues.key as queueKey'])
      .where('issues.id', 'in', part)
      .execute();
    for (const issue of issues) names.issues.set(issue.id, { ...issue, number: Number(issue.number) });
  }
  for (const part of chunks(ids.queueIds)) {
    const queues = await db.selectFrom('queues').select(['id', 'key', 'name']).where('id', 'in', part).execute();
    for (const queue of queues) names.queues.set(Number(queue.id), { ...queue, id: Number(queue.id) });
  }
  return names;
}
