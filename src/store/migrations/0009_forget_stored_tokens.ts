import { type Kysely, sql } from 'kysely';
import type { MigrationDialect } from './types.js';

/**
 * Answers to token creation were kept for `Idempotency-Key` replays, the new token in plain text
 * (issue 14). They no longer are; this forgets those already kept. The keys stay, so a retry still
 * cannot create a second token; it is told the answer cannot be replayed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
export async function up(db: Kysely<any>, _dialect: MigrationDialect): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_body: '', response_type: null })
    .where(sql<boolean>`response_body like ${'%"token":%'}`)
    .execute();
}
