import { formatBusinessDuration } from '../domain/duration.js';
import { invalidField } from '../domain/errors.js';
import { isNumericId, loginKey } from '../domain/keys.js';
import { type GroupDimension, type Period, type ReportTimeBasis, isTimeDimension } from '../domain/report.js';
import { type DayBucket, type ZoneClock, dayIndexOf, localDays } from '../domain/time-zone.js';
import type { DbHandle } from '../store/database.js';
import {
  type ReportGroup,
  type ReportIssueName,
  type ReportNames,
  type ReportQueueName,
  type ReportScope,
  type ReportUserName,
  findReportUserUid,
  reportNames,
  reportSums,
  reportTimeSpan,
} from '../store/reports.js';
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
  const groups = request.groupBy.filter((dimension): dimension is ReportGroup => !isTimeDimension(dimension));
  const scope: ReportScope = { orgId, by: request.by, from: request.period.from, to: request.period.to, ...filters, groupBy: groups };
  const timeDimension = request.groupBy.find(isTimeDimension);

  // Time buckets need the days the data spans, to choose a grid that no day boundary cuts.
  let grid: { origin: number; size: number; days: DayBucket[] } | undefined;
  if (timeDimension !== undefined) {
    const span = await reportTimeSpan(db, ctx.store.dialect, scope);
    if (span === undefined) return emptyReport();
    const days = localDays(request.clock, span.first, span.last + 1);
    const origin = request.period.from;
    const size = GRID_SIZES_MS.find((candidate) => days.every((day) => day.start <= origin || (day.start - origin) % candidate === 0)) ?? 1;
    grid = { origin, size, days };
  }

  const sums = await reportSums(db, ctx.store.dialect, scope, grid === undefined ? undefined : { origin: grid.origin, size: grid.size });

  // Merge the cells into the requested rows.
  const rows = new Map<
    string,
    { keys: (string | number)[]; labels: { day?: string; week?: string; month?: string }; seconds: number; count: number }
  >();
  for (const sum of sums) {
    const keys = sum.keys;
    const labels: { day?: string; week?: string; month?: string } = {};
    if (grid !== undefined && timeDimension !== undefined) {
      const instant = grid.origin + sum.cell! * grid.size;
      labels[timeDimension] = grid.days[dayIndexOf(grid.days, instant)]![timeDimension];
    }
    const id = JSON.stringify([keys, labels[timeDimension ?? 'day'] ?? null]);
    const row = rows.get(id) ?? { keys, labels, seconds: 0, count: 0 };
    row.seconds += sum.seconds;
    row.count += sum.entries;
    rows.set(id, row);
  }

  const names = await loadNames(
    db,
    groups,
    [...rows.values()].map((row) => row.keys),
  );
  const result: ReportRow[] = [];
  let totalSeconds = 0;
  let totalCount = 0;
  for (const row of rows.values()) {
    const out: ReportRow = { duration: formatBusinessDuration(row.seconds), seconds: row.seconds, count: row.count };
    groups.forEach((dimension, index) => {
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

async function resolveUsers(db: DbHandle, orgId: string, refs: readonly string[]): Promise<number[]> {
  const uids = new Set<number>();
  for (const ref of refs) {
    const found = await findReportUserUid(db, orgId, isNumericId(ref) ? { uid: Number(ref) } : { loginKey: loginKey(ref) });
    if (found === undefined) throw badFilter('user', `${JSON.stringify(ref)} is not a user of this organization`);
    uids.add(found);
  }
  return [...uids];
}

async function resolveIssues(db: DbHandle, orgId: string, refs: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const ref of refs) {
    const issue = await findIssue(db, orgId, ref);
    if (issue === undefined) throw badFilter('issue', `${JSON.stringify(ref)} is not an issue of this organization`);
    ids.add(issue.id);
  }
  return [...ids];
}

async function resolveQueues(db: DbHandle, orgId: string, refs: readonly string[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const ref of refs) {
    const found = await findQueue(db, orgId, ref);
    if (found === undefined) throw badFilter('queue', `${JSON.stringify(ref)} is not a queue of this organization`);
    ids.add(found.id);
  }
  return [...ids];
}

/** The names of the users, issues and queues the rows are grouped by. */
async function loadNames(db: DbHandle, groups: readonly ReportGroup[], keys: readonly (string | number)[][]): Promise<ReportNames> {
  const distinct = (group: ReportGroup) => {
    const index = groups.indexOf(group);
    return index < 0 ? [] : [...new Set(keys.map((row) => row[index]!))];
  };
  return reportNames(db, {
    userUids: distinct('user').map(Number),
    issueIds: distinct('issue').map(String),
    queueIds: distinct('queue').map(Number),
  });
}

const userOf = (user: ReportUserName | undefined, key: string | number): ReportUser =>
  user === undefined
    ? { id: String(key), login: String(key), display: String(key) }
    : { id: String(user.uid), login: user.login, display: user.display };
const issueOf = (issue: ReportIssueName | undefined, key: string | number): ReportIssue =>
  issue === undefined
    ? { id: String(key), key: String(key), display: String(key) }
    : { id: issue.id, key: issue.key, display: issue.summary };
const queueOf = (queue: ReportQueueName | undefined, key: string | number): ReportQueue =>
  queue === undefined
    ? { id: String(key), key: String(key), display: String(key) }
    : { id: String(queue.id), key: queue.key, display: queue.name };

/** Fields in the order the caller grouped by, then the sums: JSON readers see what they asked for first. */
function orderedRow(row: ReportRow, groupBy: readonly GroupDimension[]): ReportRow {
  const ordered: Record<string, unknown> = {};
  for (const dimension of groupBy) ordered[dimension] = row[dimension];
  return { ...ordered, duration: row.duration, seconds: row.seconds, count: row.count } as ReportRow;
}

function compareRows(a: ReportRow, b: ReportRow, groupBy: readonly GroupDimension[], issues: ReportNames['issues']): number {
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
