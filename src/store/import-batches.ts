import { sql } from 'kysely';
import type { DbHandle } from './database.js';
import type { ImportBatch } from './schema.js';

/**
 * The import batches repository: one row per stored `/timeport/v1/worklogs/_import` batch, with
 * its counts and its rollback. The worklogs each batch created are its ledger rows
 * (store/imported-worklogs.ts). Both dialects; callers pass the database or the transaction.
 */

export type NewImportBatch = Omit<ImportBatch, 'id' | 'rolledBackAt' | 'rolledBackBy'>;

export async function insertImportBatch(trx: DbHandle, values: NewImportBatch): Promise<ImportBatch> {
  return trx
    .insertInto('importBatches')
    .values({ ...values, rolledBackAt: null, rolledBackBy: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The organization's batches, newest first, before a cursor, at most `limit`. */
export async function listImportBatches(
  db: DbHandle,
  orgId: string,
  page: { beforeId?: number | undefined; limit: number },
): Promise<ImportBatch[]> {
  let query = db.selectFrom('importBatches').selectAll().where('orgId', '=', orgId);
  if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
  return query.orderBy('id', 'desc').limit(page.limit).execute();
}

export async function findImportBatch(db: DbHandle, orgId: string, batchId: number): Promise<ImportBatch | undefined> {
  return db.selectFrom('importBatches').selectAll().where('orgId', '=', orgId).where('id', '=', batchId).executeTakeFirst();
}

/** How many of the batch's worklogs still exist (its ledger rows). */
export async function countBatchWorklogs(db: DbHandle, batchId: number): Promise<number> {
  const remaining = await db
    .selectFrom('importedWorklogs')
    .select(sql<number>`count(*)`.as('count'))
    .where('batchId', '=', batchId)
    .executeTakeFirstOrThrow();
  return Number(remaining.count);
}

/** Records who rolled the batch back and when. */
export async function markImportBatchRolledBack(trx: DbHandle, batchId: number, by: { uid: number; at: number }): Promise<void> {
  await trx.updateTable('importBatches').set({ rolledBackAt: by.at, rolledBackBy: by.uid }).where('id', '=', batchId).execute();
}
