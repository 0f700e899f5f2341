import { formatBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import { type Problem, conflict, forbidden, invalidField, notFound, refusalProblem, staleVersion } from '../domain/errors.js';
import { allChecks, checkFields } from '../domain/result.js';
import { type VersionPrecondition, requiredVersion } from '../domain/preconditions.js';
import type { CreatedAtRange } from '../domain/worklog-search.js';
import {
  type CheckedWorklogEdit,
  type WorklogCreateFields,
  type WorklogEditFields,
  type WorklogImportFields,
  checkWorklogCreate,
  checkWorklogEdit,
  checkWorklogImport,
} from '../domain/worklog-rules.js';
import type { DbHandle } from '../store/database.js';
import type { CatalogReads } from '../store/catalog-cache.js';
import type { User } from '../domain/accounts.js';
import type { Issue, IssueForWorklog } from '../domain/issue.js';
import type { Worklog } from '../domain/worklog.js';
import {
  type WorklogChanges,
  changeIssueSpent,
  deleteWorklogAtVersion,
  findWorklogOfIssue,
  insertWorklog,
  issuesById,
  listIssueWorklogs as listIssueWorklogRows,
  searchWorklogs as searchWorklogRows,
  updateWorklogAtVersion,
  writeSingleImport,
} from '../store/worklogs.js';
import { type Caller, type ServiceContext, isAdmin } from './context.js';
import { type AuditEvent, auditEventValues, recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { findIssue, findIssueForWorklog } from './issues.js';
import { type UserReference, loadUsers, requireAdmin, userReference } from './users.js';

export interface ImportWorklogFields extends WorklogImportFields {
  createdBy: UserReference;
}

/** Worklogs with everything needed to show them: their issue and the users they name. */
export interface WorklogsView {
  /** Only the issue's reference is shown beside a worklog, so its `spent` is not needed. */
  issue: IssueForWorklog;
  worklogs: Worklog[];
  users: Map<number, User>;
}

/**
 * `POST /v3/issues/<key>/worklogs/_import` (the spec): an org admin stores a historical entry with
 * its original author and times. The issue's `spent` grows in the same transaction; its
 * `updatedAt` and `version` stay, so imported history does not look like new activity.
 */
export async function importWorklog(
  ctx: ServiceContext,
  caller: Caller,
  issueRef: string,
  fields: ImportWorklogFields,
): Promise<WorklogsView> {
  requireAdmin(caller, 'import time entries');
  // Read before the write, not in its transaction: nothing the import checks is locked by a read
  // there either, and without the reads the write is one statement on PostgreSQL (no BEGIN and
  // COMMIT round trips). The issue's `spent` is neither checked nor printed here. The reads come
  // from the catalog cache where the caller has it (store/catalog-cache.ts). A kept issue's last
  // update may be older than the issue's (a worklog's write moves it without emptying the cache):
  // that only narrows the window the entry's creation time must fall in, so a refusal is made
  // again on a fresh read before it stands.
  const direct = ctx.store.catalog.direct;
  let read = await readImportTargets(ctx, caller, issueRef, fields, caller.reads ?? direct);
  if (!read.checked.ok && caller.reads !== undefined) read = await readImportTargets(ctx, caller, issueRef, fields, direct);
  const { issue, checked } = read;
  if (!checked.ok) throw refusalProblem(checked.error);
  const [{ durationSeconds, createdAt, start, comment }, { createdBy: author }] = checked.value;
  const values = { orgId: caller.org.id, issueId: issue.id, author: author.uid, createdAt, start, durationSeconds, comment };
  // The event's facts do not depend on the new id, so they are known before the insert, which
  // the store may then make one statement with it (store/worklogs.ts).
  const facts = worklogFacts({ ...values, createdBy: author.uid, version: 1 }, author);
  const { worklogId: _filledByTheStore, ...event } = auditEventValues(ctx, caller.org.id, caller.user, {
    action: 'worklog.import',
    issueKey: issue.key,
    details: { after: facts },
  });
  // The import keeps the issue's updatedAt and version (docs/decisions.md): only spent moves.
  const worklog = await writeSingleImport(ctx.store, values, event, ctx.idempotencyClaim?.());
  return { issue, worklogs: [worklog], users: new Map([[author.uid, author]]) };
}

/** The import's issue and author through `reads`, and the entry checked against them. */
async function readImportTargets(ctx: ServiceContext, caller: Caller, issueRef: string, fields: ImportWorklogFields, reads: CatalogReads) {
  const issue = await findIssueForWorklog(reads, caller.org.id, issueRef);
  if (issue === undefined) throw notFound('Issue does not exist.');
  const checked = allChecks(
    checkWorklogImport(fields, issue, ctx.now()),
    checkFields({ createdBy: await userReference(ctx.store.db, caller.org.id, fields.createdBy, reads) }),
  );
  return { issue, checked };
}

export interface WorklogPageRequest {
  perPage: number;
  /** Only worklogs with a greater id: the cursor of the previous page. */
  afterId?: number | undefined;
}

export interface WorklogPage extends WorklogsView {
  /** The id to continue after, when more worklogs remain. */
  nextAfterId?: number;
}

/** `GET /v3/issues/<key>/worklog`: an issue's worklogs in ascending id, a page at a time. */
export async function listIssueWorklogs(
  ctx: ServiceContext,
  caller: Caller,
  issueRef: string,
  request: WorklogPageRequest,
): Promise<WorklogPage> {
  const issue = await findIssue(ctx.store.db, caller.org.id, issueRef);
  if (issue === undefined) throw notFound('Issue does not exist.');
  // One row more than asked tells whether another page follows, without counting.
  const rows = await listIssueWorklogRows(ctx.store.db, issue.id, { afterId: request.afterId, limit: request.perPage + 1 });
  const worklogs = rows.slice(0, request.perPage);
  const users = await loadUsers(
    ctx.store.db,
    worklogs.flatMap((worklog) => [worklog.createdBy, worklog.updatedBy]),
  );
  const last = worklogs.at(-1);
  const page = { issue, worklogs, users };
  return rows.length > request.perPage && last !== undefined ? { ...page, nextAfterId: last.id } : page;
}

const WORKLOG_NOT_FOUND = 'Worklog does not exist.';

async function requireIssue(db: DbHandle, caller: Caller, issueRef: string): Promise<Issue> {
  const issue = await findIssue(db, caller.org.id, issueRef);
  if (issue === undefined) throw notFound('Issue does not exist.');
  return issue;
}

/** A worklog by id, only if it belongs to the issue named in the path. */
async function requireWorklogOf(db: DbHandle, issue: Issue, worklogId: number): Promise<Worklog> {
  const worklog = await findWorklogOfIssue(db, issue.id, worklogId);
  if (worklog === undefined) throw notFound(WORKLOG_NOT_FOUND);
  return worklog;
}

/** Authors change their own entries; organization administrators change any. */
function requireMayChange(caller: Caller, worklog: Worklog, action: 'edit' | 'delete'): void {
  if (worklog.createdBy !== caller.user.uid && !isAdmin(caller)) {
    throw forbidden(`Only the author of a time entry or an organization administrator can ${action} it.`);
  }
}

function requireVersion(worklog: Worklog, precondition: VersionPrecondition | undefined): void {
  const expected = requiredVersion(precondition);
  if (expected !== undefined) {
    const problem = versionProblem(worklog, expected);
    if (problem !== undefined) throw problem;
  }
}

/**
 * The `stale_version` problem of a write that expected another version of the worklog (the caller's
 * precondition, or a change's `ifVersion`).
 */
export function versionProblem(worklog: Pick<Worklog, 'version'>, expected: number): Problem | undefined {
  if (worklog.version === expected) return undefined;
  return staleVersion(`The time entry has changed: its version is ${worklog.version}, not ${expected}. Read it again and retry.`);
}

/**
 * How often a write retries after a concurrent writer changed the same worklog between its read
 * and its conditional update. Only PostgreSQL can get there (SQLite runs one transaction at a time).
 */
const MAX_WRITE_ATTEMPTS = 5;

export const concurrentChange = (): Problem => conflict('The time entry was changed by another request at the same time. Retry.');

const viewOf = async (db: DbHandle, issue: Issue, worklog: Worklog): Promise<WorklogsView> => ({
  issue,
  worklogs: [worklog],
  users: await loadUsers(db, [worklog.createdBy, worklog.updatedBy]),
});

/**
 * `POST /v3/issues/<key>/worklog` (docs/tracker-api.md §Worklogs): anyone in the organization logs
 * time on one of its issues. The author is the caller, `createdAt` is now; the issue's `spent`
 * grows and, since this is new activity, its `updatedAt` and `version` move.
 */
export async function createWorklog(
  ctx: ServiceContext,
  caller: Caller,
  issueRef: string,
  fields: WorklogCreateFields,
): Promise<WorklogsView> {
  return writeTransaction(ctx, async (trx) => {
    const issue = await requireIssue(trx, caller, issueRef);
    const checked = checkWorklogCreate(fields);
    if (!checked.ok) throw refusalProblem(checked.error);
    const now = ctx.now();
    const { durationSeconds, start, comment } = checked.value;
    const worklog = await insertWorklog(trx, {
      orgId: caller.org.id,
      issueId: issue.id,
      createdBy: caller.user.uid,
      createdAt: now,
      start,
      durationSeconds,
      comment,
    });
    const updated = await changeIssueSpent(trx, issue.id, durationSeconds, { uid: caller.user.uid, at: now });
    await recordAudit(
      trx,
      ctx,
      caller.org.id,
      caller.user,
      worklogEvent('worklog.create', issue, worklog, { after: worklogFacts(worklog, caller.user) }),
    );
    return { issue: updated, worklogs: [worklog], users: new Map([[caller.user.uid, caller.user]]) };
  });
}

/** `GET /v3/issues/<key>/worklog/<id>`: one entry of the issue. */
export async function getWorklog(ctx: ServiceContext, caller: Caller, issueRef: string, worklogId: number): Promise<WorklogsView> {
  const db = ctx.store.db;
  const issue = await requireIssue(db, caller, issueRef);
  return viewOf(db, issue, await requireWorklogOf(db, issue, worklogId));
}

/**
 * Edits a worklog (Tracker's worklog edit, docs/tracker-api.md §Worklogs): the author or an
 * administrator changes `duration`, `comment` or `start`. The entry's `version` grows by one; with a
 * version precondition the change happens only if the entry still has that version. The write
 * is a conditional `UPDATE ... WHERE version = <the version read>`, so the duration it replaces is
 * exactly the one taken off the issue's `spent`, whatever runs beside it.
 *
 * Checks, in order: the issue and the entry exist (`not_found`), the caller may edit it
 * (`forbidden`), the fields obey the rules (`invalid`), the version matches (`stale_version`).
 */
export async function editWorklog(
  ctx: ServiceContext,
  caller: Caller,
  issueRef: string,
  worklogId: number,
  fields: WorklogEditFields,
  precondition: VersionPrecondition | undefined,
): Promise<WorklogsView> {
  return writeTransaction(ctx, async (trx) => {
    const issue = await requireIssue(trx, caller, issueRef);
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt += 1) {
      const current = await requireWorklogOf(trx, issue, worklogId);
      requireMayChange(caller, current, 'edit');
      const checked = checkWorklogEdit(fields);
      if (!checked.ok) throw refusalProblem(checked.error);
      requireVersion(current, precondition);
      const now = ctx.now();
      const updated = await updateWorklogAtVersion(trx, current, worklogChanges(checked.value), { uid: caller.user.uid, at: now });
      if (updated === undefined) continue;
      const issueAfter = await changeIssueSpent(trx, issue.id, updated.durationSeconds - current.durationSeconds, {
        uid: caller.user.uid,
        at: now,
      });
      await recordAudit(
        trx,
        ctx,
        caller.org.id,
        caller.user,
        worklogEvent('worklog.update', issue, updated, changedFacts(current, updated)),
      );
      return viewOf(trx, issueAfter, updated);
    }
    throw concurrentChange();
  });
}

export function worklogChanges(edit: CheckedWorklogEdit): WorklogChanges {
  const changes: WorklogChanges = {};
  if (edit.durationSeconds !== undefined) changes.durationSeconds = edit.durationSeconds;
  if (edit.start !== undefined) changes.start = edit.start;
  if (edit.comment !== undefined) changes.comment = edit.comment;
  return changes;
}

/**
 * Deletes a worklog (Tracker's worklog delete, docs/tracker-api.md §Worklogs): the author or an
 * administrator removes an entry; its duration leaves the issue's `spent`, and the issue's
 * `updatedAt` and `version` move. A version precondition, if given, is honoured as on an edit.
 */
export async function deleteWorklog(
  ctx: ServiceContext,
  caller: Caller,
  issueRef: string,
  worklogId: number,
  precondition: VersionPrecondition | undefined,
): Promise<void> {
  await writeTransaction(ctx, async (trx) => {
    const issue = await requireIssue(trx, caller, issueRef);
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt += 1) {
      const current = await requireWorklogOf(trx, issue, worklogId);
      requireMayChange(caller, current, 'delete');
      requireVersion(current, precondition);
      if (!(await deleteWorklogAtVersion(trx, current))) continue;
      await changeIssueSpent(trx, issue.id, -current.durationSeconds, { uid: caller.user.uid, at: ctx.now() });
      const author = (await loadUsers(trx, [current.createdBy])).get(current.createdBy);
      await recordAudit(
        trx,
        ctx,
        caller.org.id,
        caller.user,
        worklogEvent('worklog.delete', issue, current, { before: worklogFacts(current, author) }),
      );
      return;
    }
    throw concurrentChange();
  });
}

/** The worklog search filters (docs/tracker-api.md §Worklogs); both optional. */
export interface WorklogSearch {
  createdBy?: UserReference | undefined;
  createdAt?: CreatedAtRange | undefined;
}

/** Worklogs of several issues, with everything needed to show them. */
export interface WorklogsAcrossIssues {
  worklogs: Worklog[];
  issues: Map<string, Issue>;
  users: Map<number, User>;
  /** How many worklogs match in all, over every page. */
  total: number;
}

/**
 * `POST /v3/worklog/_search` and `GET /v3/worklog`: the organization's worklogs by author and
 * creation time (both ends inclusive), in ascending id. Without a page, every match is answered,
 * as Tracker documents a single array; with one, that page and the total.
 */
export async function searchWorklogs(
  ctx: ServiceContext,
  caller: Caller,
  search: WorklogSearch,
  page: { page: number; perPage: number },
): Promise<WorklogsAcrossIssues> {
  const db = ctx.store.db;
  let authorUid: number | undefined;
  if (search.createdBy !== undefined) {
    const author = await userReference(db, caller.org.id, search.createdBy);
    if (!author.ok) throw invalidField('createdBy', author.error);
    authorUid = author.value.uid;
  }
  const { worklogs, total } = await searchWorklogRows(
    db,
    ctx.store.dialect,
    caller.org.id,
    { createdBy: authorUid, createdFrom: search.createdAt?.from, createdTo: search.createdAt?.to },
    { limit: page.perPage, offset: (page.page - 1) * page.perPage },
  );
  const issues = await issuesById(
    db,
    worklogs.map((worklog) => worklog.issueId),
  );
  return {
    worklogs,
    issues,
    users: await loadUsers(
      db,
      worklogs.flatMap((worklog) => [worklog.createdBy, worklog.updatedBy]),
    ),
    total,
  };
}

export const worklogEvent = (
  action: AuditEvent['action'],
  issue: Issue,
  worklog: Worklog,
  details: Record<string, unknown>,
): AuditEvent => ({
  action,
  issueKey: issue.key,
  worklogId: worklog.id,
  details,
});

/** A worklog as the audit log shows it: the API's own forms. */
export function worklogFacts(
  worklog: Pick<Worklog, 'createdBy' | 'createdAt' | 'start' | 'durationSeconds' | 'comment' | 'version'>,
  author: User | undefined,
) {
  return {
    createdBy: author?.login ?? worklog.createdBy,
    createdAt: formatTrackerTimestamp(worklog.createdAt),
    start: formatTrackerTimestamp(worklog.start),
    duration: formatBusinessDuration(worklog.durationSeconds),
    comment: worklog.comment ?? undefined,
    version: worklog.version,
  };
}

/** The fields an edit changed, before and after. */
export function changedFacts(before: Worklog, after: Worklog): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const was = worklogFacts(before, undefined);
  const now = worklogFacts(after, undefined);
  const changed = (['start', 'duration', 'comment', 'version'] as const).filter((field) => was[field] !== now[field]);
  return {
    before: Object.fromEntries(changed.map((field) => [field, was[field] ?? null])),
    after: Object.fromEntries(changed.map((field) => [field, now[field] ?? null])),
  };
}
