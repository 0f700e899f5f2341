/**
 * Snapshots of stored data for the security tests (not a test file itself): every row of every
 * table, or of one organization's rows. Two snapshots taken before and after a series of refused
 * requests must be deep-equal: nothing was written, not even a version or a revocation time.
 */
import type { Store } from '../../src/store/database.js';

/** Every row an organization owns, table by table, in primary-key order. */
export async function organizationRows(store: Store, orgId: string): Promise<Record<string, unknown[]>> {
  const db = store.db;
  return {
    organizations: await db.selectFrom('organizations').selectAll().where('id', '=', orgId).execute(),
    users: await db.selectFrom('users').selectAll().where('orgId', '=', orgId).orderBy('uid').execute(),
    tokens: await db
      .selectFrom('tokens')
      .innerJoin('users', 'users.uid', 'tokens.userUid')
      .selectAll('tokens')
      .where('users.orgId', '=', orgId)
      .orderBy('tokens.id')
      .execute(),
    queues: await db.selectFrom('queues').selectAll().where('orgId', '=', orgId).orderBy('id').execute(),
    issues: await db.selectFrom('issues').selectAll().where('orgId', '=', orgId).orderBy('id').execute(),
    issueSpentShards: await db
      .selectFrom('issueSpentShards')
      .innerJoin('issues', 'issues.id', 'issueSpentShards.issueId')
      .selectAll('issueSpentShards')
      .where('issues.orgId', '=', orgId)
      .orderBy('issueSpentShards.issueId')
      .orderBy('issueSpentShards.shard')
      .execute(),
    worklogs: await db.selectFrom('worklogs').selectAll().where('orgId', '=', orgId).orderBy('id').execute(),
    importBatches: await db.selectFrom('importBatches').selectAll().where('orgId', '=', orgId).orderBy('id').execute(),
    importedWorklogs: await db.selectFrom('importedWorklogs').selectAll().where('orgId', '=', orgId).orderBy('worklogId').execute(),
    idempotencyKeys: await db
      .selectFrom('idempotencyKeys')
      .selectAll()
      .where('orgId', '=', orgId)
      .orderBy('tokenHash')
      .orderBy('idempotencyKey')
      .execute(),
    auditEvents: await db.selectFrom('auditEvents').selectAll().where('orgId', '=', orgId).orderBy('id').execute(),
  };
}

/** Every row of every table, in primary-key order. */
export async function allRows(store: Store): Promise<Record<string, unknown[]>> {
  const db = store.db;
  return {
    organizations: await db.selectFrom('organizations').selectAll().orderBy('id').execute(),
    users: await db.selectFrom('users').selectAll().orderBy('uid').execute(),
    tokens: await db.selectFrom('tokens').selectAll().orderBy('id').execute(),
    queues: await db.selectFrom('queues').selectAll().orderBy('id').execute(),
    issues: await db.selectFrom('issues').selectAll().orderBy('id').execute(),
    issueSpentShards: await db.selectFrom('issueSpentShards').selectAll().orderBy('issueId').orderBy('shard').execute(),
    worklogs: await db.selectFrom('worklogs').selectAll().orderBy('id').execute(),
    importBatches: await db.selectFrom('importBatches').selectAll().orderBy('id').execute(),
    importedWorklogs: await db.selectFrom('importedWorklogs').selectAll().orderBy('worklogId').execute(),
    idempotencyKeys: await db
      .selectFrom('idempotencyKeys')
      .selectAll()
      .orderBy('orgId')
      .orderBy('tokenHash')
      .orderBy('idempotencyKey')
      .execute(),
    auditEvents: await db.selectFrom('auditEvents').selectAll().orderBy('id').execute(),
  };
}

/** Row counts per table and every issue's `spent`: a cheap summary to report when snapshots differ. */
export function summary(rows: Record<string, unknown[]>): Record<string, unknown> {
  const issues = (rows.issues ?? []) as { id: string; orgId: string; key: string; spentSeconds: number }[];
  const shards = (rows.issueSpentShards ?? []) as { issueId: string; seconds: number }[];
  // spent as the store reads it: the issue's column plus its counters (store/issues.ts).
  const spentOf = (issue: (typeof issues)[number]): number =>
    Number(issue.spentSeconds) +
    shards.filter((shard) => shard.issueId === issue.id).reduce((sum, shard) => sum + Number(shard.seconds), 0);
  return {
    counts: Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.length])),
    spent: Object.fromEntries(issues.map((issue) => [`${issue.orgId}/${issue.key}`, spentOf(issue)])),
  };
}
