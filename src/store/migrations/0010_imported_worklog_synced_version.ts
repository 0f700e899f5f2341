import type { Kysely } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * `timeport sync` (issue 18): each worklog imported with an external id remembers its version right
 * after the last write made through the batch import or `/timeport/v1/worklogs/_changes`. A worklog
 * whose version differs was changed in Timeport since (PATCH, the UI), which a client can tell
 * without any state of its own. Worklogs imported before this remember 1: the import creates
 * version 1, and nothing but the import wrote their ledger row. The index serves the list of what
 * an organization imported (`GET /timeport/v1/worklogs/_external`), in worklog id order.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db.schema
    .alterTable('imported_worklogs')
    .addColumn('synced_version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.createIndex('imported_worklogs_org_worklog_idx').on('imported_worklogs').columns(['org_id', 'worklog_id']).execute();
}
