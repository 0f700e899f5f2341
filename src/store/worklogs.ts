import { type CreatedRange, idsCreatedIn } from './created-near-start.js';
import type { DbHandle, Store, StoreDialect } from './database.js';
import type { IdempotencyClaim } from './idempotency-keys.js';
import { type ParameterOf, prepareQuery } from './prepared-query.js';
import { type AuditEventValues, auditEventParameters } from './audit-events.js';
import type { Issue, Worklog } from './schema.js';
import { issueColumns } from './issues.js';
import { writeImportGroup } from './import-groups.js';

export { SPENT_SHARDS } from './import-groups.js';

/**
 * The worklogs repository: a worklog's rows and the issue's `spent` that every write to them
 * moves. Both dialects; callers pass the database or the transaction they run in.
 */

/** A single import's worklog (`POST /v3/issues/<key>/worklogs/_import`): its author made it and last changed it. */
export interface ImportedWorklogValues {
  orgId: string;
  issueId: string;
  author: number;
  createdAt: number;
  start: number;
  durationSeconds: number;
  comment: string | null;
}

/** An audit event's values (details as JSON text) but its worklog, which the import's own write fills in. */
export type ImportAuditValues = Omit<AuditEventValues, 'worklogId'>;

// The single import's own statements on SQLite, compiled once (store/prepared-query.ts); PostgreSQL
// writes it with one statement (store/import-groups.ts).
/** The imported worklog's row: its author made it and last changed it, when the source says. */
const insertImportedWorklog = prepareQuery((db, param: ParameterOf<ImportedWorklogValues>) =>
  db
    .insertInto('worklogs')
    .values({
      orgId: param('orgId'),
      issueId: param('issueId'),
      createdBy: param('author'),
      createdAt: param('createdAt'),
      updatedBy: param('author'),
      updatedAt: param('createdAt'),
      start: param('start'),
      durationSeconds: param('durationSeconds'),
      comment: param('comment'),
      version: 1,
      imported: 1,
    })
    .returning('id'),
);

/**
 * The worklog `insertImportedWorklog` stores, given the id SQLite gave it: every other column is
 * the import's own value or a constant there. Built here rather than read back, so that the writer
 * thread answers an id per import instead of a whole row (sqlite-import-writer.ts).
 */
export function importedWorklog(values: ImportedWorklogValues, id: number): Worklog {
  return {
    id,
    orgId: values.orgId,
    issueId: values.issueId,
    createdBy: values.author,
    createdAt: values.createdAt,
    updatedBy: values.author,
    updatedAt: values.createdAt,
    start: values.start,
    durationSeconds: values.durationSeconds,
    comment: values.comment,
    version: 1,
    imported: true,
  };
}

/** The import's `spent` update (it leaves updatedAt and version), compiled once. */
const addToSpentOnly = prepareQuery((db, param: ParameterOf<{ issueId: string; deltaSeconds: number }>) =>
  db
    .updateTable('issues')
    .set((eb) => ({ spentSeconds: eb('spentSeconds', '+', param('deltaSeconds')) }))
    .where('id', '=', param('issueId')),
);

/** The import's audit event, compiled once. */
const insertImportAuditEvent = prepareQuery((db, param: ParameterOf<ImportAuditValues & { worklogId: number }>) =>
  db.insertInto('auditEvents').values({ ...auditEventParameters(param), worklogId: param('worklogId') }),
);

/**
 * Stores a single import in the transaction `trx`: the worklog, the issue's `spent` grown by its
 * duration (updatedAt and version stay) and its audit event, which gets the new worklog's id.
 * Answers the worklog; the issue's new `spent` is not read back (nothing answers it: the
 * worklog's answer names its issue only). On PostgreSQL it is one statement.
 */
export async function insertImportedWorklogWithAudit(
  dialect: StoreDialect,
  trx: DbHandle,
  values: ImportedWorklogValues,
  event: ImportAuditValues,
): Promise<Worklog> {
  if (dialect === 'postgres') {
    // One statement instead of three: on PostgreSQL every statement is a round trip, and round
    // trips are most of a single import's cost there (BENCHMARKS.md).
    const [worklog] = await writeImportGroup(trx, [{ values, event }]);
    return worklog!;
  }
  const { id } = await insertImportedWorklog.one(trx, values);
  await addToSpentOnly.rows(trx, { issueId: values.issueId, deltaSeconds: values.durationSeconds });
  await insertImportAuditEvent.rows(trx, { ...event, worklogId: id });
  return importedWorklog(values, id);
}

/**
 * Writes a single import and resolves once it is committed. Without an idempotency claim, it goes
 * to the store's single-import writer where it has one (`Store.singleImports`: on PostgreSQL
 * written in one statement with the imports that come with it, on SQLite by the writer thread);
 * otherwise, and with a claim to commit beside it, it is a write transaction of its own.
 */
export function writeSingleImport(
  store: Store,
  values: ImportedWorklogValues,
  event: ImportAuditValues,
  claim: IdempotencyClaim | undefined,
): Promise<Worklog> {
  if (claim === undefined && store.singleImports !== undefined) return store.singleImports.write(values, event);
  return store.inWriteTransaction((trx) => insertImportedWorklogWithAudit(store.dialect, trx, values, event), claim);
}

/** A worklog logged through the API: its author is the caller, made and changed now. */
export interface NewWorklogValues {
  orgId: string;
  issueId: string;
  createdBy: number;
  createdAt: number;
  start: number;
  durationSeconds: number;
  comment: string | null;
}

export async function insertWorklog(trx: DbHandle, values: NewWorklogValues): Promise<Worklog> {
  return trx
    .insertInto('worklogs')
    .values({
      orgId: values.orgId,
      issueId: values.issueId,
      createdBy: values.createdBy,
      createdAt: values.createdAt,
      updatedBy: values.createdBy,
      updatedAt: values.createdAt,
      start: values.start,
      durationSeconds: values.durationSeconds,
      comment: values.comment,
      version: 1,
      imported: 0,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An issue's worklogs in ascending id, after a cursor, at most `limit`. */
export async function listIssueWorklogs(
  db: DbHandle,
  issueId: string,
  page: { afterId?: number | undefined; limit: number },
): Promise<Worklog[]> {
  let query = db.selectFrom('worklogs').selectAll().where('issueId', '=', issueId);
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
  return query.orderBy('id').limit(page.limit).execute();
}

/** A worklog by id, only if it belongs to the issue. */
export async function findWorklogOfIssue(db: DbHandle, issueId: string, worklogId: number): Promise<Worklog | undefined> {
  return db.selectFrom('worklogs').selectAll().where('id', '=', worklogId).where('issueId', '=', issueId).executeTakeFirst();
}

/** The fields an edit may change. */
export type WorklogChanges = Partial<Pick<Worklog, 'durationSeconds' | 'start' | 'comment'>>;

/**
 * Writes an edit over the version read (a conditional `UPDATE ... WHERE version = ?`): the
 * worklog's `version` grows by one. Answers the worklog as it now is, or undefined when another
 * writer changed it since.
 */
export async function updateWorklogAtVersion(
  trx: DbHandle,
  current: Pick<Worklog, 'id' | 'version'>,
  changes: WorklogChanges,
  by: { uid: number; at: number },
): Promise<Worklog | undefined> {
  return trx
    .updateTable('worklogs')
    .set((eb) => ({ ...changes, version: eb('version', '+', 1), updatedAt: by.at, updatedBy: by.uid }))
    .where('id', '=', current.id)
    .where('version', '=', current.version)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a worklog if it still has the version read; answers whether it did. */
export async function deleteWorklogAtVersion(trx: DbHandle, current: Pick<Worklog, 'id' | 'version'>): Promise<boolean> {
  const deleted = await trx.deleteFrom('worklogs').where('id', '=', current.id).where('version', '=', current.version).executeTakeFirst();
  return Number(deleted.numDeletedRows) > 0;
}

/** The worklog search's filters: the author, and creation time with both ends inclusive. */
export interface WorklogFilter {
  createdBy?: number | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
}

/** The organization's worklogs that match, in ascending id, one page of them, and how many match in all. */
export async function searchWorklogs(
  db: DbHandle,
  dialect: StoreDialect,
  orgId: string,
  filter: WorklogFilter,
  page: { limit: number; offset: number },
): Promise<{ worklogs: Worklog[]; total: number }> {
  if ((filter.createdFrom !== undefined || filter.createdTo !== undefined) && filter.createdBy === undefined && dialect === 'sqlite') {
    return searchCreatedOnSqlite(db, orgId, { from: filter.createdFrom, to: filter.createdTo, toInclusive: true }, page);
  }
  let query = db.selectFrom('worklogs').where('orgId', '=', orgId);
  if (filter.createdBy !== undefined) query = query.where('createdBy', '=', filter.createdBy);
  if (filter.createdFrom !== undefined) query = query.where('createdAt', '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where('createdAt', '<=', filter.createdTo);
  const rowsQuery = query.selectAll().orderBy('id').limit(page.limit).offset(page.offset);
  const [worklogs, count] = await Promise.all([
    rowsQuery.execute(),
    query.select((eb) => eb.fn.countAll<number | string | bigint>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { worklogs, total: Number(count.total) };
}

/**
 * The search by creation time alone on SQLite, which has no plain index by it
 * (store/created-near-start.ts): the period's ids from the two indexes that hold them, the page's
 * ids sorted among them, and then only the page's rows read from the table. (With an author, the
 * author index holds the creation time and the plain query serves the period.)
 */
async function searchCreatedOnSqlite(
  db: DbHandle,
  orgId: string,
  range: CreatedRange,
  page: { limit: number; offset: number },
): Promise<{ worklogs: Worklog[]; total: number }> {
  const created = () => idsCreatedIn(db, orgId, range).as('created');
  const pageIds = db.selectFrom(created()).select('created.id').orderBy('created.id').limit(page.limit).offset(page.offset);
  const [worklogs, count] = await Promise.all([
    db.selectFrom('worklogs').selectAll().where('id', 'in', pageIds).orderBy('id').execute(),
    db
      .selectFrom(created())
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('total'))
      .executeTakeFirstOrThrow(),
  ]);
  return { worklogs, total: Number(count.total) };
}

/** Ids per `IN (...)` list: below every parameter limit of both databases. */
const CHUNK = 500;

/** Issues by id (any organization's: the ids come from worklogs already scoped to one). */
export async function issuesById(db: DbHandle, ids: Iterable<string>): Promise<Map<string, Issue>> {
  const unique = [...new Set(ids)];
  const issues = new Map<string, Issue>();
  for (let offset = 0; offset < unique.length; offset += CHUNK) {
    const rows = await db
      .selectFrom('issues')
      .select(issueColumns)
      .where('id', 'in', unique.slice(offset, offset + CHUNK))
      .execute();
    for (const issue of rows) issues.set(issue.id, issue);
  }
  return issues;
}

/**
 * Moves an issue's `spent` by `deltaSeconds` (one atomic `spent_seconds = spent_seconds + ?`, so
 * concurrent writers never lose each other's change) and marks it changed by `by`, as a worklog's
 * POST, PATCH or DELETE does: `updatedAt`, `updatedBy` and one more `version`. Answers the issue
 * as it now is.
 */
export async function changeIssueSpent(
  trx: DbHandle,
  issueId: string,
  deltaSeconds: number,
  by: { uid: number; at: number },
): Promise<Issue> {
  return trx
    .updateTable('issues')
    .set((eb) => ({
      spentSeconds: eb('spentSeconds', '+', deltaSeconds),
      version: eb('version', '+', 1),
      updatedAt: by.at,
      updatedBy: by.uid,
    }))
    .where('id', '=', issueId)
    .returning(issueColumns)
    .executeTakeFirstOrThrow();
}

/**
 * Moves the `spent` of issues by the seconds given per issue id, and nothing else: imported
 * history (and its rollback) is not new activity, so updatedAt and version stay.
 */
export async function moveImportedSpent(trx: DbHandle, secondsByIssue: Iterable<readonly [string, number]>): Promise<void> {
  for (const [issueId, seconds] of secondsByIssue) {
    await trx
      .updateTable('issues')
      .set((eb) => ({ spentSeconds: eb('spentSeconds', '+', seconds) }))
      .where('id', '=', issueId)
      .execute();
  }
}
