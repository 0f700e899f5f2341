import { type Problem, conflict, notFound, refusalProblem } from '../domain/errors.js';
import { type Result, allChecks, checkFields } from '../domain/result.js';
import { checkWorklogImport } from '../domain/worklog-rules.js';
import type { DbHandle } from '../store/database.js';
import {
  countBatchWorklogs,
  findImportBatch,
  insertImportBatch,
  listImportBatches as listImportBatchRows,
  markImportBatchRolledBack,
} from '../store/import-batches.js';
import { deleteBatchWorklogs, isExternalIdTaken } from '../store/imported-worklogs.js';
import type { User } from '../domain/accounts.js';
import type { Issue } from '../domain/issue.js';
import type { ImportBatch } from '../domain/worklog.js';
import type { NewWorklog } from '../store/schema.js';
import { moveImportedSpent } from '../store/worklogs.js';
import type { Caller, ServiceContext } from './context.js';
import { findLedgerByExternalId, insertLedgerRows, insertWorklogRows } from '../store/bulk-rows.js';
import { isTransactionConflict } from '../store/errors.js';
import { recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { findIssue } from './issues.js';
import { loadUsers, requireAdmin, userReference } from './users.js';
import type { ImportWorklogFields } from './worklogs.js';

/** The most entries one batch request may carry. */
export const MAX_BATCH_ENTRIES = 10_000;
/** The longest external id kept (source systems' ids are short; this bounds the index). */
export const MAX_EXTERNAL_ID_LENGTH = 200;

export type BatchMode = 'atomic' | 'partial';

export interface BatchOptions {
  mode: BatchMode;
  /** Validate everything, write nothing (not even the batch record). */
  dryRun: boolean;
  /** Where the entries came from, as the importer names it (a file, a system). */
  source?: string | undefined;
}

/** One entry as the caller hands it over: its fields, or the schema problem that stopped it. */
export type BatchEntryInput =
  | { ok: true; issue: string; externalId?: string | undefined; fields: ImportWorklogFields }
  | { ok: false; externalId?: string | undefined; problem: Problem };

export type EntryOutcome =
  | { index: number; externalId?: string; status: 'created'; issue: string; worklogId?: number }
  | { index: number; externalId?: string; status: 'alreadyPresent'; worklogId: number }
  | { index: number; externalId?: string; status: 'failed'; problem: Problem };

export interface BatchCounts {
  created: number;
  alreadyPresent: number;
  failed: number;
}

export interface BatchResult {
  /** The recorded batch, when something was stored (not for a dry run or a refused atomic batch). */
  batch?: ImportBatch;
  outcomes: EntryOutcome[];
  counts: BatchCounts;
  /** False when nothing was written: a dry run, or an atomic batch with a failing entry. */
  stored: boolean;
}

/** The batch's audit event names at most this many of its issues (the ledger has every entry). */
const MAX_AUDITED_ISSUES = 100;

interface PendingEntry {
  index: number;
  externalId: string | undefined;
  issue: Issue;
  row: NewWorklog;
  worklogId?: number;
}

/**
 * `POST /timeport/v1/worklogs/_import`: many imports in one transaction, with the single import's
 * rules (checkWorklogImport, the same user resolution and the same messages). Entries whose
 * external id was imported before are answered as already present and not stored again. Writes
 * go in bulk (store/bulk-rows.ts), with one `spent` update per issue, so a batch costs one commit.
 */
export async function importWorklogBatch(
  ctx: ServiceContext,
  caller: Caller,
  entries: readonly BatchEntryInput[],
  options: BatchOptions,
): Promise<BatchResult> {
  requireAdmin(caller, 'import time entries');
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await writeBatch(ctx, caller, entries, options);
      if (result.stored && result.counts.created > 0) await ctx.store.noteBulkRows?.(result.counts.created);
      return result;
    } catch (error) {
      if (error instanceof NothingStored) return error.result;
      // Two batches carrying the same new external id at once (PostgreSQL runs them side by side):
      // the later one's insert meets the earlier one's row and rolls back whole. Run again, it finds
      // the entry already present, as if the batches had come one after the other.
      if ((!isExternalIdTaken(error) && !isTransactionConflict(error)) || attempt >= MAX_BATCH_ATTEMPTS) throw error;
    }
  }
}

/** Thrown out of the batch's transaction to roll it back when nothing is to be stored; carries the answer. */
class NothingStored extends Error {
  constructor(readonly result: BatchResult) {
    super('nothing stored');
  }
}

/** Attempts of one batch that keeps meeting concurrent batches' external ids; each attempt sees more of them committed. */
const MAX_BATCH_ATTEMPTS = 5;

async function writeBatch(
  ctx: ServiceContext,
  caller: Caller,
  entries: readonly BatchEntryInput[],
  options: BatchOptions,
): Promise<BatchResult> {
  const orgId = caller.org.id;
  return writeTransaction(ctx, async (trx) => {
    const now = ctx.now();
    const externalIds = [...new Set(entries.flatMap((entry) => (entry.ok && entry.externalId !== undefined ? [entry.externalId] : [])))];
    const existing = await findLedgerByExternalId(ctx.store, trx, orgId, externalIds);

    const issues = new Map<string, Issue | undefined>();
    const authors = new Map<string, Result<User>>();
    const outcomes: EntryOutcome[] = [];
    const pending: PendingEntry[] = [];
    /** External id → the pending entry that will create it, for repeats inside one batch. */
    const firstInBatch = new Map<string, PendingEntry>();
    const repeats: { outcome: EntryOutcome & { status: 'alreadyPresent' }; first: PendingEntry }[] = [];

    for (const [index, entry] of entries.entries()) {
      const withId = <T extends object>(outcome: T) =>
        entry.externalId === undefined ? outcome : { ...outcome, externalId: entry.externalId };
      if (!entry.ok) {
        outcomes.push(withId({ index, status: 'failed' as const, problem: entry.problem }));
        continue;
      }
      const externalId = entry.externalId;
      if (externalId !== undefined) {
        const storedId = existing.get(externalId);
        if (storedId !== undefined) {
          outcomes.push(withId({ index, status: 'alreadyPresent' as const, worklogId: storedId }));
          continue;
        }
        const first = firstInBatch.get(externalId);
        if (first !== undefined) {
          const outcome = withId({ index, status: 'alreadyPresent' as const, worklogId: 0 });
          outcomes.push(outcome);
          repeats.push({ outcome, first });
          continue;
        }
      }
      if (!issues.has(entry.issue)) issues.set(entry.issue, await findIssue(trx, orgId, entry.issue));
      const issue = issues.get(entry.issue);
      // The single import's order: an unknown issue is `not_found` before the body's rules are applied.
      if (issue === undefined) {
        outcomes.push(withId({ index, status: 'failed' as const, problem: notFound('Issue does not exist.') }));
        continue;
      }
      const authorKey = JSON.stringify(entry.fields.createdBy);
      let author = authors.get(authorKey);
      if (author === undefined) {
        author = await userReference(trx, orgId, entry.fields.createdBy);
        authors.set(authorKey, author);
      }
      const checked = allChecks(checkWorklogImport(entry.fields, issue, now), checkFields({ createdBy: author }));
      if (!checked.ok) {
        outcomes.push(withId({ index, status: 'failed' as const, problem: refusalProblem(checked.error) }));
        continue;
      }
      const [{ durationSeconds, createdAt, start, comment }, { createdBy: user }] = checked.value;
      const draft: PendingEntry = {
        index,
        externalId,
        issue,
        row: {
          orgId,
          issueId: issue.id,
          createdBy: user.uid,
          createdAt,
          updatedBy: user.uid,
          updatedAt: createdAt,
          start,
          durationSeconds,
          comment,
          version: 1,
          imported: 1,
        },
      };
      pending.push(draft);
      if (externalId !== undefined) firstInBatch.set(externalId, draft);
      outcomes.push(withId({ index, status: 'created' as const, issue: issue.key }));
    }

    const counts: BatchCounts = {
      created: pending.length,
      alreadyPresent: outcomes.filter((outcome) => outcome.status === 'alreadyPresent').length,
      failed: outcomes.filter((outcome) => outcome.status === 'failed').length,
    };
    if (options.dryRun || (options.mode === 'atomic' && counts.failed > 0)) {
      // Roll back rather than return: the transaction would otherwise commit the request's
      // Idempotency-Key claim, and a refused or dry-run request must leave its key free.
      throw new NothingStored({ outcomes, counts, stored: false });
    }

    const ids = await insertWorklogRows(
      ctx.store,
      trx,
      pending.map((entry) => entry.row),
    );
    pending.forEach((entry, position) => (entry.worklogId = ids[position]));
    const spentByIssue = new Map<string, number>();
    for (const entry of pending) spentByIssue.set(entry.issue.id, (spentByIssue.get(entry.issue.id) ?? 0) + entry.row.durationSeconds);
    await moveImportedSpent(trx, spentByIssue);
    const batch = await insertImportBatch(trx, {
      orgId,
      createdBy: caller.user.uid,
      createdAt: now,
      source: options.source ?? null,
      mode: options.mode,
      createdCount: counts.created,
      alreadyPresentCount: counts.alreadyPresent,
      failedCount: counts.failed,
    });
    // Ledger rows go in external-id order: concurrent batches sharing ids then wait for each other
    // on the unique index in the same order, instead of deadlocking (PostgreSQL).
    const ledgerOrder = [...pending].sort((a, b) => compareExternalIds(a.externalId, b.externalId));
    await insertLedgerRows(
      ctx.store,
      trx,
      ledgerOrder.map((entry) => ({
        worklogId: entry.worklogId!,
        orgId,
        batchId: batch.id,
        externalId: entry.externalId ?? null,
        syncedVersion: entry.row.version,
      })),
    );
    const byIndex = new Map(pending.map((entry) => [entry.index, entry]));
    for (const outcome of outcomes) {
      if (outcome.status === 'created') outcome.worklogId = byIndex.get(outcome.index)!.worklogId!;
    }
    for (const repeat of repeats) repeat.outcome.worklogId = repeat.first.worklogId!;
    await recordAudit(trx, ctx, orgId, caller.user, {
      action: 'batch.import',
      batchId: batch.id,
      details: {
        mode: options.mode,
        source: options.source,
        counts,
        issues: [...new Set(pending.map((entry) => entry.issue.key))].slice(0, MAX_AUDITED_ISSUES),
      },
    });
    return { batch, outcomes, counts, stored: true };
  });
}

/** Entries without an external id last; the others by code unit order (the same in every process). */
function compareExternalIds(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

/** A batch with the users it names and how many of its worklogs still exist. */
export interface BatchView {
  batch: ImportBatch;
  users: Map<number, User>;
  remainingWorklogs: number;
}

export interface BatchPageRequest {
  perPage: number;
  /** Only batches with a smaller id (the list runs newest first). */
  beforeId?: number | undefined;
}

/** `GET /timeport/v1/imports`: the organization's batches, newest first. */
export async function listImportBatches(
  ctx: ServiceContext,
  caller: Caller,
  request: BatchPageRequest,
): Promise<{ batches: ImportBatch[]; users: Map<number, User>; nextBeforeId?: number }> {
  requireAdmin(caller, 'see import batches');
  const rows = await listImportBatchRows(ctx.store.db, caller.org.id, { beforeId: request.beforeId, limit: request.perPage + 1 });
  const batches = rows.slice(0, request.perPage);
  const users = await loadUsers(
    ctx.store.db,
    batches.flatMap((batch) => [batch.createdBy, ...(batch.rolledBackBy === null ? [] : [batch.rolledBackBy])]),
  );
  const last = batches.at(-1);
  return rows.length > request.perPage && last !== undefined ? { batches, users, nextBeforeId: last.id } : { batches, users };
}

/** `GET /timeport/v1/imports/<id>`. */
export async function getImportBatch(ctx: ServiceContext, caller: Caller, batchId: number): Promise<BatchView> {
  requireAdmin(caller, 'see import batches');
  return loadBatchView(ctx.store.db, caller.org.id, batchId);
}

async function loadBatchView(db: DbHandle, orgId: string, batchId: number): Promise<BatchView> {
  const batch = await findImportBatch(db, orgId, batchId);
  if (batch === undefined) throw notFound('Import batch does not exist.');
  const remainingWorklogs = await countBatchWorklogs(db, batchId);
  const users = await loadUsers(db, [batch.createdBy, ...(batch.rolledBackBy === null ? [] : [batch.rolledBackBy])]);
  return { batch, users, remainingWorklogs };
}

/**
 * `DELETE /timeport/v1/imports/<id>`: removes every worklog the batch created that still exists,
 * takes their durations off their issues' `spent`, and records who rolled the batch back and
 * when, all in one transaction. Their external ids become free, so the entries can be imported again.
 */
export async function rollbackImportBatch(ctx: ServiceContext, caller: Caller, batchId: number): Promise<BatchView & { removed: number }> {
  requireAdmin(caller, 'roll back import batches');
  const orgId = caller.org.id;
  return writeTransaction(ctx, async (trx) => {
    const batch = await findImportBatch(trx, orgId, batchId);
    if (batch === undefined) throw notFound('Import batch does not exist.');
    if (batch.rolledBackAt !== null) throw conflict(`Import batch ${batchId} has already been rolled back.`);
    const sums = await deleteBatchWorklogs(trx, batchId);
    await moveImportedSpent(
      trx,
      sums.map((sum) => [sum.issueId, -sum.seconds] as const),
    );
    await markImportBatchRolledBack(trx, batchId, { uid: caller.user.uid, at: ctx.now() });
    const view = await loadBatchView(trx, orgId, batchId);
    const removed = sums.reduce((total, sum) => total + sum.count, 0);
    await recordAudit(trx, ctx, orgId, caller.user, {
      action: 'batch.rollback',
      batchId,
      details: { removed, source: batch.source ?? undefined },
    });
    return { ...view, removed };
  });
}
