import { type Kysely, sql } from 'kysely';
import type { Store } from './database.js';
import { classifyDatabaseError } from './errors.js';
import type { Database, Worklog } from './schema.js';

/**
 * The statements of `/timeport/v1/worklogs/_external` and `/timeport/v1/worklogs/_changes`
 * (issue 18): what the import ledger says about worklogs imported with an external id, and the
 * writes that update and delete them by that id. Both dialects; callers pass the transaction.
 */

/** A worklog imported with an external id, with what its ledger row says. */
export interface ImportedWorklog {
  externalId: string;
  /** The `source` label of the batch that created it. */
  source: string | null;
  syncedVersion: number;
  worklog: Worklog;
}

export interface ImportedWorklogQuery {
  /** Only worklogs whose creating batch had exactly this source label. */
  source?: string | undefined;
  /** Only external ids that start with this. */
  prefix?: string | undefined;
  /** Only worklogs with a greater id (the cursor). */
  afterId?: number | undefined;
  limit: number;
}

/** Ids per `IN (...)` list: below every parameter limit of both databases. */
const CHUNK = 500;

type Row = Worklog & { externalId: string | null; syncedVersion: number; source: string | null };

const toImported = (row: Row): ImportedWorklog => {
  const { externalId, syncedVersion, source, ...worklog } = row;
  return { externalId: externalId!, source, syncedVersion: Number(syncedVersion), worklog };
};

function importedWorklogs(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('importedWorklogs')
    .innerJoin('worklogs', 'worklogs.id', 'importedWorklogs.worklogId')
    .innerJoin('importBatches', 'importBatches.id', 'importedWorklogs.batchId')
    .selectAll('worklogs')
    .select(['importedWorklogs.externalId', 'importedWorklogs.syncedVersion', 'importBatches.source'])
    .where('importedWorklogs.orgId', '=', orgId)
    .where('importedWorklogs.externalId', 'is not', null);
}

/** The organization's worklogs imported with an external id, in ascending worklog id. */
export async function listImportedWorklogs(db: Kysely<Database>, orgId: string, query: ImportedWorklogQuery): Promise<ImportedWorklog[]> {
  let select = importedWorklogs(db, orgId);
  if (query.source !== undefined) select = select.where('importBatches.source', '=', query.source);
  if (query.prefix !== undefined && query.prefix !== '') {
    // A comparison of the id's first characters: LIKE would need its wildcards escaped, and is
    // case-insensitive on SQLite; a range would depend on PostgreSQL's collation.
    const prefix = query.prefix;
    select = select.where(sql<string>`substr(imported_worklogs.external_id, 1, length(cast(${prefix} as text)))`, '=', prefix);
  }
  // The cursor on both sides of the join: PostgreSQL does not carry it from one to the other, and
  // merged the ledger's page with the worklogs read from the first id on, every page (BENCHMARKS.md,
  // "the ledger's listing on PostgreSQL").
  if (query.afterId !== undefined)
    select = select.where('importedWorklogs.worklogId', '>', query.afterId).where('worklogs.id', '>', query.afterId);
  const rows = await select.orderBy('importedWorklogs.worklogId').limit(query.limit).execute();
  return rows.map(toImported);
}

/**
 * The worklogs imported under these external ids that still exist. On PostgreSQL their rows are
 * locked (in id order) until the transaction ends, so the versions read are the versions written
 * over; SQLite runs one write transaction at a time.
 */
export async function findImportedWorklogs(
  store: Store,
  trx: Kysely<Database>,
  orgId: string,
  externalIds: readonly string[],
): Promise<Map<string, ImportedWorklog>> {
  const found = new Map<string, ImportedWorklog>();
  const sorted = [...externalIds].sort();
  for (let offset = 0; offset < sorted.length; offset += CHUNK) {
    let select = importedWorklogs(trx, orgId)
      .where('importedWorklogs.externalId', 'in', sorted.slice(offset, offset + CHUNK))
      .orderBy('worklogs.id');
    if (store.dialect === 'postgres') select = select.forUpdate('worklogs');
    for (const row of await select.execute()) {
      const imported = toImported(row);
      found.set(imported.externalId, imported);
    }
  }
  return found;
}

/**
 * A worklog's new start, duration and comment, written over the version read: its `version`
 * grows by one, and its ledger row remembers that new version as synced.
 */
export interface WorklogRewrite {
  id: number;
  /** The version read (and locked): the write happens only over it. */
  version: number;
  start: number;
  durationSeconds: number;
  comment: string | null;
  updatedAt: number;
  updatedBy: number;
}

/** Rows per PostgreSQL statement (each column is one array parameter). */
const POSTGRES_CHUNK = 5000;

/**
 * Writes the rewrites (SQLite: prepared statements on the connection, one row a call, as
 * store/bulk-rows.ts does; PostgreSQL: one statement per chunk, columns as arrays). Answers how
 * many worklogs still had the version read: fewer than given means another writer got there.
 */
export async function rewriteImportedWorklogs(store: Store, trx: Kysely<Database>, rows: readonly WorklogRewrite[]): Promise<number> {
  const statements = store.sqliteStatements;
  if (statements !== undefined) {
    const update = statements.prepare(
      'update worklogs set start = ?, duration_seconds = ?, comment = ?, version = version + 1, updated_at = ?, updated_by = ? where id = ? and version = ?',
    );
    const synced = statements.prepare('update imported_worklogs set synced_version = ? where worklog_id = ?');
    let written = 0;
    for (const row of rows) {
      written += update.run(row.start, row.durationSeconds, row.comment, row.updatedAt, row.updatedBy, row.id, row.version).changes;
      synced.run(row.version + 1, row.id);
    }
    return written;
  }
  let written = 0;
  for (let offset = 0; offset < rows.length; offset += POSTGRES_CHUNK) {
    const chunk = rows.slice(offset, offset + POSTGRES_CHUNK);
    const column = <T>(pick: (row: WorklogRewrite) => T) => chunk.map(pick);
    const result = await sql`
      update worklogs set start = given.start, duration_seconds = given.duration_seconds, comment = given.comment,
        version = worklogs.version + 1, updated_at = given.updated_at, updated_by = given.updated_by
      from unnest(
        ${column((row) => row.id)}::bigint[], ${column((row) => row.version)}::integer[], ${column((row) => row.start)}::bigint[],
        ${column((row) => row.durationSeconds)}::bigint[], ${column((row) => row.comment)}::text[],
        ${column((row) => row.updatedAt)}::bigint[], ${column((row) => row.updatedBy)}::bigint[])
        as given(id, version, start, duration_seconds, comment, updated_at, updated_by)
      where worklogs.id = given.id and worklogs.version = given.version`.execute(trx);
    written += Number(result.numAffectedRows ?? 0);
    await sql`
      update imported_worklogs set synced_version = given.version + 1
      from unnest(${column((row) => row.id)}::bigint[], ${column((row) => row.version)}::integer[]) as given(worklog_id, version)
      where imported_worklogs.worklog_id = given.worklog_id`.execute(trx);
  }
  return written;
}

/**
 * Deletes worklogs and their ledger rows (first, so that nothing points to the worklogs), which
 * frees their external ids. Answers how many worklogs were deleted.
 */
export async function deleteImportedWorklogs(trx: Kysely<Database>, worklogIds: readonly number[]): Promise<number> {
  let deleted = 0;
  for (let offset = 0; offset < worklogIds.length; offset += CHUNK) {
    const chunk = worklogIds.slice(offset, offset + CHUNK);
    await trx.deleteFrom('importedWorklogs').where('worklogId', 'in', chunk).execute();
    const result = await trx.deleteFrom('worklogs').where('id', 'in', chunk).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}

/** What a batch's rollback took off one issue. */
export interface RemovedFromIssue {
  issueId: string;
  seconds: number;
  /** How many worklogs of the issue were removed. */
  count: number;
}

/**
 * Deletes every worklog a batch created that still exists, with its ledger row (first, so that
 * nothing points to the worklogs), which frees their external ids. Answers, per issue, the
 * seconds and entries removed, for the caller to take off the issues' `spent`.
 */
export async function deleteBatchWorklogs(trx: Kysely<Database>, batchId: number): Promise<RemovedFromIssue[]> {
  const sums = await trx
    .selectFrom('importedWorklogs')
    .innerJoin('worklogs', 'worklogs.id', 'importedWorklogs.worklogId')
    .select(['worklogs.issueId', sql<number>`sum(worklogs.duration_seconds)`.as('seconds'), sql<number>`count(*)`.as('count')])
    .where('importedWorklogs.batchId', '=', batchId)
    .groupBy('worklogs.issueId')
    .execute();
  const batchWorklogs = trx.selectFrom('importedWorklogs').select('worklogId').where('batchId', '=', batchId);
  // The ledger rows go first: the worklogs they point to are deleted next.
  const ids = (await batchWorklogs.execute()).map((row) => Number(row.worklogId));
  await trx.deleteFrom('importedWorklogs').where('batchId', '=', batchId).execute();
  for (let offset = 0; offset < ids.length; offset += CHUNK) {
    await trx
      .deleteFrom('worklogs')
      .where('id', 'in', ids.slice(offset, offset + CHUNK))
      .execute();
  }
  return sums.map((sum) => ({ issueId: sum.issueId, seconds: Number(sum.seconds), count: Number(sum.count) }));
}

/**
 * Whether a write failed because another transaction stored one of the same external ids first
 * (the ledger's unique index): two batches carrying the same new id at once, on PostgreSQL.
 */
export function isExternalIdTaken(error: unknown): boolean {
  const meaning = classifyDatabaseError(error);
  return meaning?.kind === 'duplicate' && meaning.table === 'imported_worklogs';
}
