import type { Kysely } from 'kysely';
import { type MigrationDialect, instantType } from './types.js';

/**
 * Issue 19, point 3: seconds a single import added to an issue's `spent`, kept apart from the
 * issue's row in a few counters per issue, so that imports into one issue do not each hold the
 * issue's row lock until their commit (PostgreSQL). An issue's `spent` is `issues.spent_seconds`
 * plus the sum of its rows here (store/issues.ts, `issueColumns`). SQLite, which runs one write
 * transaction at a time, never writes here; the table exists on both so that the schema is one.
 * The primary key is how a read finds an issue's counters and how an import's upsert finds its own.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('issue_spent_shards')
    .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id'))
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('seconds', instantType(dialect), (c) => c.notNull())
    .addPrimaryKeyConstraint('issue_spent_shards_pkey', ['issue_id', 'shard'])
    .execute();
}
