import type { Kysely } from 'kysely';
import { type MigrationDialect, idColumnType, instantType } from './types.js';

/** Organizations, users, tokens, queues, issues and worklogs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const id = idColumnType(dialect);
  const instant = instantType(dialect);

  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('cloud_org_id', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('uid', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('login', 'text', (c) => c.notNull())
    .addColumn('login_key', 'text', (c) => c.notNull())
    .addColumn('display', 'text', (c) => c.notNull())
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('is_admin', 'integer', (c) => c.notNull())
    .addColumn('passport_uid', instant)
    .addColumn('cloud_uid', 'text', (c) => c.notNull())
    .addColumn('dismissed', 'integer', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addUniqueConstraint('users_org_login_unique', ['org_id', 'login_key'])
    .execute();

  await db.schema
    .createTable('tokens')
    .addColumn('id', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('user_uid', instant, (c) => c.notNull().references('users.uid'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('revoked_at', instant)
    .execute();

  await db.schema
    .createTable('queues')
    .addColumn('id', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('lead_uid', instant, (c) => c.notNull().references('users.uid'))
    .addColumn('default_type', 'text', (c) => c.notNull())
    .addColumn('default_priority', 'text', (c) => c.notNull())
    // Issue numbers go up to 10 digits (keys like MIG-9999999999): 64 bits on PostgreSQL, whose
    // integer has 32. SQLite's integer is 64 bits already. (Changed before PostgreSQL was first
    // supported, so no PostgreSQL database ever ran the older form.)
    .addColumn('last_issue_number', instant, (c) => c.notNull())
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('updated_at', instant, (c) => c.notNull())
    .addUniqueConstraint('queues_org_key_unique', ['org_id', 'key'])
    .execute();

  await db.schema
    .createTable('issues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('queue_id', instant, (c) => c.notNull().references('queues.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('number', instant, (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('assignee_uid', instant)
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('created_by', instant, (c) => c.notNull())
    .addColumn('updated_at', instant, (c) => c.notNull())
    .addColumn('updated_by', instant, (c) => c.notNull())
    .addColumn('resolved_at', instant)
    .addColumn('resolved_by', instant)
    .addColumn('resolution', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('spent_seconds', instant, (c) => c.notNull())
    .addColumn('original_estimation_seconds', instant)
    .addColumn('estimation_seconds', instant)
    .addColumn('unique_marker', 'text')
    .addColumn('deadline', 'text')
    .addColumn('start', 'text')
    .addColumn('end', 'text')
    .addColumn('extra', 'text', (c) => c.notNull())
    .addUniqueConstraint('issues_org_key_unique', ['org_id', 'key'])
    .addUniqueConstraint('issues_org_unique_marker_unique', ['org_id', 'unique_marker'])
    .execute();

  await db.schema
    .createTable('worklogs')
    .addColumn('id', id, (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('issue_id', 'text', (c) => c.notNull().references('issues.id'))
    .addColumn('created_by', instant, (c) => c.notNull().references('users.uid'))
    .addColumn('created_at', instant, (c) => c.notNull())
    .addColumn('updated_by', instant, (c) => c.notNull().references('users.uid'))
    .addColumn('updated_at', instant, (c) => c.notNull())
    .addColumn('start', instant, (c) => c.notNull())
    .addColumn('duration_seconds', instant, (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('imported', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // Lists page through one issue's worklogs by id; searches go by author and creation time.
  await db.schema.createIndex('worklogs_issue_id_idx').on('worklogs').columns(['issue_id', 'id']).execute();
  await db.schema.createIndex('worklogs_org_author_created_idx').on('worklogs').columns(['org_id', 'created_by', 'created_at']).execute();
  await db.schema.createIndex('worklogs_org_created_idx').on('worklogs').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('issues_queue_number_idx').on('issues').columns(['queue_id', 'number']).execute();
  await db.schema.createIndex('tokens_user_idx').on('tokens').columns(['user_uid']).execute();
}
