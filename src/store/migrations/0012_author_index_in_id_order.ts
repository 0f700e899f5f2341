import type { Kysely } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * The worklog search by author was served by `worklogs_org_author_created_idx (org_id, created_by,
 * created_at)`, whose insertion point is random for entries not in time order: at 5,000,000 stored
 * it alone held a random-order batch import to about half its rate (bench/indexes.ts,
 * BENCHMARKS.md "Issue 19: what each time index costs"). The search answers in id order, so
 * `(org_id, created_by, id, created_at)` serves it at least as well (a page is a walk of the
 * author's ids; `created_at` in the index filters and counts a period without reading the table),
 * and it grows at the end of each author's range, as ids do, whatever order the entries come in.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db.schema.createIndex('worklogs_org_author_id_idx').on('worklogs').columns(['org_id', 'created_by', 'id', 'created_at']).execute();
  await db.schema.dropIndex('worklogs_org_author_created_idx').execute();
}
