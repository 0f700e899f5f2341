/** Shared set-up of the store-level tests of the single-import writers. Not a test file itself. */
import { sql } from 'kysely';
import type { ImportAuditValues, ImportedWorklogValues } from '../../src/store/worklogs.js';
import type { TestApp } from '../../support/app.js';
import { NOW } from '../api/fixtures.js';

/** The uid of organization 1's admin, the author of these imports. */
export async function adminUid(t: TestApp): Promise<number> {
  const { rows } = await sql<{ uid: number }>`select uid from users where login = 'admin'`.execute(t.store.db);
  return Number(rows[0]!.uid);
}

/**
 * A single import into `issueId` as the service hands it to the store (store/worklogs.ts): its
 * values and its audit event, which records the comment so that a test can match the two.
 */
export function singleImportEntry(
  author: number,
  issueId: string,
  comment: string,
  durationSeconds = 60,
): [ImportedWorklogValues, ImportAuditValues] {
  return [
    { orgId: '1', issueId, author, createdAt: NOW - 60_000, start: NOW - 3_600_000, durationSeconds, comment },
    {
      orgId: '1',
      at: NOW,
      actorUid: author,
      action: 'worklog.import',
      issueKey: null,
      batchId: null,
      requestId: null,
      serverRequestId: null,
      details: JSON.stringify({ after: { comment } }),
    },
  ];
}
