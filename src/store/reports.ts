import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { ReportTimeBasis } from '../domain/report.js';
import type { DbHandle } from './database.js';

/**
 * The time-spent report's statements (service/reports.ts says how the report is made): the
 * worklogs of a scope summed per group and per grid cell of time, the span of time they cover,
 * the filters' users, and the names of what the rows are grouped by. The same SQL on SQLite and
 * PostgreSQL; sums and counts are answered as numbers.
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

function scoped(db: DbHandle, scope: ReportScope) {
  const timeColumn = scope.by === 'start' ? 'worklogs.start' : 'worklogs.createdAt';
  const needsIssues = scope.queueIds.length > 0 || scope.groupBy.includes('queue');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the optional join changes the row type; only worklogs columns and issues.queueId are read
  const base = (): SelectQueryBuilder<any, any, object> => {
    let query = db
      .selectFrom('worklogs')
      .where('worklogs.orgId', '=', scope.orgId)
      .where(timeColumn, '>=', scope.from)
      .where(timeColumn, '<', scope.to);
    if (scope.userUids.length > 0) query = query.where('worklogs.createdBy', 'in', [...scope.userUids]);
    if (scope.issueIds.length > 0) query = query.where('worklogs.issueId', 'in', [...scope.issueIds]);
    if (!needsIssues) return query;
    const joined = query.innerJoin('issues', 'issues.id', 'worklogs.issueId');
    return scope.queueIds.length > 0 ? joined.where('issues.queueId', 'in', [...scope.queueIds]) : joined;
  };
  return { base, timeColumn };
}

/** The first and the last instant of the scope's worklogs, or undefined when it has none. */
export async function reportTimeSpan(db: DbHandle, scope: ReportScope): Promise<{ first: number; last: number } | undefined> {
  const { base, timeColumn } = scoped(db, scope);
  const first = await base()
    .select(sql<number | string | null>`min(${sql.ref(timeColumn)})`.as('instant'))
    .executeTakeFirst();
  const last = await base()
    .select(sql<number | string | null>`max(${sql.ref(timeColumn)})`.as('instant'))
    .executeTakeFirst();
  if (first?.instant == null || last?.instant == null) return undefined;
  return { first: Number(first.instant), last: Number(last.instant) };
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
export async function reportSums(db: DbHandle, scope: ReportScope, grid?: { origin: number; size: number }): Promise<ReportCellSum[]> {
  const { base, timeColumn } = scoped(db, scope);
  const cell: RawBuilder<number> | undefined =
    grid === undefined ? undefined : sql<number>`(${sql.ref(timeColumn)} - (${sql.lit(grid.origin)})) / ${sql.lit(grid.size)}`;
  let query = base().select((eb) => [
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
