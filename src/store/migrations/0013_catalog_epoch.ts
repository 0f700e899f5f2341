import { type Kysely, sql } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * Issue 19, point 3: a counter that every change to what the catalog cache keeps moves by one
 * (store/catalog-cache.ts), in any process that writes the database: triggers, not the code, move
 * it, so the `timeport` command beside the server (token revoke, user changes) moves it too.
 *
 * What the cache keeps, and so what moves the counter:
 * - a token's owner: any UPDATE or DELETE of tokens, users or organizations;
 * - a user by login: the same, on users;
 * - an issue's reference and lifetime for the import (domain/issue.ts, `IssueForWorklog`): a
 *   DELETE of issues, or an UPDATE that changes its id, organization, key, summary or creation
 *   time, or moves its last update back. A worklog's own writes move `spent`, `version` and the
 *   last update forward (store/worklogs.ts), which the import's window check may meet stale only
 *   on the safe side (service/worklogs.ts); leaving them out keeps those writes off this one row,
 *   which on PostgreSQL each would otherwise lock to its commit.
 * INSERTs never do: the cache keeps no "not found", so a new row cannot make a kept one wrong.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('catalog_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('epoch', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('catalog_epoch').values({ id: 1, epoch: 0 }).execute();

  const issueChanged = [
    ...['id', 'org_id', 'key', 'summary', 'created_at'].map((column) =>
      dialect === 'sqlite' ? `NEW."${column}" IS NOT OLD."${column}"` : `NEW."${column}" IS DISTINCT FROM OLD."${column}"`,
    ),
    'NEW.updated_at < OLD.updated_at',
  ].join(' OR ');
  const bump = 'UPDATE catalog_epoch SET epoch = epoch + 1';

  if (dialect === 'sqlite') {
    for (const table of ['organizations', 'users', 'tokens']) {
      for (const event of ['UPDATE', 'DELETE']) {
        await sql.raw(`CREATE TRIGGER catalog_${table}_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN ${bump}; END`).execute(db);
      }
    }
    await sql.raw(`CREATE TRIGGER catalog_issues_update AFTER UPDATE ON issues WHEN ${issueChanged} BEGIN ${bump}; END`).execute(db);
    await sql.raw(`CREATE TRIGGER catalog_issues_delete AFTER DELETE ON issues BEGIN ${bump}; END`).execute(db);
    return;
  }
  await sql
    .raw(`CREATE FUNCTION timeport_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${bump}; RETURN NULL; END $$`)
    .execute(db);
  // Once per statement where the statement is all it takes; per row where the row decides.
  for (const table of ['organizations', 'users', 'tokens']) {
    await sql
      .raw(
        `CREATE TRIGGER catalog_${table} AFTER UPDATE OR DELETE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION timeport_catalog_changed()`,
      )
      .execute(db);
  }
  await sql
    .raw(
      `CREATE TRIGGER catalog_issues_update AFTER UPDATE ON issues FOR EACH ROW WHEN (${issueChanged}) EXECUTE FUNCTION timeport_catalog_changed()`,
    )
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER catalog_issues_delete AFTER DELETE ON issues FOR EACH STATEMENT EXECUTE FUNCTION timeport_catalog_changed()`)
    .execute(db);
}
