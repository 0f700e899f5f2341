import type { Kysely } from 'kysely';
import { type MigrationDialect, idColumnType, instantType } from './types.js';

/**
 * The import ledger (issue 5): one row per batch imported through `/timeport/v1/worklogs/_import`,
 * and one row per worklog a batch created, with the entry's id in the source system. The unique
 * (org, external id) pair is what makes a re-run create nothing new.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const id = idColumnType(dialect);
  const instant = instantType(dialect);

  await db.schema
    .createTable('import_batches')
    .addColumn('id', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('created_by', instant, (c) => c.notNull().references('users.uid'))
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('created_count', 'integer', (c) => c.notNull())
    .addColumn('already_present_count', 'integer', (c) => c.notNull())
    .addColumn('failed_count', 'integer', (c) => c.notNull())
    .addColumn('rolled_back_at', instant)
    .addColumn('rolled_back_by', instant, (c) => c.references('users.uid'))
    .execute();
  await db.schema.createIndex('import_batches_org_id_idx').on('import_batches').columns(['org_id', 'id']).execute();

  await db.schema
    .createTable('imported_worklogs')
    // A worklog removed by other means takes its ledger row with it, so the ledger never blocks a delete.
    .addColumn('worklog_id', instant, (c) => c.primaryKey().references('worklogs.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('batch_id', instant, (c) => c.notNull().references('import_batches.id'))
    .addColumn('external_id', 'text')
    // NULLs never collide in a unique constraint (SQLite and PostgreSQL alike): entries without an
    // external id are simply not deduplicated.
    .addUniqueConstraint('imported_worklogs_org_external_unique', ['org_id', 'external_id'])
    .execute();
  await db.schema.createIndex('imported_worklogs_batch_idx').on('imported_worklogs').columns(['batch_id', 'worklog_id']).execute();
}
