import type { Kysely } from 'kysely';
import type { Queue } from '../domain/issue.js';
import type { Database } from './schema.js';

/** The statements of queues. */

/** The id of the organization's queue with exactly this key, if any. */
export async function queueIdByKey(db: Kysely<Database>, orgId: string, key: string): Promise<number | undefined> {
  const row = await db.selectFrom('queues').select('id').where('orgId', '=', orgId).where('key', '=', key).executeTakeFirst();
  return row?.id;
}

/** A new queue's fields; the store fills in the id, the issue numbering, the version and `updatedAt`. */
export type NewQueueRow = Omit<Queue, 'id' | 'lastIssueNumber' | 'version' | 'updatedAt'>;

export async function insertQueue(db: Kysely<Database>, queue: NewQueueRow): Promise<Queue> {
  return db
    .insertInto('queues')
    .values({
      ...queue,
      lastIssueNumber: 0,
      extra: JSON.stringify(queue.extra),
      version: 1,
      updatedAt: queue.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A queue of the organization by its key, as stored (upper case). */
export async function findQueueByStoredKey(db: Kysely<Database>, orgId: string, key: string): Promise<Queue | undefined> {
  return db.selectFrom('queues').selectAll().where('orgId', '=', orgId).where('key', '=', key).executeTakeFirst();
}

export async function findQueueById(db: Kysely<Database>, orgId: string, id: number): Promise<Queue | undefined> {
  return db.selectFrom('queues').selectAll().where('orgId', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** A queue by id, in any organization (the id comes from a row already scoped to one); it must exist. */
export async function queueById(db: Kysely<Database>, id: number): Promise<Queue> {
  return db.selectFrom('queues').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Queues by id, in any organization (the ids come from rows already scoped to one). */
export async function queuesById(db: Kysely<Database>, ids: Iterable<number>): Promise<Map<number, Queue>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const queues = await db.selectFrom('queues').selectAll().where('id', 'in', unique).execute();
  return new Map(queues.map((queue) => [queue.id, queue]));
}

/** Takes the queue's next issue number and answers it. */
export async function takeNextIssueNumber(db: Kysely<Database>, queueId: number): Promise<number> {
  const row = await db
    .updateTable('queues')
    .set((eb) => ({ lastIssueNumber: eb('lastIssueNumber', '+', 1) }))
    .where('id', '=', queueId)
    .returning('lastIssueNumber')
    .executeTakeFirstOrThrow();
  return row.lastIssueNumber;
}

/** Moves the queue's numbering on to at least `number` (never back). */
export async function raiseLastIssueNumber(db: Kysely<Database>, queueId: number, number: number): Promise<void> {
  await db.updateTable('queues').set({ lastIssueNumber: number }).where('id', '=', queueId).where('lastIssueNumber', '<', number).execute();
}
