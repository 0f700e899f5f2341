import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import { formatBusinessDuration } from '../domain/duration.js';
import { invalidField } from '../domain/errors.js';
import { isNumericId, loginKey } from '../domain/keys.js';
import { type GroupDimension, type Period, type ReportTimeBasis, isTimeDimension } from '../domain/report.js';
import { type DayBucket, type ZoneClock, dayIndexOf, localDays } from '../domain/time-zone.js';
import type { Database, Issue, Queue, User } from '../store/schema.js';
import type { Caller, ServiceContext } from './context.js';
import { findIssue } from './issues.js';
import { findQueue } from './queues.js';

/**
 * The time-spent report (Timeport extension): worklog durations of the caller's organization summed
 * per user, issue, queue and local day, ISO week or month. Any member of the organization may read
 * it, as anyone may see the "Time spent" of issues in Tracker.
 *
 * How it stays fast and exact: the database sums durations per group and per *grid cell* of time
 * (an hour when the zone's days start on whole hours, else 15 minutes, a minute, a second, or the
 * exact instant), using the covering indexes of migration 0003. The few thousand cells are then put
 * into local days here, with the zone rules of the runtime, so days of 23 or 25 hours and zones that
 * SQL databases disagree about are cut exactly, with the same SQL on SQLite and PostgreSQL.
 */

export interface ReportRequest {
  period: Period;
  clock: ZoneClock;
  by: ReportTimeBasis;
  groupBy: GroupDimension[];
  /** Logins or numeric uids. */
  users: string[];
  /** Issue keys or ids. */
  issues: string[];
  /** Queue keys or numeric ids. */
  queues: string[];
}

export interface ReportUser {
  id: string;
  login: string;
  display: string;
}
export interface ReportIssue {
  id: string;
  key: string;
  display: string;
}
export interface ReportQueue {
  id: string;
  key: string;
  display: string;
}

export interface ReportRow {
  user?: ReportUser;
  issue?: ReportIssue;
  queue?: ReportQueue;
  day?: string;
  week?: string;
  month?: string;
  /** Business-time duration, e.g. `P1DT40M`. */
  duration: string;
  seconds: number;
  /** How many worklog entries the row sums. */
  count: number;
}

export interface Report {
  rows: ReportRow[];
  total: { duration: string; seconds: number; count: number };
}

/** Grid cells tried for the database's time buckets, largest first. */
const GRID_SIZES_MS = [3_600_000, 900_000, 60_000, 1000, 1];

/** A filter that names nothing in the organization is refused, not answered with an empty report: it is most likely a typo. */
const badFilter = (field: string, message: string) => invalidField(field, message);

export async function timeSpentReport(ctx: ServiceContext, caller: Caller, request: ReportRequest): Promise<Report> {
  const db = ctx.store.db;
  const orgId = caller.org.id;
  const filters = {
    userUids: await resolveUsers(db, orgId, request.users),
    issueIds: await resolveIssues(db, orgId, request.issues),
    queueIds: await resolveQueues(db, orgId, request.queues),
  };
  const timeColumn = request.by === 'start' ? 'worklogs.start' : 'worklogs.createdAt';
  const needsIssues = filters.queueIds.length > 0 || request.groupBy.includes('queue');

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the optional join changes the row type; only worklogs columns and issues.queueId are read
  const base = (): SelectQueryBuilder<any, any, object> => {
    let query = db
      .selectFrom('worklogs')
      .where('worklogs.orgId', '=', orgId)
      .where(timeColumn, '>=', request.period.from)
      .where(timeColumn, '<', request.period.to);
    if (filters.userUids.length > 0) query = query.where('worklogs.createdBy', 'in', filters.userUids);
    if (filters.issueIds.length > 0) query = query.where('worklogs.issueId', 'in', filters.issueIds);
    if (!needsIssues) return query;
    const joined = query.innerJoin('issues', 'issues.id', 'worklogs.issueId');
    return filters.queueIds.length > 0 ? joined.where('issues.queueId', 'in', filters.queueIds) : joined;
  };

  const groupColumns: { dimension: 'user' | 'issue' | 'queue'; column: string }[] = [];
  for (const dimension of request.groupBy) {
    if (dimension === 'user') groupColumns.push({ dimension, column: 'worklogs.createdBy' });
    if (dimension === 'issue') groupColumns.push({ dimension, column: 'worklogs.issueId' });
    if (dimension === 'queue') groupColumns.push({ dimension, column: 'issues.queueId' });
  }
  const timeDimension = request.groupBy.find(isTimeDimension);

  // Time buckets need the days the data spans, to choose a grid that no day boundary cuts.
  let grid: { origin: number; size: number; days: DayBucket[] } | undefined;
  if (timeDimension !== undefined) {
    const first = await base()
      .select(sql<number | string | null>`min(${sql.ref(timeColumn)})`.as('instant'))
      .executeTakeFirst();
    const last = await base()
      .select(sql<number | string | null>`max(${sql.ref(timeColumn)})`.as('instant'))
      .executeTakeFirst();
    if (first?.instant == null || last?.instant == null) return emptyReport();
    const days = localDays(request.clock, Number(first.instant), Number(last.instant) + 1);
    const origin = request.period.from;
    const size = GRID_SIZES_MS.find((candidate) => days.every((day) => day.start <= origin || (day.start - origin) % candidate === 0)) ?? 1;
    grid = { origin, size, days };
  }

  const cell: RawBuilder<number> | undefined =
    grid === undefined ? undefined : sql<number>`(${sql.ref(timeColumn)} - (${sql.lit(grid.origin)})) / ${sql.lit(grid.size)}`;
  let query = base().select((eb) => [
    eb.fn.sum<number | string>('worklogs.durationSeconds').as('seconds'),
    eb.fn.countAll<number | string>().as('entries'),
  ]);
  groupColumns.forEach(({ column }, index) => {
    query = query.select(sql.ref(column).as(`g${index}`)).groupBy(sql.ref(column));
  });
  if (cell !== undefined) query = query.select(cell.as('cell')).groupBy(cell);
  const sums = (await query.execute()) as Record<string, number | string | null>[];

  // Merge the cells into the requested rows.
  const rows = new Map<
    string,
    { keys: (string | number)[]; labels: { day?: string; week?: string; month?: string }; seconds: number; count: number }
  >();
  for (const sum of sums) {
    const keys = groupColumns.map((_, index) => sum[`g${index}`] as string | number);
    const labels: { day?: string; week?: string; month?: string } = {};
    if (grid !== undefined && timeDimension !== undefined) {
      const instant = grid.origin + Number(sum.cell) * grid.size;
      labels[timeDimension] = grid.days[dayIndexOf(grid.days, instant)]![timeDimension];
    }
    const id = JSON.stringify([keys, labels[timeDimension ?? 'day'] ?? null]);
    const row = rows.get(id) ?? { keys, labels, seconds: 0, count: 0 };
    row.seconds += Number(sum.seconds);
    row.count += Number(sum.entries);
    rows.set(id, row);
  }

  const names = await loadNames(
    db,
    groupColumns,
    [...rows.values()].map((row) => row.keys),
  );
  const result: ReportRow[] = [];
  let totalSeconds = 0;
  let totalCount = 0;
  for (const row of rows.values()) {
    const out: ReportRow = { duration: formatBusinessDuration(row.seconds), seconds: row.seconds, count: row.count };
    groupColumns.forEach(({ dimension }, index) => {
      const key = row.keys[index]!;
      if (dimension === 'user') out.user = userOf(names.users.get(Number(key)), key);
      if (dimension === 'issue') out.issue = issueOf(names.issues.get(String(key)), key);
      if (dimension === 'queue') out.queue = queueOf(names.queues.get(Number(key)), key);
    });
    Object.assign(out, row.labels);
    totalSeconds += row.seconds;
    totalCount += row.count;
    result.push(orderedRow(out, request.groupBy));
  }
  result.sort((a, b) => compareRows(a, b, request.groupBy, names.issues));
  return { rows: result, total: { duration: formatBusinessDuration(totalSeconds), seconds: totalSeconds, count: totalCount } };
}

const emptyReport = (): Report => ({ rows: [], total: { duration: formatBusinessDuration(0), seconds: 0, count: 0 } });

async function resolveUsers(db: Kysely<Database>, orgId: string, refs: readonly string[]): Promise<number[]> {
  const uids = new Set<number>();
  for (const ref of refs) {
    const query = db.selectFrom('users').select('uid').where('orgId', '=', orgId);
    const found = isNumericId(ref)
      ? await query.where('uid', '=', Number(ref)).executeTakeFirst()
      : await query.where('loginKey', '=', loginKey(ref)).executeTakeFirst();
    if (found === undefined) throw badFilter('user', `${JSON.stringify(ref)} is not a user of this organization`);
    uids.add(found.uid);
  }
  return [...uids];
}

async function resolveIssues(db: Kysely<Database>, orgId: string, refs: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const ref of refs) {
    const issue = await findIssue(db, orgId, ref);
    if (issue === undefined) throw badFilter('issue', `${JSON.stringify(ref)} is not an issue of this organization`);
    ids.add(issue.id);
  }
  return [...ids];
}

async function resolveQueues(db: Kysely<Database>, orgId: string, refs: readonly string[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const ref of refs) {
    const found = await findQueue(db, orgId, ref);
    if (found === undefined) throw badFilter('queue', `${JSON.stringify(ref)} is not a queue of this organization`);
    ids.add(found.id);
  }
  return [...ids];
}

interface Names {
  users: Map<number, User>;
  issues: Map<string, Issue & { queueKey: string }>;
  queues: Map<number, Queue>;
}

/** Chunks keep `in (...)` lists well under every database's limit on bound values. */
const CHUNK = 500;
function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += CHUNK) out.push(values.slice(i, i + CHUNK));
  return out;
}

async function loadNames(
  db: Kysely<Database>,
  columns: readonly { dimension: string }[],
  keys: readonly (string | number)[][],
): Promise<Names> {
  const distinct = (dimension: string) => {
    const index = columns.findIndex((column) => column.dimension === dimension);
    return index < 0 ? [] : [...new Set(keys.map((row) => row[index]!))];
  };
  const names: Names = { users: new Map(), issues: new Map(), queues: new Map() };
  for (const part of chunks(distinct('user').map(Number))) {
    for (const user of await db.selectFrom('users').selectAll().where('uid', 'in', part).execute()) names.users.set(user.uid, user);
  }
  for (const part of chunks(distinct('issue').map(String))) {
    const issues = await db
      .selectFrom('issues')
      .innerJoin('queues', 'queues.id', 'issues.queueId')
      .selectAll('issues')
      .select('queues.key as queueKey')
      .where('issues.id', 'in', part)
      .execute();
    for (const issue of issues) names.issues.set(issue.id, issue);
  }
  for (const part of chunks(distinct('queue').map(Number))) {
    for (const queue of await db.selectFrom('queues').selectAll().where('id', 'in', part).execute())
      names.queues.set(Number(queue.id), queue);
  }
  return names;
}

const userOf = (user: User | undefined, key: string | number): ReportUser =>
  user === undefined
    ? { id: String(key), login: String(key), display: String(key) }
    : { id: String(user.uid), login: user.login, display: user.display };
const issueOf = (issue: Issue | undefined, key: string | number): ReportIssue =>
  issue === undefined
    ? { id: String(key), key: String(key), display: String(key) }
    : { id: issue.id, key: issue.key, display: issue.summary };
const queueOf = (queue: Queue | undefined, key: string | number): ReportQueue =>
  queue === undefined
    ? { id: String(key), key: String(key), display: String(key) }
    : { id: String(queue.id), key: queue.key, display: queue.name };

/** Fields in the order the caller grouped by, then the sums: JSON readers see what they asked for first. */
function orderedRow(row: ReportRow, groupBy: readonly GroupDimension[]): ReportRow {
  const ordered: Record<string, unknown> = {};
  for (const dimension of groupBy) ordered[dimension] = row[dimension];
  return { ...ordered, duration: row.duration, seconds: row.seconds, count: row.count } as ReportRow;
}

function compareRows(a: ReportRow, b: ReportRow, groupBy: readonly GroupDimension[], issues: Names['issues']): number {
  for (const dimension of groupBy) {
    let order = 0;
    if (dimension === 'user') order = loginKey(a.user!.login).localeCompare(loginKey(b.user!.login));
    else if (dimension === 'queue') order = a.queue!.key.localeCompare(b.queue!.key);
    else if (dimension === 'issue') {
      const left = issues.get(a.issue!.id);
      const right = issues.get(b.issue!.id);
      order = (left?.queueKey ?? '').localeCompare(right?.queueKey ?? '') || (left?.number ?? 0) - (right?.number ?? 0);
    } else order = a[dimension]!.localeCompare(b[dimension]!);
    if (order !== 0) return order;
  }
  return 0;
}
