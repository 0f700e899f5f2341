import type { Kysely } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * `worklogs_org_created_idx (org_id, created_at)` is a prefix of `worklogs_report_created_idx`
 * (0003), which serves every query it served. Each index costs every insert a B-tree update; the
 * batch import's profile showed index maintenance as most of its database time (BENCHMARKS.md).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db.schema.dropIndex('worklogs_org_created_idx').execute();
}
