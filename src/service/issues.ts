import { INITIAL_STATUS } from '../domain/catalogue.js';
import { parseBusinessDuration } from '../domain/duration.js';
import { conflict, invalidFields, notFound, refusalProblem } from '../domain/errors.js';
import { type FieldRefusal, type Result, accepted, allChecks, checkFields, refused, ruleResult } from '../domain/result.js';
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_SUMMARY_LENGTH,
  calendarDateError,
  checkIssueImportTimes,
  estimationMillisError,
} from '../domain/issue-rules.js';
import type { ScrollPosition } from '../domain/issue-scroll.js';
import type { IssueSelection } from '../domain/issue-search.js';
import { ISSUE_ID_PATTERN, isNumericId, MAX_ISSUE_NUMBER, issueKey, parseIssueKey } from '../domain/keys.js';
import { classifyDatabaseError } from '../store/errors.js';
import type { DbHandle } from '../store/database.js';
import type { User } from '../domain/accounts.js';
import type { Issue, IssueExtra, IssueForWorklog, Queue } from '../domain/issue.js';
import type { CatalogReads } from '../store/catalog-cache.js';
import * as issueStore from '../store/issues.js';
import type { NewIssueValues } from '../store/issues.js';
import { queueById, queuesById, raiseLastIssueNumber, takeNextIssueNumber } from '../store/queues.js';
import type { Caller, ServiceContext } from './context.js';
import { type CatalogueReference, catalogueReference, findQueueById, findQueueByKey } from './queues.js';
import { recordAudit } from './audit.js';
import { writeTransaction } from './idempotency.js';
import { newIssueId } from './secrets.js';
import { type UserReference, loadUsers, requireAdmin, userReference } from './users.js';

export type QueueReference = string | number | { id?: string | number; key?: string };

/** Fields shared by issue create and issue import. */
interface CommonIssueFields {
  queue: QueueReference;
  summary: string;
  description?: string | undefined;
  type?: CatalogueReference | undefined;
  priority?: CatalogueReference | undefined;
  assignee?: UserReference | undefined;
  followers?: UserReference[] | undefined;
  tags?: string[] | undefined;
  unique?: string | undefined;
  deadline?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  storyPoints?: number | undefined;
}

export interface NewIssueFields extends CommonIssueFields {
  /** ISO 8601 durations, as Tracker's issue create takes them. */
  originalEstimation?: string | undefined;
  estimation?: string | undefined;
}

export interface ImportIssueFields extends CommonIssueFields {
  key?: string | undefined;
  createdAt: string;
  createdBy: UserReference;
  updatedAt?: string | undefined;
  updatedBy?: UserReference | undefined;
  resolvedAt?: string | undefined;
  resolvedBy?: UserReference | undefined;
  resolution?: CatalogueReference | undefined;
  status?: CatalogueReference | undefined;
  /** Milliseconds, as Tracker's issue import takes them. */
  originalEstimation?: number | undefined;
  estimation?: number | undefined;
}

export type { IssueExtra } from '../domain/issue.js';

interface CommonIssueValues {
  queue: Queue;
  type: string;
  priority: string;
  assigneeUid: number | null;
  extra: IssueExtra;
}

/** What both create and import check and resolve the same way, the queue found (or not) beforehand. */
async function checkCommonFields(
  db: DbHandle,
  orgId: string,
  fields: CommonIssueFields,
  queue: Result<Queue>,
): Promise<Result<CommonIssueValues, FieldRefusal>> {
  const found = queue.ok ? queue.value : undefined;
  const date = (value: string | undefined) => ruleResult(value === undefined ? undefined : calendarDateError(value));
  const followers: Result<User>[] = [];
  for (const follower of fields.followers ?? []) followers.push(await userReference(db, orgId, follower));
  const checked = checkFields({
    summary: ruleResult(
      fields.summary.trim() === '' || fields.summary.length > MAX_SUMMARY_LENGTH
        ? `must be 1 to ${MAX_SUMMARY_LENGTH} characters and not blank`
        : undefined,
    ),
    description: ruleResult(
      fields.description !== undefined && fields.description.length > MAX_DESCRIPTION_LENGTH
        ? `is ${fields.description.length} characters long; at most ${MAX_DESCRIPTION_LENGTH} are accepted`
        : undefined,
    ),
    deadline: date(fields.deadline),
    start: date(fields.start),
    end: date(fields.end),
    queue,
    type: catalogueReference('issuetypes', fields.type, found?.defaultType ?? ''),
    priority: catalogueReference('priorities', fields.priority, found?.defaultPriority ?? ''),
    assignee: fields.assignee === undefined ? accepted(undefined) : await userReference(db, orgId, fields.assignee),
    // The field's message is that of the last follower not found.
    followers:
      followers.findLast((follower) => !follower.ok) ??
      accepted(followers.flatMap((follower) => (follower.ok ? [follower.value.uid] : []))),
  });
  if (!checked.ok) return checked;
  const extra: IssueExtra = {};
  if (fields.tags !== undefined) extra.tags = fields.tags;
  if (fields.followers !== undefined) extra.followers = [...new Set(checked.value.followers)];
  if (fields.storyPoints !== undefined) extra.storyPoints = fields.storyPoints;
  const { type, priority, assignee } = checked.value;
  return accepted({ queue: checked.value.queue, type, priority, assigneeUid: assignee?.uid ?? null, extra });
}

/** A queue named in a body: a string is its key (a JSON body can say a number), `{id}` its id, `{key}` its key. */
async function resolveQueueReference(db: DbHandle, orgId: string, ref: QueueReference): Promise<Queue | undefined> {
  if (typeof ref === 'number') return findQueueById(db, orgId, ref);
  if (typeof ref === 'string') return findQueueByKey(db, orgId, ref);
  if (ref.key !== undefined) return findQueueByKey(db, orgId, ref.key);
  if (ref.id !== undefined && isNumericId(String(ref.id))) return findQueueById(db, orgId, Number(ref.id));
  return undefined;
}

/** The queue named in a body, or the `queue` field's message. */
async function queueReference(db: DbHandle, orgId: string, ref: QueueReference): Promise<Result<Queue>> {
  const queue = await resolveQueueReference(db, orgId, ref);
  return queue === undefined ? refused(`queue ${JSON.stringify(ref)} does not exist`) : accepted(queue);
}

async function requireFreeUnique(db: DbHandle, orgId: string, unique: string | undefined): Promise<void> {
  if (unique === undefined) return;
  const existing = await issueStore.issueKeyByUnique(db, orgId, unique);
  if (existing !== undefined) {
    throw conflict(`Issue ${existing} already has the unique value ${JSON.stringify(unique)}.`, { unique: 'is already used' });
  }
}

/**
 * Inserts an issue. The `unique` check before it cannot see a concurrent transaction's insert on
 * PostgreSQL; the unique constraint does, and its violation is the same conflict as the check's.
 */
async function insertIssue(db: DbHandle, issue: NewIssueValues): Promise<Issue> {
  try {
    return await issueStore.insertIssueRow(db, issue);
  } catch (error) {
    const meaning = classifyDatabaseError(error);
    if (meaning?.kind === 'duplicate' && meaning.table === 'issues' && meaning.field === 'unique') {
      throw conflict(`An issue already has the unique value ${JSON.stringify(issue.uniqueMarker)}.`, { unique: 'is already used' });
    }
    if (meaning?.kind === 'duplicate' && meaning.table === 'issues' && meaning.field === 'key') {
      throw conflict(`Issue ${issue.key} already exists.`, { key: 'is already taken' });
    }
    throw error;
  }
}

/** Takes the queue's next issue number. */
async function takeNextNumber(db: DbHandle, queue: Queue): Promise<number> {
  const number = await takeNextIssueNumber(db, queue.id);
  // After an imported key with the last number (QUEUE-9999999999) the next one would have eleven
  // digits: an issue no key could name (never found by any read). Refused; the transaction rolls back.
  if (number > MAX_ISSUE_NUMBER) {
    throw conflict(`Queue ${queue.key} has no issue numbers left: keys end at ${queue.key}-${MAX_ISSUE_NUMBER}.`);
  }
  return number;
}

const optionalDuration = (text: string | undefined): Result<number | null> =>
  text === undefined ? accepted(null) : parseBusinessDuration(text);

/** Creates an issue: anyone in the organization, in one of its queues. */
export async function createIssue(ctx: ServiceContext, caller: Caller, fields: NewIssueFields): Promise<IssueView> {
  return writeTransaction(ctx, async (trx) => {
    const checked = allChecks(
      await checkCommonFields(trx, caller.org.id, fields, await queueReference(trx, caller.org.id, fields.queue)),
      checkFields({ originalEstimation: optionalDuration(fields.originalEstimation), estimation: optionalDuration(fields.estimation) }),
    );
    if (!checked.ok) throw refusalProblem(checked.error);
    const [common, { originalEstimation: originalEstimationSeconds, estimation: estimationSeconds }] = checked.value;
    await requireFreeUnique(trx, caller.org.id, fields.unique);
    const now = ctx.now();
    const number = await takeNextNumber(trx, common.queue);
    const issue: NewIssueValues = {
      ...issueRow(caller.org.id, common.queue, number, fields, common, now),
      createdAt: now,
      createdBy: caller.user.uid,
      updatedAt: now,
      updatedBy: caller.user.uid,
      originalEstimationSeconds,
      estimationSeconds,
    };
    const created = await insertIssue(trx, issue);
    await recordAudit(trx, ctx, caller.org.id, caller.user, {
      action: 'issue.create',
      issueKey: created.key,
      details: { summary: created.summary },
    });
    return loadIssueView(trx, created);
  });
}

function issueRow(orgId: string, queue: Queue, number: number, fields: CommonIssueFields, common: CommonIssueValues, now: number) {
  return {
    id: newIssueId(now),
    orgId,
    queueId: queue.id,
    key: issueKey(queue.key, number),
    number,
    summary: fields.summary,
    description: fields.description ?? null,
    status: INITIAL_STATUS,
    type: common.type,
    priority: common.priority,
    assigneeUid: common.assigneeUid,
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    version: 1,
    spentSeconds: 0,
    uniqueMarker: fields.unique ?? null,
    deadline: fields.deadline ?? null,
    start: fields.start ?? null,
    end: fields.end ?? null,
    extra: common.extra,
  };
}

/** The number of an imported issue's key, which must be a key of its queue. */
function keyNumberIn(queue: Queue, key: string): Result<number> {
  const parsedKey = parseIssueKey(key);
  if (parsedKey === undefined || parsedKey.queueKey !== queue.key) {
    return refused(`${JSON.stringify(key)} is not a key of queue ${queue.key} (expected ${queue.key}-<number>)`);
  }
  return accepted(parsedKey.number);
}

/**
 * Brings in an issue with its original authors and times: org admins only (docs/tracker-api.md
 * §Issue import).
 */
export async function importIssue(ctx: ServiceContext, caller: Caller, fields: ImportIssueFields): Promise<IssueView> {
  requireAdmin(caller, 'import issues');
  return writeTransaction(ctx, async (trx) => {
    const now = ctx.now();
    const queue = await queueReference(trx, caller.org.id, fields.queue);
    const user = async (reference: UserReference | undefined) =>
      reference === undefined ? accepted(undefined) : userReference(trx, caller.org.id, reference);
    const estimation = (millis: number | undefined) => ruleResult(millis === undefined ? undefined : estimationMillisError(millis));
    const checked = allChecks(
      await checkCommonFields(trx, caller.org.id, fields, queue),
      checkIssueImportTimes(fields, now),
      checkFields({
        createdBy: await userReference(trx, caller.org.id, fields.createdBy),
        // Not given: the author (below).
        updatedBy: await user(fields.updatedBy),
        resolvedBy: await user(fields.resolvedBy),
        status: catalogueReference('statuses', fields.status, INITIAL_STATUS),
        resolution: fields.resolution === undefined ? accepted(null) : catalogueReference('resolutions', fields.resolution, ''),
        originalEstimation: estimation(fields.originalEstimation),
        estimation: estimation(fields.estimation),
        key: fields.key === undefined || !queue.ok ? accepted(undefined) : keyNumberIn(queue.value, fields.key),
      }),
    );
    if (!checked.ok) throw refusalProblem(checked.error);
    const [common, times, { createdBy, updatedBy = createdBy, resolvedBy, status, resolution }] = checked.value;
    let number = checked.value[2].key;
    await requireFreeUnique(trx, caller.org.id, fields.unique);
    if (number === undefined) {
      number = await takeNextNumber(trx, common.queue);
    } else {
      const key = issueKey(common.queue.key, number);
      if (await issueStore.issueKeyTaken(trx, caller.org.id, key))
        throw conflict(`Issue ${key} already exists.`, { key: 'is already taken' });
      // Numbering goes on after the highest imported key; lower free numbers stay free.
      await raiseLastIssueNumber(trx, common.queue.id, number);
    }
    const issue: NewIssueValues = {
      ...issueRow(caller.org.id, common.queue, number, fields, common, times.createdAt),
      status,
      createdAt: times.createdAt,
      createdBy: createdBy.uid,
      updatedAt: times.updatedAt,
      updatedBy: updatedBy.uid,
      resolvedAt: times.resolvedAt,
      resolvedBy: resolvedBy?.uid ?? null,
      resolution,
      originalEstimationSeconds: fields.originalEstimation === undefined ? null : fields.originalEstimation / 1000,
      estimationSeconds: fields.estimation === undefined ? null : fields.estimation / 1000,
    };
    const imported = await insertIssue(trx, issue);
    await recordAudit(trx, ctx, caller.org.id, caller.user, {
      action: 'issue.import',
      issueKey: imported.key,
      details: { summary: imported.summary },
    });
    return loadIssueView(trx, imported);
  });
}

/** What an issue reference names: a 24-hex id, or a key (any case) as stored; undefined when it can name no issue. */
function issueLookup(ref: string): { id: string } | { key: string } | undefined {
  if (ISSUE_ID_PATTERN.test(ref)) return { id: ref };
  const parsed = parseIssueKey(ref);
  return parsed === undefined ? undefined : { key: issueKey(parsed.queueKey, parsed.number) };
}

/** An issue by key (any case) or 24-hex id, within an organization. */
export async function findIssue(db: DbHandle, orgId: string, ref: string): Promise<Issue | undefined> {
  const lookup = issueLookup(ref);
  if (lookup === undefined) return undefined;
  return 'id' in lookup ? issueStore.findIssueById(db, orgId, lookup.id) : issueStore.findIssueByKey(db, orgId, lookup.key);
}

/**
 * An issue by key (any case) or 24-hex id, as findIssue, through `reads` and without `spent`: only
 * what a worklog's answer and the import's rules read of it.
 */
export async function findIssueForWorklog(reads: CatalogReads, orgId: string, ref: string): Promise<IssueForWorklog | undefined> {
  const lookup = issueLookup(ref);
  if (lookup === undefined) return undefined;
  return 'id' in lookup ? reads.issueById(orgId, lookup.id) : reads.issueByKey(orgId, lookup.key);
}

export async function getIssue(ctx: ServiceContext, caller: Caller, ref: string): Promise<IssueView> {
  const issue = await findIssue(ctx.store.db, caller.org.id, ref);
  if (issue === undefined) throw notFound('Issue does not exist.');
  return loadIssueView(ctx.store.db, issue);
}

/** An issue with everything needed to show it: its queue and the users it names. */
export interface IssueView {
  issue: Issue;
  queue: Queue;
  users: Map<number, User>;
}

/**
 * Loads an issue's queue and users. Writes call it inside their transaction, so that nothing
 * after the commit can fail and turn a stored change into a 5xx that clients would retry.
 */
export async function loadIssueView(db: DbHandle, issue: Issue): Promise<IssueView> {
  const queue = await queueById(db, issue.queueId);
  const extra = issue.extra;
  const uids = [issue.createdBy, issue.updatedBy, issue.assigneeUid, issue.resolvedBy, ...(extra.followers ?? [])];
  const users = await loadUsers(
    db,
    uids.filter((uid): uid is number => uid !== null),
  );
  return { issue, queue, users };
}

/** Loads several issues' queues and users at once, keeping the issues' order. */
export async function loadIssueViews(db: DbHandle, issues: readonly Issue[]): Promise<IssueView[]> {
  if (issues.length === 0) return [];
  const queues = await queuesById(
    db,
    issues.map((issue) => issue.queueId),
  );
  const uids = issues.flatMap((issue) => {
    const extra = issue.extra;
    return [issue.createdBy, issue.updatedBy, issue.assigneeUid, issue.resolvedBy, ...(extra.followers ?? [])];
  });
  const users = await loadUsers(
    db,
    uids.filter((uid): uid is number => uid !== null),
  );
  return issues.map((issue) => {
    const queue = queues.get(issue.queueId);
    if (queue === undefined) throw new Error(`queue ${issue.queueId} of issue ${issue.key} was not loaded`);
    return { issue, queue, users };
  });
}

/** The issue created with a `unique` value, if any. */
export async function findIssueByUnique(ctx: ServiceContext, caller: Caller, unique: string): Promise<IssueView> {
  const issue = await issueStore.findIssueByUnique(ctx.store.db, caller.org.id, unique);
  if (issue === undefined) throw notFound('Issue does not exist.');
  return loadIssueView(ctx.store.db, issue);
}

export interface IssueSearchPage {
  views: IssueView[];
  total: number;
}

const KEY_CHUNK = 500;

/**
 * Finds issues: by keys (in the order given, unknown keys left out, each once),
 * by queue (in issue number order) or all of the organization's (by queue, then number), a page at
 * a time.
 */
export async function searchIssues(
  ctx: ServiceContext,
  caller: Caller,
  search: IssueSelection<QueueReference>,
  page: { page: number; perPage: number },
): Promise<IssueSearchPage> {
  const db = ctx.store.db;
  const offset = (page.page - 1) * page.perPage;
  if (search.by === 'keys') {
    const wanted = [
      ...new Set(
        search.keys.map((text) => parseIssueKey(text)).flatMap((key) => (key === undefined ? [] : [issueKey(key.queueKey, key.number)])),
      ),
    ];
    const found = await issueStore.issuesByKey(db, caller.org.id, wanted, KEY_CHUNK);
    const ordered = wanted.flatMap((key) => (found.has(key) ? [found.get(key)!] : []));
    return { views: await loadIssueViews(db, ordered.slice(offset, offset + page.perPage)), total: ordered.length };
  }
  let queueId: number | null = null;
  if (search.by === 'queue') {
    const queue = await queueReference(db, caller.org.id, search.queue);
    if (!queue.ok) throw invalidFields({ [search.field]: search.field === 'queue' ? queue.error : `[queue] ${queue.error}` });
    queueId = queue.value.id;
  }
  const { issues, total } = await issueStore.pageOfIssues(db, caller.org.id, queueId, page.perPage, offset);
  return { views: await loadIssueViews(db, issues), total };
}

/** One page of a scroll: the issues after `after`, and whether more follow. */
export interface IssueScrollPage extends IssueSearchPage {
  /** The last issue answered, where the next page starts; `after` again when the page is empty. */
  last: ScrollPosition | null;
  more: boolean;
}

/**
 * The queue a scroll selects (`filter.queue`), resolved once when it starts: the cursor keeps its
 * id. Unknown queues are refused as a search refuses them.
 */
export async function scrollQueueId(
  ctx: ServiceContext,
  caller: Caller,
  selection: IssueSelection<QueueReference>,
): Promise<number | null> {
  if (selection.by !== 'queue') return null;
  const queue = await queueReference(ctx.store.db, caller.org.id, selection.queue);
  if (!queue.ok) throw invalidFields({ [selection.field]: `[queue] ${queue.error}` });
  return queue.value.id;
}

/**
 * A scroll's next page, by position in (queue id, number) order rather than by offset, so that
 * page 500 costs what page 1 does and nothing is skipped or repeated as the scroll goes on.
 */
export async function scrollIssues(
  ctx: ServiceContext,
  caller: Caller,
  queueId: number | null,
  after: ScrollPosition | null,
  perScroll: number,
): Promise<IssueScrollPage> {
  const db = ctx.store.db;
  const { issues: rows, total } = await issueStore.issuesAfter(db, caller.org.id, queueId, after, perScroll + 1);
  const page = rows.slice(0, perScroll);
  const lastRow = page.at(-1);
  return {
    views: await loadIssueViews(db, page),
    total,
    last: lastRow === undefined ? after : { queueId: lastRow.queueId, number: lastRow.number },
    more: rows.length > perScroll,
  };
}
