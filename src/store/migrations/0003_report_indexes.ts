import type { Kysely } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * Indexes for the time-spent report (`/timeport/v1/reports/time-spent`). Each covers a report query
 * on its own: the organization and the instant the report cuts by lead, so a period is one range
 * scan, and the author, issue and duration follow, so the sums never read the table itself.
 * Plain column lists, the same on SQLite and PostgreSQL.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createIndex('worklogs_report_start_idx')
    .on('worklogs')
    .columns(['org_id', 'start', 'created_by', 'issue_id', 'duration_seconds'])
    .execute();
  await db.schema
    .createIndex('worklogs_report_created_idx')
    .on('worklogs')
    .columns(['org_id', 'created_at', 'created_by', 'issue_id', 'duration_seconds'])
    .execute();
  // The report's queue grouping and filter join each worklog to its issue's queue.
  await db.schema.createIndex('issues_report_queue_idx').on('issues').columns(['id', 'queue_id']).execute();
}
