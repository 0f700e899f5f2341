import type { Kysely } from 'kysely';
import { type MigrationDialect, idColumnType, instantType } from './types.js';

/**
 * The audit log (issue 7): one row per change to time data and to who may reach it, written in the
 * change's own transaction, so a change and its audit event commit together or not at all.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const id = idColumnType(dialect);
  const instant = instantType(dialect);
  await db.schema
    .createTable('audit_events')
    .addColumn('id', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('at', instant, (c) => c.notNull())
    // NULL: the operator, through the command line on the server's machine (no user, no token).
    .addColumn('actor_uid', instant, (c) => c.references('users.uid'))
    .addColumn('action', 'text', (c) => c.notNull())
    // Plain values, no foreign keys: the event outlives what it is about (a deleted worklog).
    .addColumn('issue_key', 'text')
    .addColumn('worklog_id', instant)
    .addColumn('batch_id', instant)
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  // The log is read newest first, whole or by action, actor or issue.
  await db.schema.createIndex('audit_events_org_idx').on('audit_events').columns(['org_id', 'id']).execute();
  await db.schema.createIndex('audit_events_org_action_idx').on('audit_events').columns(['org_id', 'action', 'id']).execute();
  await db.schema.createIndex('audit_events_org_actor_idx').on('audit_events').columns(['org_id', 'actor_uid', 'id']).execute();
  await db.schema.createIndex('audit_events_org_issue_idx').on('audit_events').columns(['org_id', 'issue_key', 'id']).execute();
}
