import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * What a service hands a repository function: the store's database (`Store.db`, for reads) or the
 * transaction it runs in (`Store.inWriteTransaction`). The services pass it on without looking
 * inside; only the repositories in this folder build statements on it.
 */
export type DbHandle = Kysely<Database>;
