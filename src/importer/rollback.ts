import { TrackerApiError, type TrackerClient, type TrackerWorklog, describeError } from '../client/tracker-client.js';
import { formatBusinessDuration, parseBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../domain/timestamp.js';
import { type FullImage, type RunChange, RunLog, RunLogError, type WorklogImage, findRun } from './run-log.js';
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
      `${record.changes.length} changes, ${record.undone.size} already undone${options.dryRun ? '; dry run: nothing is written' : ''}`,
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

  /** Puts a deleted worklog back with its author, createdAt and values; an exact match already there counts as put back. */
  const recreate = async (change: RunChange, before: FullImage, index: number): Promise<boolean> => {
    const worklogs = await worklogsOf(change.issue);
    const uid = await uidOf(before.login);
    for (const [id, current] of worklogs) {
      if (current.authorId === uid && current.createdAt === before.createdAt && same(current.values, before)) {
        options.out(`already back: worklog ${change.id} on ${change.issue} is there as worklog ${id}`);
        summary.nothingToDo++;
        log?.undone({ undone: index, recreatedId: id });
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
      log?.undone({ undone: index, recreatedId: worklog.id });
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

  try {
    for (let index = record.changes.length - 1; index >= 0; index--) {
      if (record.undone.has(index)) continue;
      const change = record.changes[index]!;
      const current = (await worklogsOf(change.issue)).get(change.id);
      try {
        if (change.op === 'created') {
          if (current === undefined) {
            options.out(`already gone: worklog ${change.id} on ${change.issue} (created by the run)`);
            summary.nothingToDo++;
            log?.undone({ undone: index });
            if (change.sourceId !== undefined) stateChanges.push({ sourceId: change.sourceId, issue: change.issue });
            continue;
          }
          if (changedSinceRun(change, current.values, change.after)) continue;
          options.out(`${would}delete worklog ${change.id} on ${change.issue} (created by the run)`);
          if (options.dryRun) {
            summary.deleted++;
            continue;
          }
          await client.deleteWorklog(change.issue, change.id);
          log?.undone({ undone: index });
          if (change.sourceId !== undefined) stateChanges.push({ sourceId: change.sourceId, issue: change.issue });
          summary.deleted++;
        } else if (change.op === 'updated') {
          if (current === undefined) {
            if (!options.force) {
              leaveAlone(change, 'deleted in the target since the run (--force puts its before-image back as a new worklog)');
              continue;
            }
            await recreate(change, change.before, index);
            continue;
          }
          if (changedSinceRun(change, current.values, change.after)) continue;
          options.out(
            `${would}restore worklog ${change.id} on ${change.issue} to ${describeImage(change.before)} (the run wrote ${describeImage(change.after)})`,
          );
          if (options.dryRun) {
            summary.restored++;
            continue;
          }
          await client.editWorklog(change.issue, change.id, {
            start: formatTrackerTimestamp(change.before.start),
            duration: formatBusinessDuration(change.before.seconds),
            comment: change.before.comment === '' ? null : change.before.comment,
          });
          log?.undone({ undone: index });
          if (change.sourceId !== undefined)
            stateChanges.push({ sourceId: change.sourceId, worklogId: change.id, before: change.before, issue: change.issue });
          summary.restored++;
        } else {
          await recreate(change, change.before, index);
        }
      } catch (error) {
        const reason = refusal(error);
        if (reason === undefined) throw error;
        summary.failed++;
        options.out(`failed: worklog ${change.id} on ${change.issue} (${change.op} by the run): ${reason}`);
      }
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
