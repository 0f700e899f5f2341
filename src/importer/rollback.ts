import { TrackerApiError, type TrackerClient, type TrackerWorklog, describeError } from '../client/tracker-client.js';
import { formatBusinessDuration, parseBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../domain/timestamp.js';
import { type FullImage, type RunChange, type RunIntent, RunLog, RunLogError, type WorklogImage, findRun, listRuns } from './run-log.js';
import { SyncState, SyncStateError } from './sync-state.js';

/**
 * `timeport rollback <run id>`: undoes one run's writes in reverse order through the documented
 * worklog API (delete, edit, import), so it works against Timeport and Tracker alike
 * (docs/decisions.md, "Undo: runs and rollback"). A worklog changed in the target since the run
 * is left alone and listed unless `force`; each undone change is appended to the run's log as it
 * is confirmed, so a rollback stopped mid-way resumes where it stopped.
 */

export interface RollbackOptions {
  client: TrackerClient;
  runsDir: string;
  target: string;
  org: string;
  runId: string;
  force: boolean;
  dryRun: boolean;
  out: (line: string) => void;
}

export interface LeftAlone {
  op: RunChange['op'];
  issue: string;
  id: number;
  reason: string;
}

export interface RollbackSummary {
  runId: string;
  deleted: number;
  restored: number;
  recreated: number;
  /** Changes there was nothing left to undo for (a created worklog already gone, a deleted one already back). */
  nothingToDo: number;
  leftAlone: LeftAlone[];
  failed: number;
  /** The run is now marked rolled back (everything undone, or --force). */
  rolledBack: boolean;
}

interface Current {
  values: WorklogImage;
  createdAt: number;
  authorId: string;
}

const same = (a: WorklogImage, b: WorklogImage): boolean => a.start === b.start && a.seconds === b.seconds && a.comment === b.comment;

const describeImage = (image: WorklogImage): string =>
  `${formatTrackerTimestamp(image.start)} ${formatBusinessDuration(image.seconds)}${image.comment === '' ? '' : ` "${image.comment}"`}`;

function currentOf(worklog: TrackerWorklog): Current | undefined {
  const start = parseTrackerTimestamp(worklog.start);
  const seconds = parseBusinessDuration(worklog.duration);
  const createdAt = parseTrackerTimestamp(worklog.createdAt);
  if (!start.ok || !seconds.ok || !createdAt.ok) return undefined;
  return {
    values: { start: start.value, seconds: seconds.value, comment: worklog.comment ?? '' },
    createdAt: createdAt.value,
    authorId: worklog.createdBy.id,
  };
}

export async function runRollback(options: RollbackOptions): Promise<RollbackSummary> {
  const { client } = options;
  const record = findRun(options.runsDir, options.runId, options.target, options.org);
  if (record.rolledBackAt !== undefined)
    throw new RunLogError(`run ${options.runId} was already rolled back at ${record.rolledBackAt}; nothing was done`);
  const summary: RollbackSummary = {
    runId: options.runId,
    deleted: 0,
    restored: 0,
    recreated: 0,
    nothingToDo: 0,
    leftAlone: [],
    failed: 0,
    rolledBack: false,
  };
  const { header } = record;
  options.out(
    `Run ${header.id}: timeport ${header.command} from ${header.source}, started ${header.startedAt}${record.finishedAt === undefined ? ' (did not finish)' : ''}; ` +
      `${record.changes.length} changes, ${record.undone.size} already undone${record.unconfirmed.size > 0 ? `, ${record.unconfirmed.size} unconfirmed writes (the run stopped before their answer was logged)` : ''}${options.dryRun ? '; dry run: nothing is written' : ''}`,
  );

  // Each issue's worklogs as they are now, read once: the run touched each worklog once.
  const issues = new Map<string, Map<number, Current>>();
  const worklogsOf = async (issue: string): Promise<Map<number, Current>> => {
    let worklogs = issues.get(issue);
    if (worklogs === undefined) {
      worklogs = new Map();
      if ((await client.getIssue(issue)) !== undefined)
        for await (const worklog of client.issueWorklogs(issue)) {
          const current = currentOf(worklog);
          if (current !== undefined) worklogs.set(worklog.id, current);
        }
      issues.set(issue, worklogs);
    }
    return worklogs;
  };
  const uids = new Map<string, string | undefined>();
  const uidOf = async (login: string): Promise<string | undefined> => {
    if (!uids.has(login)) {
      const user = await client.getUser(login);
      uids.set(login, user === undefined ? undefined : String(user.uid));
    }
    return uids.get(login);
  };

  const log = options.dryRun ? undefined : RunLog.reopen(record);
  // What the sync state must learn, in the order undone.
  const stateChanges: { sourceId: string; worklogId?: number; before?: FullImage; issue: string }[] = [];
  const refusal = (error: unknown): string | undefined =>
    error instanceof TrackerApiError && error.status >= 400 && error.status < 500
      ? `${error.status}: ${describeError(error.body, error.text)}`
      : undefined;
  const leaveAlone = (change: RunChange, reason: string) => {
    summary.leftAlone.push({ op: change.op, issue: change.issue, id: change.id, reason });
    options.out(`left alone: worklog ${change.id} on ${change.issue} (${change.op} by the run): ${reason}`);
  };
  /** Leaves a worklog whose values are no longer what the run wrote, unless --force; answers whether it did. */
  const changedSinceRun = (change: RunChange, now: WorklogImage, written: WorklogImage): boolean => {
    if (same(now, written) || options.force) return false;
    leaveAlone(change, `changed in the target since the run (now ${describeImage(now)}; the run wrote ${describeImage(written)})`);
    return true;
  };
  const would = options.dryRun ? 'would ' : '';

  /** Writes down that a change (or an unconfirmed intent) is undone, with the worklog a deleted one came back as. */
  type Mark = (recreatedId?: number) => void;

  /** Puts a deleted worklog back with its author, createdAt and values; an exact match already there counts as put back. */
  const recreate = async (change: RunChange, before: FullImage, mark: Mark): Promise<boolean> => {
    const worklogs = await worklogsOf(change.issue);
    const uid = await uidOf(before.login);
    for (const [id, current] of worklogs) {
      if (current.authorId === uid && current.createdAt === before.createdAt && same(current.values, before)) {
        options.out(`already back: worklog ${change.id} on ${change.issue} is there as worklog ${id}`);
        summary.nothingToDo++;
        if (!options.dryRun) mark(id);
        if (change.sourceId !== undefined) stateChanges.push({ sourceId: change.sourceId, worklogId: id, before, issue: change.issue });
        return true;
      }
    }
    options.out(`${would}re-create worklog ${change.id} on ${change.issue}: ${before.login} ${describeImage(before)}`);
    if (options.dryRun) {
      summary.recreated++;
      return true;
    }
    try {
      const worklog = await client.importWorklog(change.issue, {
        createdBy: before.login,
        createdAt: formatTrackerTimestamp(before.createdAt),
        start: formatTrackerTimestamp(before.start),
        duration: formatBusinessDuration(before.seconds),
        ...(before.comment === '' ? {} : { comment: before.comment }),
      });
      mark(worklog.id);
      if (change.sourceId !== undefined)
        stateChanges.push({ sourceId: change.sourceId, worklogId: worklog.id, before, issue: change.issue });
      summary.recreated++;
      return true;
    } catch (error) {
      const reason = refusal(error);
      if (reason === undefined) throw error;
      summary.failed++;
      options.out(`failed: re-creating worklog ${change.id} on ${change.issue}: ${reason}`);
      return false;
    }
  };

  /** Undoes one confirmed change of the run. */
  const undo = async (change: RunChange, mark: Mark): Promise<void> => {
    const current = (await worklogsOf(change.issue)).get(change.id);
    try {
      if (change.op === 'created') {
        if (current === undefined) {
          options.out(`already gone: worklog ${change.id} on ${change.issue} (created by the run)`);
          summary.nothingToDo++;
          if (!options.dryRun) mark();
          if (change.sourceId !== undefined) stateChanges.push({ sourceId: change.sourceId, issue: change.issue });
          return;
        }
        if (changedSinceRun(change, current.values, change.after)) return;
        options.out(`${would}delete worklog ${change.id} on ${change.issue} (created by the run)`);
        if (options.dryRun) {
          summary.deleted++;
          return;
        }
        await client.deleteWorklog(change.issue, change.id);
        mark();
        if (change.sourceId !== undefined) stateChanges.push({ sourceId: change.sourceId, issue: change.issue });
        summary.deleted++;
      } else if (change.op === 'updated') {
        if (current === undefined) {
          if (!options.force) {
            leaveAlone(change, 'deleted in the target since the run (--force puts its before-image back as a new worklog)');
            return;
          }
          await recreate(change, change.before, mark);
          return;
        }
        if (changedSinceRun(change, current.values, change.after)) return;
        options.out(
          `${would}restore worklog ${change.id} on ${change.issue} to ${describeImage(change.before)} (the run wrote ${describeImage(change.after)})`,
        );
        if (options.dryRun) {
          summary.restored++;
          return;
        }
        await client.editWorklog(change.issue, change.id, {
          start: formatTrackerTimestamp(change.before.start),
          duration: formatBusinessDuration(change.before.seconds),
          comment: change.before.comment === '' ? null : change.before.comment,
        });
        mark();
        if (change.sourceId !== undefined)
          stateChanges.push({ sourceId: change.sourceId, worklogId: change.id, before: change.before, issue: change.issue });
        summary.restored++;
      } else {
        await recreate(change, change.before, mark);
      }
    } catch (error) {
      const reason = refusal(error);
      if (reason === undefined) throw error;
      summary.failed++;
      options.out(`failed: worklog ${change.id} on ${change.issue} (${change.op} by the run): ${reason}`);
    }
  };

  /**
   * What an intent the run never confirmed (it stopped between the target's answer and the log
   * line) became: the change it made, or a reason there is nothing to undo. A creation is the one
   * worklog on the issue with exactly its author, createdAt and values that no run's log records
   * as its own creation; two such are never guessed between.
   */
  const resolve = async (intent: RunIntent): Promise<RunChange | { nothing: string } | { ambiguous: number[] }> => {
    const worklogs = await worklogsOf(intent.issue);
    if (intent.op === 'creating') {
      const uid = await uidOf(intent.after.login);
      const matches = [...worklogs]
        .filter(
          ([id, current]) =>
            current.authorId === uid &&
            current.createdAt === intent.after.createdAt &&
            same(current.values, intent.after) &&
            !createdByRuns.has(`${intent.issue}#${id}`),
        )
        .map(([id]) => id);
      if (matches.length === 0) return { nothing: 'no worklog on the issue matches it: it was not created, or is gone' };
      if (matches.length > 1) return { ambiguous: matches };
      const { op: _op, ...values } = intent;
      return { op: 'created', id: matches[0]!, ...values };
    }
    const current = worklogs.get(intent.id);
    if (intent.op === 'updating') {
      if (current !== undefined && same(current.values, intent.before) && !same(intent.before, intent.after))
        return { nothing: 'the worklog still has its values from before the run: the edit was not made' };
      const { op: _op, ...values } = intent;
      return { op: 'updated', ...values };
    }
    if (current !== undefined) return { nothing: 'the worklog is still there: the deletion was not made' };
    const { op: _op, ...values } = intent;
    return { op: 'deleted', ...values };
  };
  // Worklogs a run against this target (this one included) recorded as its creation.
  const createdByRuns = new Set<string>();
  if (record.unconfirmed.size > 0)
    for (const run of listRuns(options.runsDir, options.target, options.org))
      for (const change of run.changes) if (change.op === 'created') createdByRuns.add(`${change.issue}#${change.id}`);

  try {
    // Unconfirmed intents are the run's last writes (it stopped there): undone first.
    for (const number of [...record.unconfirmed.keys()].sort((a, b) => b - a)) {
      if (record.intentsUndone.has(number)) continue;
      const intent = record.unconfirmed.get(number)!;
      const mark: Mark = (recreatedId) => log?.undone({ intentUndone: number, ...(recreatedId === undefined ? {} : { recreatedId }) });
      const resolved = await resolve(intent);
      const what = `${intent.op} ${'id' in intent ? `worklog ${intent.id}` : `a worklog (${intent.after.login} ${describeImage(intent.after)})`} on ${intent.issue}, unconfirmed`;
      if ('nothing' in resolved) {
        options.out(`nothing to undo: ${what}: ${resolved.nothing}`);
        summary.nothingToDo++;
        if (!options.dryRun) mark();
      } else if ('ambiguous' in resolved) {
        const matches = `worklogs ${resolved.ambiguous.join(', ')} all match it exactly; none is deleted`;
        if (options.force) {
          // Never guessed, even forced: the intent is marked so that no later rollback (after one
          // of them was removed by hand) takes the other for the run's.
          options.out(`left alone: ${what}: ${matches} (--force: the run is marked rolled back without it)`);
          if (!options.dryRun) mark();
        } else {
          summary.leftAlone.push({
            op: 'created',
            issue: intent.issue,
            id: resolved.ambiguous[0]!,
            reason: `unconfirmed creation: ${matches}`,
          });
          options.out(
            `left alone: ${what}: ${matches}; --force marks the run rolled back without it (then remove the run's copy by hand if you can tell which it is)`,
          );
        }
      } else await undo(resolved, mark);
    }
    for (let index = record.changes.length - 1; index >= 0; index--) {
      if (record.undone.has(index)) continue;
      await undo(record.changes[index]!, (recreatedId) =>
        log?.undone({ undone: index, ...(recreatedId === undefined ? {} : { recreatedId }) }),
      );
    }
    if (!options.dryRun && summary.failed === 0 && summary.leftAlone.length === 0) {
      log!.rolledBack(options.force);
      summary.rolledBack = true;
    }
  } finally {
    log?.close();
    if (header.syncState !== undefined && stateChanges.length > 0) updateSyncState(options, header.syncState, stateChanges);
  }
  return summary;
}

/**
 * The sync whose run was rolled back must not keep pointing at worklogs the rollback deleted, nor
 * remember values the target no longer has: its state learns each undone change, so its next run
 * plans against the target as it now is.
 */
function updateSyncState(
  options: RollbackOptions,
  key: { file: string; source: string },
  changes: { sourceId: string; worklogId?: number; before?: FullImage; issue: string }[],
): void {
  let state: SyncState;
  try {
    state = SyncState.load(key.file, { source: key.source, target: options.target, org: options.org });
    state.open();
  } catch (error) {
    if (!(error instanceof SyncStateError)) throw error;
    options.out(
      `the sync state was not updated: ${error.message}; the next sync reports the rolled-back worklogs as changed in the target`,
    );
    return;
  }
  try {
    for (const change of changes) {
      if (change.worklogId === undefined || change.before === undefined) state.forget(change.sourceId);
      else
        state.record(change.sourceId, {
          worklogId: change.worklogId,
          fp: {
            issue: change.issue,
            login: change.before.login.toLowerCase(),
            start: change.before.start,
            seconds: change.before.seconds,
            comment: change.before.comment,
          },
        });
    }
  } finally {
    state.close();
  }
}
