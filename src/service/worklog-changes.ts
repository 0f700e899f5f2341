import { type Problem, invalidFields, notFound, refusalProblem } from '../domain/errors.js';
import { type WorklogEditFields, checkWorklogEdit } from '../domain/worklog-rules.js';
import {
  type ImportedWorklog,
  deleteImportedWorklogs,
  findImportedWorklogs,
  listImportedWorklogs,
  rewriteImportedWorklogs,
  type WorklogRewrite,
} from '../store/imported-worklogs.js';
import { changeIssueSpent, issuesById } from '../store/worklogs.js';
import { isTransactionConflict } from '../store/errors.js';
import type { User } from '../domain/accounts.js';
import type { Issue } from '../domain/issue.js';
import type { Worklog } from '../domain/worklog.js';
import { type AuditEvent, recordAuditEvents } from './audit.js';
import type { Caller, ServiceContext } from './context.js';
import { writeTransaction } from './idempotency.js';
import { loadUsers, requireAdmin } from './users.js';
import { changedFacts, concurrentChange, versionProblem, worklogChanges, worklogEvent, worklogFacts } from './worklogs.js';

/**
 * `timeport sync` against Timeport (issue 18, point 3): updates and deletes of imported worklogs
 * by their external id, a batch at a time, and the list of what imports with external ids put
 * there. The batch is atomic: every change is checked first, and one failing change stores
 * nothing. Each change follows PATCH's or DELETE's rules and messages (service/worklogs.ts) and is
 * audited as they are; the ledger remembers each updated worklog's new version as synced.
 */

/** The most changes one request may carry. */
export const MAX_WORKLOG_CHANGES = 10_000;
/** The most listed worklogs per page. */
export const MAX_EXTERNAL_PAGE = 1000;

export type ChangeAction = 'update' | 'delete';

/** One change as the caller hands it over: checked against its schema, or the problem that stopped it. */
export type ChangeInput =
  | { ok: true; action: 'update'; externalId: string; ifVersion?: number | undefined; fields: WorklogEditFields }
  | { ok: true; action: 'delete'; externalId: string; ifVersion?: number | undefined }
  | { ok: false; action?: ChangeAction | undefined; externalId?: string | undefined; problem: Problem };

interface OutcomeBase {
  index: number;
  externalId?: string;
  action?: ChangeAction;
}

export type ChangeOutcome =
  | (OutcomeBase & { externalId: string; action: 'update'; status: 'updated'; worklog: Worklog })
  | (OutcomeBase & { externalId: string; action: 'delete'; status: 'deleted'; worklogId: number })
  /** Passed every check, but nothing was stored (a dry run, or a batch refused for another change). */
  | (OutcomeBase & { externalId: string; action: ChangeAction; status: 'valid'; worklogId: number })
  | (OutcomeBase & { status: 'failed'; problem: Problem });

export interface ChangeCounts {
  updated: number;
  deleted: number;
  failed: number;
}

export interface ChangesResult {
  outcomes: ChangeOutcome[];
  /** Stored: what was updated and deleted. Not stored: what would have been. */
  counts: ChangeCounts;
  stored: boolean;
  /** The issues and users the updated worklogs name, to show them. */
  issues: Map<string, Issue>;
  users: Map<number, User>;
}

export interface ChangesOptions {
  dryRun: boolean;
  /** The sync's label for the audit log. */
  source?: string | undefined;
}

/** Audit events per INSERT: 10 columns each, below every parameter limit. */
const AUDIT_CHUNK = 1000;
/** Attempts of a batch that deadlocks with a concurrent one on PostgreSQL. */
const MAX_ATTEMPTS = 5;

/** Thrown out of the transaction to roll it back (the Idempotency-Key's claim with it); carries the answer. */
class NothingStored extends Error {
  constructor(readonly result: ChangesResult) {
    super('nothing stored');
  }
}

interface PendingChange {
  index: number;
  input: Extract<ChangeInput, { ok: true }>;
  imported: ImportedWorklog;
  /** An update's new values. */
  changes?: ReturnType<typeof worklogChanges>;
}

const unknownExternalId = (externalId: string): Problem =>
  notFound(`No worklog has the external id ${JSON.stringify(externalId)}: none was imported with it, or it was deleted since.`);

/** `POST /timeport/v1/worklogs/_changes`: all the changes, or none (admins only). */
export async function applyWorklogChanges(
  ctx: ServiceContext,
  caller: Caller,
  inputs: readonly ChangeInput[],
  options: ChangesOptions,
): Promise<ChangesResult> {
  requireAdmin(caller, 'change imported time entries');
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await writeChanges(ctx, caller, inputs, options);
    } catch (error) {
      if (error instanceof NothingStored) return error.result;
      // Two batches that lock the same worklogs in another order (PostgreSQL): one is rolled back whole.
      if (!isTransactionConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

async function writeChanges(
  ctx: ServiceContext,
  caller: Caller,
  inputs: readonly ChangeInput[],
  options: ChangesOptions,
): Promise<ChangesResult> {
  const orgId = caller.org.id;
  return writeTransaction(ctx, async (trx) => {
    const externalIds = [...new Set(inputs.flatMap((input) => (input.ok ? [input.externalId] : [])))];
    const found = await findImportedWorklogs(ctx.store, trx, orgId, externalIds);
    const issues = await issuesById(
      trx,
      [...found.values()].map((imported) => imported.worklog.issueId),
    );

    const outcomes: ChangeOutcome[] = [];
    const pending: PendingChange[] = [];
    const firstIndex = new Map<string, number>();
    for (const [index, input] of inputs.entries()) {
      const fail = (problem: Problem) =>
        outcomes.push({
          index,
          ...(input.externalId === undefined ? {} : { externalId: input.externalId }),
          ...(input.action === undefined ? {} : { action: input.action }),
          status: 'failed',
          problem,
        });
      if (!input.ok) {
        fail(input.problem);
        continue;
      }
      const first = firstIndex.get(input.externalId);
      if (first !== undefined) {
        fail(invalidFields({ externalId: `is the external id of changes[${first}] too; a batch changes a worklog at most once` }));
        continue;
      }
      firstIndex.set(input.externalId, index);
      // The edit's and the delete's order: the entry exists (`not_found`), its fields obey the rules
      // (`invalid`), its version matches (`stale_version`).
      const imported = found.get(input.externalId);
      if (imported === undefined) {
        fail(unknownExternalId(input.externalId));
        continue;
      }
      let changes: PendingChange['changes'];
      if (input.action === 'update') {
        const checked = checkWorklogEdit(input.fields);
        if (!checked.ok) {
          fail(refusalProblem(checked.error));
          continue;
        }
        changes = worklogChanges(checked.value);
      }
      const stale = input.ifVersion === undefined ? undefined : versionProblem(imported.worklog, input.ifVersion);
      if (stale !== undefined) {
        fail(stale);
        continue;
      }
      pending.push({ index, input, imported, ...(changes === undefined ? {} : { changes }) });
      outcomes.push({ index, externalId: input.externalId, action: input.action, status: 'valid', worklogId: imported.worklog.id });
    }

    const counts: ChangeCounts = {
      updated: pending.filter((change) => change.input.action === 'update').length,
      deleted: pending.filter((change) => change.input.action === 'delete').length,
      failed: outcomes.length - pending.length,
    };
    if (options.dryRun || counts.failed > 0) {
      throw new NothingStored({ outcomes, counts, stored: false, issues: new Map(), users: new Map() });
    }

    const now = ctx.now();
    const by = { uid: caller.user.uid, at: now };
    const spentDelta = new Map<string, number>();
    const addSpent = (issueId: string, seconds: number) => spentDelta.set(issueId, (spentDelta.get(issueId) ?? 0) + seconds);
    /** The updated worklogs as they are once written, by change index. */
    const updated = new Map<number, Worklog>();
    const rewrites: WorklogRewrite[] = [];
    const deletedIds: number[] = [];
    for (const change of pending) {
      const current = change.imported.worklog;
      if (change.input.action === 'delete') {
        deletedIds.push(current.id);
        addSpent(current.issueId, -current.durationSeconds);
        continue;
      }
      // The worklog was read under a lock (PostgreSQL) or in the only write transaction (SQLite),
      // so what it becomes is known before it is written: PATCH's update, worked out here.
      const after: Worklog = { ...current, ...change.changes, version: current.version + 1, updatedAt: now, updatedBy: caller.user.uid };
      updated.set(change.index, after);
      rewrites.push({ ...after, version: current.version });
      addSpent(current.issueId, after.durationSeconds - current.durationSeconds);
    }
    // Fewer rows than read means another writer got past the lock: a bug, answered as PATCH answers a race.
    if ((await rewriteImportedWorklogs(ctx.store, trx, rewrites)) !== rewrites.length) throw concurrentChange();
    if ((await deleteImportedWorklogs(trx, deletedIds)) !== deletedIds.length) throw concurrentChange();
    // One write to each issue, as one PATCH or DELETE makes: spent moves by the sum of its changes.
    for (const [issueId, seconds] of spentDelta) issues.set(issueId, await changeIssueSpent(trx, issueId, seconds, by));

    const authors = await loadUsers(
      trx,
      pending.filter((change) => change.input.action === 'delete').map((change) => change.imported.worklog.createdBy),
    );
    const events: AuditEvent[] = pending.map((change) => {
      const current = change.imported.worklog;
      const issue = issues.get(current.issueId)!;
      const about = { source: options.source, externalId: change.input.externalId };
      const after = updated.get(change.index);
      return after === undefined
        ? worklogEvent('worklog.delete', issue, current, { before: worklogFacts(current, authors.get(current.createdBy)), ...about })
        : worklogEvent('worklog.update', issue, after, { ...changedFacts(current, after), ...about });
    });
    for (let offset = 0; offset < events.length; offset += AUDIT_CHUNK) {
      await recordAuditEvents(trx, ctx, orgId, caller.user, events.slice(offset, offset + AUDIT_CHUNK));
    }

    const stored: ChangeOutcome[] = outcomes.map((outcome) => {
      if (outcome.status !== 'valid') return outcome;
      const worklog = updated.get(outcome.index);
      return worklog === undefined
        ? { index: outcome.index, externalId: outcome.externalId, action: 'delete', status: 'deleted', worklogId: outcome.worklogId }
        : { index: outcome.index, externalId: outcome.externalId, action: 'update', status: 'updated', worklog };
    });
    const users = await loadUsers(
      trx,
      [...updated.values()].flatMap((worklog) => [worklog.createdBy, worklog.updatedBy]),
    );
    return { outcomes: stored, counts, stored: true, issues, users };
  });
}

export interface ExternalWorklogPageRequest {
  source?: string | undefined;
  prefix?: string | undefined;
  perPage: number;
  /** Only worklogs with a greater id: the cursor of the previous page. */
  afterId?: number | undefined;
}

export interface ExternalWorklogPage {
  items: ImportedWorklog[];
  issues: Map<string, Issue>;
  users: Map<number, User>;
  /** The id to continue after, when more remain. */
  nextAfterId?: number;
}

/** `GET /timeport/v1/worklogs/_external`: the organization's worklogs imported with an external id, in ascending id (admins only). */
export async function listExternalWorklogs(
  ctx: ServiceContext,
  caller: Caller,
  request: ExternalWorklogPageRequest,
): Promise<ExternalWorklogPage> {
  requireAdmin(caller, 'list imported time entries');
  const db = ctx.store.db;
  // One row more than asked tells whether another page follows.
  const rows = await listImportedWorklogs(db, caller.org.id, {
    source: request.source,
    prefix: request.prefix,
    afterId: request.afterId,
    limit: request.perPage + 1,
  });
  const items = rows.slice(0, request.perPage);
  const issues = await issuesById(
    db,
    items.map((item) => item.worklog.issueId),
  );
  const users = await loadUsers(
    db,
    items.flatMap((item) => [item.worklog.createdBy, item.worklog.updatedBy]),
  );
  const last = items.at(-1);
  const page = { items, issues, users };
  return rows.length > request.perPage && last !== undefined ? { ...page, nextAfterId: last.worklog.id } : page;
}
