import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { ScrollPosition } from '../domain/issue-scroll.js';
import { type ParameterOf, prepareQuery } from './prepared-query.js';
import type { Issue, IssueExtra, IssueWithoutSpent } from '../domain/issue.js';
import type { Database, NewIssue } from './schema.js';

/** The statements of issues. */

/**
 * Every stored column of an issue but `spentSeconds`, which reads get from `issueSpent`. The reads
 * answer `Issue`, so a column left out here does not compile.
 */
const STORED_COLUMNS = [
  'issues.id',
  'issues.orgId',
  'issues.queueId',
  'issues.key',
  'issues.number',
  'issues.summary',
  'issues.description',
  'issues.status',
  'issues.type',
  'issues.priority',
  'issues.assigneeUid',
  'issues.createdAt',
  'issues.createdBy',
  'issues.updatedAt',
  'issues.updatedBy',
  'issues.resolvedAt',
  'issues.resolvedBy',
  'issues.resolution',
  'issues.version',
  'issues.originalEstimationSeconds',
  'issues.estimationSeconds',
  'issues.uniqueMarker',
  'issues.deadline',
  'issues.start',
  'issues.end',
  'issues.extra',
] as const;

/**
 * An issue's `spent` as every read gives it: the issue's own column, which every write but the
 * single import on PostgreSQL moves in place, plus what single imports added to the issue's
 * counters in `issue_spent_shards` (store/worklogs.ts says why; docs/decisions.md). One statement
 * reads both in one snapshot, so the sum is exact whatever commits beside it.
 */
export const issueSpent = (eb: ExpressionBuilder<Database, 'issues'>) =>
  sql<number>`${eb.ref('issues.spentSeconds')} + coalesce((select sum(s.seconds) from issue_spent_shards s where s.issue_id = ${eb.ref('issues.id')}), 0)`;

/** An issue's columns as read (`select` or `returning` on `issues`): the stored ones and `spentSeconds` (issueSpent). */
export const issueColumns = (eb: ExpressionBuilder<Database, 'issues'>) => [...STORED_COLUMNS, issueSpent(eb).as('spentSeconds')] as const;

/** The key of the organization's issue with this `unique` value, if any. */
export async function issueKeyByUnique(db: Kysely<Database>, orgId: string, unique: string): Promise<string | undefined> {
  const row = await db.selectFrom('issues').select('key').where('orgId', '=', orgId).where('uniqueMarker', '=', unique).executeTakeFirst();
  return row?.key;
}

export async function findIssueByUnique(db: Kysely<Database>, orgId: string, unique: string): Promise<Issue | undefined> {
  return db.selectFrom('issues').select(issueColumns).where('orgId', '=', orgId).where('uniqueMarker', '=', unique).executeTakeFirst();
}

/** Whether the organization has an issue with this key. */
export async function issueKeyTaken(db: Kysely<Database>, orgId: string, key: string): Promise<boolean> {
  return (await db.selectFrom('issues').select('id').where('orgId', '=', orgId).where('key', '=', key).executeTakeFirst()) !== undefined;
}

/** A new issue's columns; `extra` is stored as JSON. */
export type NewIssueValues = Omit<NewIssue, 'extra'> & { extra: IssueExtra };

/** Inserts an issue; a unique constraint's violation is left to the caller (store/errors.ts classifies it). */
export async function insertIssueRow(db: Kysely<Database>, issue: NewIssueValues): Promise<Issue> {
  return db
    .insertInto('issues')
    .values({ ...issue, extra: JSON.stringify(issue.extra) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

// Nearly every request under an issue's path runs one of these: compiled once (prepared-query.ts).
const issueById = prepareQuery((db, param: ParameterOf<{ orgId: string; id: string }>) =>
  db.selectFrom('issues').select(issueColumns).where('orgId', '=', param('orgId')).where('id', '=', param('id')),
);
const issueByKey = prepareQuery((db, param: ParameterOf<{ orgId: string; key: string }>) =>
  db.selectFrom('issues').select(issueColumns).where('orgId', '=', param('orgId')).where('key', '=', param('key')),
);

const issueWithoutSpentById = prepareQuery((db, param: ParameterOf<{ orgId: string; id: string }>) =>
  db.selectFrom('issues').select(STORED_COLUMNS).where('orgId', '=', param('orgId')).where('id', '=', param('id')),
);
const issueWithoutSpentByKey = prepareQuery((db, param: ParameterOf<{ orgId: string; key: string }>) =>
  db.selectFrom('issues').select(STORED_COLUMNS).where('orgId', '=', param('orgId')).where('key', '=', param('key')),
);

export async function findIssueById(db: Kysely<Database>, orgId: string, id: string): Promise<Issue | undefined> {
  return issueById.first(db, { orgId, id });
}

/** By its key as stored (upper-case queue key, number without leading zeros). */
export async function findIssueByKey(db: Kysely<Database>, orgId: string, key: string): Promise<Issue | undefined> {
  return issueByKey.first(db, { orgId, key });
}

/** As findIssueById, without `spent`: no sum of the issue's counters (issueSpent). */
export async function findIssueWithoutSpentById(db: Kysely<Database>, orgId: string, id: string): Promise<IssueWithoutSpent | undefined> {
  return issueWithoutSpentById.first(db, { orgId, id });
}

/** As findIssueByKey, without `spent`: no sum of the issue's counters (issueSpent). */
export async function findIssueWithoutSpentByKey(db: Kysely<Database>, orgId: string, key: string): Promise<IssueWithoutSpent | undefined> {
  return issueWithoutSpentByKey.first(db, { orgId, key });
}

/** Issues by key (as stored); a statement takes at most `chunk` of them, so that neither database's parameter limit is reached. */
export async function issuesByKey(
  db: Kysely<Database>,
  orgId: string,
  keys: readonly string[],
  chunk: number,
): Promise<Map<string, Issue>> {
  const found = new Map<string, Issue>();
  for (let start = 0; start < keys.length; start += chunk) {
    const rows = await db
      .selectFrom('issues')
      .select(issueColumns)
      .where('orgId', '=', orgId)
      .where('key', 'in', keys.slice(start, start + chunk))
      .execute();
    for (const row of rows) found.set(row.key, row);
  }
  return found;
}

/** One page of the organization's issues (of one queue, or all), by queue then number, and how many there are. */
export async function pageOfIssues(
  db: Kysely<Database>,
  orgId: string,
  queueId: number | null,
  limit: number,
  offset: number,
): Promise<{ issues: Issue[]; total: number }> {
  let base = db.selectFrom('issues').where('orgId', '=', orgId);
  if (queueId !== null) base = base.where('queueId', '=', queueId);
  const [issues, count] = await Promise.all([
    base.select(issueColumns).orderBy('queueId').orderBy('number').limit(limit).offset(offset).execute(),
    base.select((eb) => eb.fn.countAll<number | string | bigint>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { issues, total: Number(count.total) };
}

/**
 * The organization's issues (of one queue, or all) after `after` in (queue id, number) order, at
 * most `limit`, and how many there are in all: by position rather than by offset, so that a late
 * page costs what the first does.
 */
export async function issuesAfter(
  db: Kysely<Database>,
  orgId: string,
  queueId: number | null,
  after: ScrollPosition | null,
  limit: number,
): Promise<{ issues: Issue[]; total: number }> {
  let base = db.selectFrom('issues').where('orgId', '=', orgId);
  if (queueId !== null) base = base.where('queueId', '=', queueId);
  let rowsQuery = base.select(issueColumns);
  if (after !== null) {
    rowsQuery = rowsQuery.where((eb) =>
      eb.or([eb('queueId', '>', after.queueId), eb.and([eb('queueId', '=', after.queueId), eb('number', '>', after.number)])]),
    );
  }
  const [issues, count] = await Promise.all([
    rowsQuery.orderBy('queueId').orderBy('number').limit(limit).execute(),
    base.select((eb) => eb.fn.countAll<number | string | bigint>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { issues, total: Number(count.total) };
}
