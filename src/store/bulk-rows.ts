import { type Kysely, sql } from 'kysely';
import type { Store } from './database.js';
import type { Database, NewWorklog } from './schema.js';

/**
 * The batch import's bulk writes (issue 6). On SQLite they go through prepared statements on the
 * connection itself, one row a call: better-sqlite3 runs one in about a microsecond, while a
 * 500-row multi-row INSERT through the query builder spends more than SQLite itself in building,
 * binding 6,000 parameters and RETURNING (BENCHMARKS.md, "profile"). They run inside the caller's
 * write transaction: the SQLite connection is single and synchronous, so nothing interleaves.
 * On PostgreSQL, where every statement is a round trip, one statement per 5,000 rows, each column
 * passed as one array (`unnest`).
 */

/** A worklog's entry in the import ledger. */
export interface LedgerRow {
  worklogId: number;
  orgId: string;
  batchId: number;
  externalId: string | null;
  /** The worklog's version as the batch wrote it (store/schema.ts, ImportedWorklogTable). */
  syncedVersion: number;
}

/** Rows per PostgreSQL statement: each column is one array parameter, so this only bounds a statement's size. */
const POSTGRES_CHUNK = 5000;

const INSERT_WORKLOG_SQL =
  'insert into worklogs (org_id, issue_id, created_by, created_at, updated_by, updated_at, start, duration_seconds, comment, version, imported) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Inserts the worklogs and answers their ids, in the order of `rows`. */
export async function insertWorklogRows(store: Store, trx: Kysely<Database>, rows: readonly NewWorklog[]): Promise<number[]> {
  const statements = store.sqliteStatements;
  if (statements !== undefined) {
    const insert = statements.prepare(INSERT_WORKLOG_SQL);
    return rows.map((row) =>
      Number(
        insert.run(
          row.orgId,
          row.issueId,
          row.createdBy,
          row.createdAt,
          row.updatedBy,
          row.updatedAt,
          row.start,
          row.durationSeconds,
          row.comment ?? null,
          row.version,
          row.imported ?? 0,
        ).lastInsertRowid,
      ),
    );
  }
  const ids: number[] = [];
  for (let offset = 0; offset < rows.length; offset += POSTGRES_CHUNK) {
    const chunk = rows.slice(offset, offset + POSTGRES_CHUNK);
    const column = <T>(pick: (row: NewWorklog) => T) => chunk.map(pick);
    // One statement a chunk, its columns as arrays: a few parameters instead of 11 a row.
    const { rows: inserted } = await sql<{
      id: number;
      issueId: string;
      createdBy: number;
      createdAt: number;
      start: number;
      durationSeconds: number;
    }>`
      insert into worklogs (org_id, issue_id, created_by, created_at, updated_by, updated_at, start, duration_seconds, comment, version, imported)
      select * from unnest(
        ${column((row) => row.orgId)}::text[], ${column((row) => row.issueId)}::text[], ${column((row) => row.createdBy)}::bigint[],
        ${column((row) => row.createdAt)}::bigint[], ${column((row) => row.updatedBy)}::bigint[], ${column((row) => row.updatedAt)}::bigint[],
        ${column((row) => row.start)}::bigint[], ${column((row) => row.durationSeconds)}::bigint[], ${column((row) => row.comment ?? null)}::text[],
        ${column((row) => row.version)}::integer[], ${column((row) => row.imported ?? 0)}::integer[])
      returning id, issue_id, created_by, created_at, start, duration_seconds`.execute(trx);
    // PostgreSQL hands out ascending ids in the order the rows come, but does not promise
    // RETURNING's order: sort, then check every row against the one it is paired with, so a
    // database that behaved otherwise fails the batch (rolled back) rather than answer wrong ids.
    inserted.sort((a, b) => Number(a.id) - Number(b.id));
    if (inserted.length !== chunk.length) throw new Error(`inserted ${inserted.length} worklogs for ${chunk.length} entries`);
    inserted.forEach((row, position) => {
      const wanted = chunk[position]!;
      const same =
        row.issueId === wanted.issueId &&
        Number(row.createdBy) === wanted.createdBy &&
        Number(row.createdAt) === wanted.createdAt &&
        Number(row.start) === wanted.start &&
        Number(row.durationSeconds) === wanted.durationSeconds;
      if (!same) throw new Error('the database returned inserted worklog ids out of VALUES order');
      ids.push(Number(row.id));
    });
  }
  return ids;
}

/** Records worklogs in the import ledger, in the order given. */
export async function insertLedgerRows(store: Store, trx: Kysely<Database>, rows: readonly LedgerRow[]): Promise<void> {
  const statements = store.sqliteStatements;
  if (statements !== undefined) {
    const insert = statements.prepare(
      'insert into imported_worklogs (worklog_id, org_id, batch_id, external_id, synced_version) values (?, ?, ?, ?, ?)',
    );
    for (const row of rows) insert.run(row.worklogId, row.orgId, row.batchId, row.externalId, row.syncedVersion);
    return;
  }
  for (let offset = 0; offset < rows.length; offset += POSTGRES_CHUNK) {
    const chunk = rows.slice(offset, offset + POSTGRES_CHUNK);
    // WITH ORDINALITY ... ORDER BY: the rows go in in the order given (concurrent batches then
    // meet on the unique index in the same order, see service/batch-import.ts).
    await sql`
      insert into imported_worklogs (worklog_id, org_id, batch_id, external_id, synced_version)
      select worklog_id, org_id, batch_id, external_id, synced_version from unnest(
        ${chunk.map((row) => row.worklogId)}::bigint[], ${chunk.map((row) => row.orgId)}::text[],
        ${chunk.map((row) => row.batchId)}::bigint[], ${chunk.map((row) => row.externalId)}::text[],
        ${chunk.map((row) => row.syncedVersion)}::integer[])
        with ordinality as given(worklog_id, org_id, batch_id, external_id, synced_version, position)
      order by position`.execute(trx);
  }
}

/** The worklog ids of the external ids already in the organization's ledger. */
export async function findLedgerByExternalId(
  store: Store,
  db: Kysely<Database>,
  orgId: string,
  externalIds: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const statements = store.sqliteStatements;
  if (statements !== undefined) {
    const lookup = statements.prepare('select worklog_id from imported_worklogs where org_id = ? and external_id = ?').pluck();
    for (const externalId of externalIds) {
      const worklogId = lookup.get(orgId, externalId) as number | undefined;
      if (worklogId !== undefined) found.set(externalId, worklogId);
    }
    return found;
  }
  for (let offset = 0; offset < externalIds.length; offset += POSTGRES_CHUNK) {
    const { rows } = await sql<{ externalId: string; worklogId: number }>`
      select external_id, worklog_id from imported_worklogs
      where org_id = ${orgId} and external_id = any(${externalIds.slice(offset, offset + POSTGRES_CHUNK)}::text[])`.execute(db);
    for (const row of rows) found.set(row.externalId, Number(row.worklogId));
  }
  return found;
}
