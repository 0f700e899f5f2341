import type { Kysely } from 'kysely';
import { type MigrationDialect, instantType } from './types.js';

/**
 * Idempotency keys (issue 4): one row per (organization, token, key). `state` moves from `pending`
 * (claimed, the request is running) to `committed` (inside the write's own transaction) to `done`
 * (the response is stored and can be replayed).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> {
  const instant = instantType(dialect);
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('claimed_at', instant, (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('response_type', 'text')
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'token_hash', 'idempotency_key'])
    .execute();
  // Expired keys are swept by age.
  await db.schema.createIndex('idempotency_keys_claimed_at_idx').on('idempotency_keys').columns(['claimed_at']).execute();
}
