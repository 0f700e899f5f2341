import type { Kysely } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * The audit log's `request_id` is the `X-Request-Id` the caller chose, so it proves nothing about
 * which request made a change; `server_request_id` is the id the server made for the request
 * itself (issue 14). Events recorded before it have none.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('server_request_id', 'text').execute();
}
