import type { Kysely } from 'kysely';
import type { Organization } from '../domain/accounts.js';
import type { Database } from './schema.js';

/** The statements of organizations. */

export async function organizationExists(db: Kysely<Database>, id: string): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Whether the database holds any organization at all (first start). */
export async function anyOrganizationExists(db: Kysely<Database>): Promise<boolean> {
  return (await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** An organization whose id or cloud id is one of `values` (ids and cloud ids share one namespace). */
export async function organizationNamedBy(
  db: Kysely<Database>,
  values: readonly string[],
): Promise<{ id: string; cloudOrgId: string | null } | undefined> {
  return db
    .selectFrom('organizations')
    .select(['id', 'cloudOrgId'])
    .where((eb) => eb.or([eb('id', 'in', values), eb('cloudOrgId', 'in', values)]))
    .executeTakeFirst();
}

export async function insertOrganization(db: Kysely<Database>, org: Organization): Promise<void> {
  await db.insertInto('organizations').values(org).execute();
}
