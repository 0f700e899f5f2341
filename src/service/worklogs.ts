import { invalidFields, notFound } from '../domain/errors.js';
import { type WorklogImportFields, checkWorklogImport } from '../domain/worklog-rules.js';
import type { Issue, User, Worklog } from '../store/schema.js';
import type { Caller, ServiceContext } from './context.js';
import { findIssue } from './issues.js';
import { type UserReference, loadUsers, requireAdmin, requireUserReference } from './users.js';

export interface ImportWorklogFields extends WorklogImportFields {
  createdBy: UserReference;
}

/** Worklogs with everything needed to show them: their issue and the users they name. */
export interface WorklogsView {
  issue: Issue;
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
  return ctx.store.db.transaction().execute(async (trx) => {
    // Read inside the transaction: the issue's lifetime is the window the entry must fall in.
    const issue = await findIssue(trx, caller.org.id, issueRef);
    if (issue === undefined) throw notFound('Issue does not exist.');
    const checked = checkWorklogImport(fields, issue, ctx.now());
    const errors = checked.ok ? {} : { ...checked.errors };
    const author = await requireUserReference(trx, caller.org.id, 'createdBy', fields.createdBy, errors);
    if (!checked.ok || author === undefined || Object.keys(errors).length > 0) throw invalidFields(errors);
    const { durationSeconds, createdAt, start, comment } = checked.value;
    const worklog = await trx
      .insertInto('worklogs')
      .values({
        orgId: caller.org.id,
        issueId: issue.id,
        createdBy: author.uid,
        createdAt,
        updatedBy: author.uid,
        updatedAt: createdAt,
        start,
        durationSeconds,
        comment,
        version: 1,
        imported: 1,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const updated = await trx
      .updateTable('issues')
      .set((eb) => ({ spentSeconds: eb('spentSeconds', '+', durationSeconds) }))
      .where('id', '=', issue.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { issue: updated, worklogs: [worklog], users: new Map([[author.uid, author]]) };
  });
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
  let query = ctx.store.db.selectFrom('worklogs').selectAll().where('issueId', '=', issue.id);
  if (request.afterId !== undefined) query = query.where('id', '>', request.afterId);
  // One row more than asked tells whether another page follows, without counting.
  const rows = await query.orderBy('id').limit(request.perPage + 1).execute();
  const worklogs = rows.slice(0, request.perPage);
  const users = await loadUsers(ctx.store.db, worklogs.flatMap((worklog) => [worklog.createdBy, worklog.updatedBy]));
  const last = worklogs.at(-1);
  const page = { issue, worklogs, users };
  return rows.length > request.perPage && last !== undefined ? { ...page, nextAfterId: last.id } : page;
}
