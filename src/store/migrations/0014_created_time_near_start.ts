import { type Kysely, type SqlBool, sql } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * SQLite only: creation time through the index by start (store/created-near-start.ts says how
 * queries read it). `worklogs_report_created_idx`, whose insertion point is random for historical
 * entries, cost every single import a page of SQLite's log of its own (issue 19, BENCHMARKS.md).
 *
 * - The index by start gets `created_at` after `start`: a worklog created near its start (a day
 *   before to 35 days after) is found by a range of it, and a report by creation time still reads
 *   no table row.
 * - The others, and only they, are in `worklogs_created_far_from_start_idx`, by creation time.
 * - `worklogs_report_created_idx` goes.
 *
 * PostgreSQL keeps its indexes: its log records the change, not the page.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema.dropIndex('worklogs_report_start_idx').execute();
  await db.schema
    .createIndex('worklogs_report_start_idx')
    .on('worklogs')
    .columns(['org_id', 'start', 'created_at', 'created_by', 'issue_id', 'duration_seconds'])
    .execute();
  // The condition is store/created-near-start.ts's FAR_FROM_START_SQL, written out: a migration never changes.
  await db.schema
    .createIndex('worklogs_created_far_from_start_idx')
    .on('worklogs')
    .columns(['org_id', 'created_at', 'start', 'created_by', 'issue_id', 'duration_seconds'])
    .where(sql.raw<SqlBool>('start - created_at > 86400000 OR created_at - start > 3024000000'))
    .execute();
  await db.schema.dropIndex('worklogs_report_created_idx').execute();
}
