import fs from 'node:fs';
import os from 'node:os';
import {
  AmbiguousWriteError,
  type BatchEntry,
  type TimeportCapabilities,
  TrackerApiError,
  type TrackerClient,
  type TrackerErrorBody,
  type TrackerUser,
  type WorklogChange,
  type WorklogChangeResult,
  describeError,
} from '../client/tracker-client.js';
import { formatBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import { ImportAborted, batchEntryBytes } from './import.js';
import { LateIssueTally, describeLateIssues, moveIssueUpdate } from './issue-update.js';
import { type PreflightReport, blockerCount, describePreflight, preflight } from './preflight.js';
import type { LiveSource } from './live/types.js';
import type { RawRecord } from './readers.js';
import { type SourceOptions, sourceItems } from './source.js';
import { type FullImage, type RunChange, RunLog, type RunIntent, runsDirectory } from './run-log.js';
import { NumberSet, uint8Column } from './columns.js';
import { chunkedWriter } from './file-lines.js';
import { ScratchDirectory, SpilledList } from './scratch-directory.js';
import { stringSharer } from './shared-strings.js';
import { SourceIdIndex, SourceIdSet } from './source-id-set.js';
import { Pool } from './pool.js';
import { StartOrderSort } from './start-order.js';
import { type LedgerWorklog, SyncLedger, type TargetValues, valuesOf } from './sync-ledger.js';
import { type SyncFingerprint, type SyncedEntry, SyncState, fingerprintValues, syncStateFile } from './sync-state.js';

/**
 * `timeport sync`: a one-way mirror from a source to a target (docs/decisions.md, "timeport sync"),
 * either through the documented worklog API only (import, edit, delete), which works against
 * Timeport and Tracker alike, or through Timeport's extension (batch import with external ids, the
 * ledger of what this source put there, changes by external id). It reads the source (only what
 * changed since the last sync when the source can list changes), what earlier syncs put into the
 * target (the local state, and Timeport's ledger) and the target worklogs of the issues involved,
 * plans, then applies the plan, announcing each write in the run log before it and recording it in
 * the run log and the state once confirmed.
 */

/**
 * How far before the last sync's start an incremental read begins: the source's clock and this
 * machine's may differ, and an entry changed while the last run was reading must not fall between
 * two windows. Reading a change twice costs nothing (it plans as unchanged).
 */
export const INCREMENTAL_OVERLAP_MS = 15 * 60_000;

/** Batch imports of creations in flight at once (`timeport import`'s default with the batch extension). */
export const BATCHES_IN_FLIGHT = 2;

export interface SyncOptions extends SourceOptions {
  client: TrackerClient;
  /**
   * timeport: Timeport's sync extension (the batch import with external ids, `_external`, `_changes`);
   * tracker: the documented worklog API only; auto (the default): timeport when the target names it.
   */
  api?: 'auto' | 'timeport' | 'tracker' | undefined;
  /** Entries per batch import and changes per `_changes` request (timeport; the server's limits cap it). */
  batchSize?: number | undefined;
  /** The target's base URL and organization, with the source's label: the state's key. */
  target: string;
  org: string;
  sourceLabel: string;
  stateDir: string;
  createdAtFrom: 'start' | 'end';
  dryRun: boolean;
  /** Apply deletions of entries gone from the source (otherwise they are only planned). */
  applyDeletes: boolean;
  /** Overwrite worklogs changed in the target since the last sync, instead of leaving them as conflicts. */
  preferSource: boolean;
  /** Read the whole source even when it can list what changed since the last sync. */
  full?: boolean | undefined;
  planFile?: string | undefined;
  progressIntervalMs: number;
  out: (line: string) => void;
  err: (line: string) => void;
  /**
   * Move the last update of issues that entries to be created were written after (Tracker's import
   * refuses those otherwise), through the documented worklog API (issue-update.ts).
   */
  moveIssueUpdates?: boolean | undefined;
  /** Where the run log goes (default: runs/ in stateDir). */
  runsDir?: string | undefined;
  /** Called after each write is confirmed and recorded; tests stop a run here. */
  afterWrite?: (() => void) | undefined;
  /** Called once the target has confirmed a write, before the run log records it; tests stop a run here. */
  beforeRecord?: (() => void) | undefined;
  /** Batch imports of creations in flight at once (default BATCHES_IN_FLIGHT; tests that stop a run at a write give 1). */
  batchesInFlight?: number | undefined;
  /** Characters of planned creations kept in memory before the sort by start writes a run to disk (tests make it small). */
  sortRunBytes?: number | undefined;
}

export interface SyncCounts {
  create: number;
  adopt: number;
  update: number;
  delete: number;
  unchanged: number;
  conflict: number;
  ambiguous: number;
}

export interface SyncSummary {
  /** What the plan held. */
  planned: SyncCounts;
  created: number;
  adopted: number;
  updated: number;
  deleted: number;
  /** Deletions planned but not applied (no --delete). */
  deletesNotApplied: number;
  /** Conflicts left alone. */
  conflicts: number;
  /** Writes refused by the target, and entries with more than one exact match there. */
  failed: number;
  blocked: boolean;
  seconds: number;
  stateFile: string;
  /** The run's id in its run log (none on a dry run or when nothing was planned). */
  runId?: string;
  /** Which API wrote: Timeport's sync extension or the documented worklog API. */
  api: 'timeport' | 'tracker';
  preflight: PreflightReport;
}

/** A worklog's values as the plan shows them (before, after, in the target). */
interface Shown {
  issue: string;
  login: string;
  start: string;
  duration: string;
  comment?: string;
}

interface Desired {
  fp: SyncFingerprint;
  createdAtMs: number;
}

/**
 * An entry to be created. Creations are not kept with the other changes: they can be millions (a
 * first sync), so they go to a sort by start that spills to disk (start-order.ts).
 */
interface Creation {
  sourceId: string;
  desired: Desired;
}

type Change =
  | { action: 'adopt'; sourceId: string; desired: Desired; worklogId: number; found: SyncFingerprint }
  /** `ifVersion`: the worklog is in Timeport's ledger with this version; the change goes through `_changes`. */
  | {
      action: 'update';
      sourceId: string;
      worklogId: number;
      before: SyncFingerprint;
      current: TargetValues;
      desired: Desired;
      ifVersion?: number | undefined;
    }
  | {
      action: 'delete';
      sourceId: string;
      worklogId: number;
      before: SyncFingerprint;
      current: TargetValues;
      moved: boolean;
      ifVersion?: number | undefined;
    }
  | {
      action: 'conflict';
      sourceId: string;
      worklogId: number;
      before: SyncFingerprint;
      target: TargetValues | undefined;
      desired: Desired | undefined;
      reason: string;
    }
  | { action: 'ambiguous'; sourceId: string; desired: Desired; candidates: number[] };

const sameValues = (
  a: { start: number; seconds: number; comment: string },
  b: { start: number; seconds: number; comment: string },
): boolean => a.start === b.start && a.seconds === b.seconds && a.comment === b.comment;

const show = (fp: SyncFingerprint): Shown => {
  const shown: Shown = {
    issue: fp.issue,
    login: fp.login,
    start: formatTrackerTimestamp(fp.start),
    duration: formatBusinessDuration(fp.seconds),
  };
  if (fp.comment !== '') shown.comment = fp.comment;
  return shown;
};

/** What a run holds that must be let go however it ends: open files, the scratch directory. */
interface SyncRun {
  scratch: ScratchDirectory;
  creations: StartOrderSort<Creation>;
  state?: SyncState;
  ledger?: SyncLedger;
  /** Unchanged entries the state must learn (it lost them, or a run stopped after its write). */
  refreshed?: SpilledList<{ sourceId: string; worklogId: number; fp: SyncFingerprint }>;
  /** Entries gone from both sides, which the state forgets. */
  forgotten?: SpilledList<string>;
}

export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  // Creations are sorted by start on disk, not kept (start-order.ts), and Timeport's ledger is kept
  // on disk but for what the plan compares (sync-ledger.ts), both in one scratch directory. A dry
  // run writes nothing beside the state, so its scratch directory is in the system's temporary one.
  const scratch = new ScratchDirectory(options.dryRun ? os.tmpdir() : options.stateDir);
  const run: SyncRun = { scratch, creations: new StartOrderSort<Creation>(scratch, options.sortRunBytes) };
  try {
    return await planAndApply(options, run);
  } finally {
    run.ledger?.close();
    run.refreshed?.close();
    run.forgotten?.close();
    run.state?.close();
    run.creations.dispose();
  }
}

/** The sync itself: reads, plans (creations into `run.creations`), applies. */
async function planAndApply(options: SyncOptions, run: SyncRun): Promise<SyncSummary> {
  const { creations } = run;
  const started = Date.now();
  const shared = stringSharer();
  const startedAt = new Date(started).toISOString();
  const { client } = options;
  const timeport = await syncExtension(options);
  const stateKey = { source: options.sourceLabel, target: options.target, org: options.org };
  const stateFile = syncStateFile(options.stateDir, stateKey);
  const stateFileSeen = SyncState.peek(stateFile, stateKey);
  const incremental = await readChanges(options, stateFileSeen.lastRunAt);
  const read: SourceOptions = incremental === undefined ? options : { ...options, live: incremental.live };
  const report = await preflight(read, client);
  for (const line of describePreflight(report, { durationsHoursPerDay: options.durations.hoursPerDay })) options.out(line);
  const summary: SyncSummary = {
    planned: { create: 0, adopt: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, ambiguous: 0 },
    created: 0,
    adopted: 0,
    updated: 0,
    deleted: 0,
    deletesNotApplied: 0,
    conflicts: 0,
    failed: 0,
    blocked: false,
    seconds: 0,
    stateFile,
    api: timeport === undefined ? 'tracker' : 'timeport',
    preflight: report,
  };
  const blockers = blockerCount(report);
  if (blockers > 0) {
    // An entry that cannot be read would look gone from the source: nothing is planned on a partial read.
    summary.blocked = true;
    summary.failed = blockers;
    options.out(
      `Nothing was planned or written: ${blockers} source entries cannot be synced as they are (listed above). Fix them or their mapping and sync again.`,
    );
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }
  // The state's entries are loaded after the preflight, which keeps every source id it reads.
  // Source ids by row, sized for the state's entries or the source's, whichever are more (the
  // ledger's are mostly the same ids; a sync from another machine has no state).
  const state = SyncState.load(stateFile, stateKey, new SourceIdIndex(Math.max(stateFileSeen.lines, report.total)));
  run.state = state;
  const { index, codes } = state;
  options.out(
    `Target: ${options.target} (organization ${options.org}); state ${stateFile} (${state.size} entries${state.lastRunAt === undefined ? ', first sync' : `, last sync ${state.lastRunAt}`}); ${timeport === undefined ? 'the documented worklog API' : "Timeport's sync extension (what earlier syncs put there is read from the target)"}${options.dryRun ? '; dry run: nothing is written' : ''}`,
  );

  // The target worklogs of every issue the sync touches, each issue read once, kept as their values
  // and indexed by author, start and duration for adoption.
  interface IssueWorklogs {
    byId: Map<number, TargetValues>;
    byKey: Map<string, number[]>;
  }
  const matchKey = (authorId: string | undefined, start: number, seconds: number) => `${authorId}|${start}|${seconds}`;
  const targetIssues = new Map<string, IssueWorklogs>();
  const worklogsOf = async (issue: string): Promise<IssueWorklogs> => {
    let worklogs = targetIssues.get(issue);
    if (worklogs === undefined) {
      worklogs = { byId: new Map(), byKey: new Map() };
      if ((await client.getIssue(issue)) !== undefined) {
        for await (const worklog of client.issueWorklogs(issue)) {
          const values = valuesOf(worklog);
          if (values === undefined) continue;
          worklogs.byId.set(worklog.id, values);
          const key = matchKey(values.authorId, values.start, values.seconds);
          const ids = worklogs.byKey.get(key);
          if (ids === undefined) worklogs.byKey.set(key, [worklog.id]);
          else ids.push(worklog.id);
        }
      }
      targetIssues.set(issue, worklogs);
    }
    return worklogs;
  };
  // The ledger's worklogs, then those only the local state knows (their rows follow): what earlier
  // syncs wrote, kept compactly (sync-ledger.ts, sync-state.ts).
  let ledger: SyncLedger | undefined;
  if (timeport !== undefined) {
    // What earlier syncs from this source put into Timeport, from its ledger: this needs no local
    // state, so a run after the state is lost, or from another machine, knows them all.
    ledger = await SyncLedger.read(
      client.externalWorklogs({ source: timeport.sourceLabel, perPage: timeport.list.maxPerPage }, timeport.list.path),
      index,
      state,
      run.scratch,
    );
    run.ledger = ledger;
  }
  /** The worklogs known entries point at, which adoption must not take; made when first asked for. */
  let claimedIds: NumberSet | undefined;
  const claimed = (): NumberSet => {
    if (claimedIds === undefined) {
      claimedIds = new NumberSet();
      for (const row of state.rows()) claimedIds.add(state.worklogIdAt(row));
      // The ledger's others: those the state has are above.
      for (const id of ledger?.idsNotInState ?? []) claimedIds.add(id);
    }
    return claimedIds;
  };
  const userIdOf = (login: string): string | undefined => {
    const user = report.users.get(login);
    return user === undefined ? undefined : String(user.uid);
  };

  const changes: Change[] = [];
  let unchanged = 0;
  const lateTally = new LateIssueTally(report.issues);
  const planCreate = async (sourceId: string, want: Desired): Promise<void> => {
    const worklogs = await worklogsOf(want.fp.issue);
    const matches: { id: number; values: TargetValues }[] = [];
    for (const id of worklogs.byKey.get(matchKey(userIdOf(want.fp.login), want.fp.start, want.fp.seconds)) ?? []) {
      const values = worklogs.byId.get(id)!;
      if (claimed().has(id) || (want.fp.comment !== '' && values.comment !== want.fp.comment)) continue;
      matches.push({ id, values });
    }
    if (matches.length === 1) {
      const [match] = matches;
      claimed().add(match!.id);
      changes.push({
        action: 'adopt',
        sourceId,
        desired: want,
        worklogId: match!.id,
        found: { ...want.fp, comment: match!.values.comment },
      });
    } else if (matches.length > 1)
      changes.push({ action: 'ambiguous', sourceId, desired: want, candidates: matches.map((match) => match.id) });
    else {
      creations.add(want.fp.start, want.createdAtMs, { sourceId, desired: want });
      lateTally.add(want.fp.issue, want.createdAtMs);
    }
  };

  // Both lists are on disk: after a lost state, every unchanged entry is one to refresh.
  const refreshed = (run.refreshed = new SpilledList(run.scratch, 'refreshed.ndjson'));
  const forgotten = (run.forgotten = new SpilledList<string>(run.scratch, 'forgotten.ndjson'));
  /**
   * Plans an entry an earlier sync put into the target: `want` is the source's (undefined: gone
   * from it), `known` what was written, `kept` what the local state has of it, `current` the
   * worklog now (undefined: gone), `ifVersion` its version when Timeport's ledger has it.
   */
  const planKnown = async (
    sourceId: string,
    want: Desired | undefined,
    known: SyncedEntry,
    kept: SyncedEntry | undefined,
    current: TargetValues | undefined,
    changedInTarget: boolean,
    ifVersion?: number,
  ): Promise<void> => {
    const conflict = (reason: string) =>
      changes.push({
        action: 'conflict',
        sourceId,
        worklogId: known.worklogId,
        before: known.fp,
        target: current,
        desired: want,
        reason,
      });
    if (want === undefined) {
      if (current === undefined) forgotten.push(sourceId);
      else if (changedInTarget && !options.preferSource) conflict('deleted in the source, changed in the target since the last sync');
      else changes.push({ action: 'delete', sourceId, worklogId: known.worklogId, before: known.fp, current, moved: false, ifVersion });
      return;
    }
    if (want.fp.issue !== known.fp.issue || want.fp.login !== known.fp.login) {
      // Another issue or author: a worklog cannot be moved, so it is deleted and created again.
      if (current !== undefined) {
        if (changedInTarget && !options.preferSource) {
          conflict(
            `moved in the source (${known.fp.issue} ${known.fp.login} → ${want.fp.issue} ${want.fp.login}), changed in the target since the last sync`,
          );
          return;
        }
        changes.push({ action: 'delete', sourceId, worklogId: known.worklogId, before: known.fp, current, moved: true, ifVersion });
      }
      await planCreate(sourceId, want);
      return;
    }
    if (current === undefined) {
      if (options.preferSource) await planCreate(sourceId, want);
      else conflict('deleted in the target since the last sync');
    } else if (sameValues(current, want.fp)) {
      unchanged++;
      // The target already has the source's values (a run stopped after its write, or the state was
      // lost): the state learns it.
      if (kept === undefined || kept.worklogId !== known.worklogId || !sameValues(kept.fp, want.fp))
        refreshed.push({ sourceId, worklogId: known.worklogId, fp: want.fp });
    } else if (changedInTarget && !options.preferSource) conflict('changed in the target since the last sync');
    else changes.push({ action: 'update', sourceId, worklogId: known.worklogId, before: known.fp, current, desired: want, ifVersion });
  };
  const logins = new Map<string, string>([...report.users.values()].map((user) => [String(user.uid), user.login.toLowerCase()]));
  const loginOf = async (uid: string): Promise<string> => {
    let login = logins.get(uid);
    if (login === undefined) {
      login = (await client.getUser(Number(uid)))?.login.toLowerCase() ?? uid;
      logins.set(uid, login);
    }
    return login;
  };
  /** An entry in Timeport's ledger, with the source's values (undefined: gone from the source). */
  const planLedgerWorklog = async (
    sourceId: string,
    item: LedgerWorklog,
    kept: SyncedEntry | undefined,
    want: Desired | undefined,
  ): Promise<void> => {
    const current = item.values;
    if (current === undefined) throw new ImportAborted(`worklog ${item.id} (${sourceId}) has values the sync cannot read`);
    // The local state, where it has this worklog, says what was last written (a rollback writes
    // through the documented API, which moves the version but leaves the state true).
    const vouched = kept !== undefined && kept.worklogId === item.id ? kept : undefined;
    const fp: SyncFingerprint = vouched?.fp ?? {
      issue: item.issue,
      login: await loginOf(current.authorId),
      start: current.start,
      seconds: current.seconds,
      comment: current.comment,
    };
    const changedInTarget = item.version !== item.syncedVersion && !(vouched !== undefined && sameValues(current, vouched.fp));
    await planKnown(sourceId, want, { worklogId: item.id, fp }, kept, current, changedInTarget, item.version);
  };
  /** An entry only the local state knows, with the source's values (undefined: gone from the source). */
  const planStateEntry = async (sourceId: string, known: SyncedEntry, want: Desired | undefined): Promise<void> => {
    const current = (await worklogsOf(known.fp.issue)).byId.get(known.worklogId);
    await planKnown(sourceId, want, known, known, current, current !== undefined && !sameValues(current, known.fp));
  };
  const wantValues = new Uint32Array(3);
  /**
   * Whether the entry of `row` was written as `want` says, on the same issue and author: then,
   * given that the target holds `want`'s values, nothing changes, and the entry is not read again
   * from disk (a sync after a sync: every entry).
   */
  const writtenAs = (row: number, want: Desired): boolean =>
    state.issueAt(row) === codes.find(want.fp.issue) && state.loginAt(row) === codes.find(want.fp.login);
  /** An unchanged entry whose state line may say otherwise (a run stopped after its write): the state learns it. */
  const keepUnchanged = (row: number, sourceId: string, want: Desired) => {
    unchanged++;
    if (!state.valuesAre(row, wantValues)) refreshed.push({ sourceId, worklogId: state.worklogIdAt(row), fp: want.fp });
  };
  /** The ledger's worklog of `row`, as `planLedgerWorklog` plans it; `sourceId` is given with `want`. */
  const planLedgerRow = async (row: number, want: Desired | undefined, sourceId?: string): Promise<void> => {
    const known = ledger!;
    if (want !== undefined && sourceId !== undefined && known.inState(row)) {
      fingerprintValues(want.fp, wantValues);
      if (known.valuesAre(row, wantValues) && writtenAs(row, want)) return keepUnchanged(row, sourceId, want);
    }
    const { sourceId: id, worklog } = known.itemAt(row);
    await planLedgerWorklog(id, worklog, state.has(row) ? state.entryAt(row).entry : undefined, want);
  };
  /** The state's entry of `row`, as `planStateEntry` plans it; `sourceId` is given with `want`. */
  const planStateRow = async (row: number, want: Desired | undefined, sourceId?: string): Promise<void> => {
    if (want !== undefined && sourceId !== undefined && writtenAs(row, want)) {
      const current = (await worklogsOf(want.fp.issue)).byId.get(state.worklogIdAt(row));
      if (current !== undefined && sameValues(current, want.fp)) {
        fingerprintValues(want.fp, wantValues);
        return keepUnchanged(row, sourceId, want);
      }
    }
    const { sourceId: id, entry } = state.entryAt(row);
    await planStateEntry(id, entry, want);
  };

  // The source, as the target should have it, planned as it is read: an entry an earlier sync
  // wrote (in Timeport's ledger or the state) against what was written, any other as a creation
  // (or an adoption), so the plan holds no entry of the source that it does not change. A file
  // reads as it did in the preflight, which counted its repeated ids; a live source is read
  // again, so its ids are checked here.
  const seen = report.duplicates.count > 0 || options.live !== undefined ? new SourceIdSet() : undefined;
  /** The known entries the source gave, by row: 1. */
  const given = uint8Column();
  for await (const item of sourceItems({ ...read, dateOrder: report.dates.order })) {
    const entry = item.entry!;
    if (seen !== undefined && !seen.add(entry.sourceId)) continue; // the preflight listed the duplicate
    const createdAtMs =
      entry.createdAtMs ?? (options.createdAtFrom === 'end' ? entry.startMs + entry.durationSeconds * 1000 : entry.startMs);
    const want: Desired = {
      fp: {
        issue: shared(item.issue!),
        login: shared(item.login!.toLowerCase()),
        start: entry.startMs,
        seconds: entry.durationSeconds,
        comment: entry.comment ?? '',
      },
      createdAtMs,
    };
    const row = index.rowOf(entry.sourceId);
    const inLedger = ledger?.has(row) === true;
    const inState = !inLedger && state.has(row);
    if (inLedger || inState) given.set(row, 1);
    if (inLedger) await planLedgerRow(row, want, entry.sourceId);
    else if (inState) await planStateRow(row, want, entry.sourceId);
    else await planCreate(entry.sourceId, want);
  }
  // The known entries the source did not give: gone from it or, read incrementally, not changed
  // since the last sync (then not looked at, in the source or in the target) unless it listed them
  // as deleted.
  const deletedRows = new Set<number>();
  for (const sourceId of incremental?.deleted ?? []) {
    const row = index.rowOf(sourceId);
    if (row >= 0) deletedRows.add(row);
  }
  const untouched = (row: number) => incremental !== undefined && !deletedRows.has(row);
  if (ledger !== undefined)
    for (const row of ledger.rows()) {
      if (given.get(row) !== 0) continue;
      if (untouched(row)) unchanged++;
      else await planLedgerRow(row, undefined);
    }
  for (const row of state.rows()) {
    if (ledger?.has(row) === true || given.get(row) !== 0) continue;
    if (untouched(row)) unchanged++;
    else await planStateRow(row, undefined);
  }
  // Creations need the claimed worklogs after the state lets go of what it loaded.
  if (creations.count > 0) claimed();

  summary.planned.unchanged = unchanged;
  for (const change of changes) summary.planned[change.action]++;
  summary.planned.create = creations.count;
  // A move's deletion is part of its change, applied with it; only deletions of gone entries wait for --delete.
  const waitingDeletes = changes.filter((change) => change.action === 'delete' && !change.moved && !options.applyDeletes);
  describePlan(options, summary.planned, changes, waitingDeletes.length);
  if (options.planFile !== undefined) writePlan(options.planFile, changes, creations, options.applyDeletes);

  summary.conflicts = summary.planned.conflict;
  summary.deletesNotApplied = waitingDeletes.length;
  const late = lateTally.list();
  if (late.length > 0) options.out(describeLateIssues(late, options.moveIssueUpdates === true));
  if (options.dryRun) {
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }
  if (options.moveIssueUpdates === true) {
    for (const issue of late) {
      const moved = await moveIssueUpdate(options.client, issue.key, issue.latestCreatedAtMs);
      options.out(`Moved the last update of ${issue.key} from ${moved.before} to ${moved.after} (a one-minute worklog logged and deleted)`);
    }
  }

  state.open();
  const runLog = RunLog.start(options.runsDir ?? runsDirectory(options.stateDir), {
    command: 'sync',
    source: options.sourceLabel,
    target: options.target,
    org: options.org,
    syncState: { file: stateFile, source: options.sourceLabel },
  });
  summary.runId = runLog.id;
  options.out(`Run ${runLog.id} (timeport rollback ${runLog.id} undoes it)`);
  // The login as the target spells it, for re-creating a deleted worklog under its author.
  const imageOf = (fp: SyncFingerprint, current: TargetValues): FullImage => ({
    login: report.users.get(fp.login)?.login ?? fp.login,
    createdAt: current.createdAt,
    start: current.start,
    seconds: current.seconds,
    comment: current.comment,
  });
  let done = 0;
  const total = changes.filter((change) => change.action !== 'conflict').length - waitingDeletes.length + creations.count;
  const timer = setInterval(
    () =>
      options.err(
        `Syncing: ${done}/${total} changes (created ${summary.created}, adopted ${summary.adopted}, updated ${summary.updated}, deleted ${summary.deleted}, failed ${summary.failed})`,
      ),
    options.progressIntervalMs,
  );
  timer.unref();
  // Before each write to the target, the state lines recorded since the last one go to disk (one
  // sync a batch, not one a line: sync-state.ts), then the write's intents (run-log.ts).
  const intend = (intents: RunIntent[]): number[] => {
    state.sync();
    return runLog.intend(intents);
  };
  const wrote = () => {
    done++;
    options.afterWrite?.();
  };
  const fail = (change: Change | Creation, reason: string) => {
    summary.failed++;
    done++;
    const issue =
      'desired' in change && change.desired !== undefined ? change.desired.fp.issue : 'before' in change ? change.before.issue : '';
    options.out(`failed: ${change.sourceId} (${issue}): ${reason}`);
  };
  const refusal = (error: unknown): string | undefined =>
    error instanceof TrackerApiError && error.status >= 400 && error.status < 500
      ? `${error.status}: ${describeError(error.body, error.text)}`
      : undefined;
  try {
    for (const chunk of refreshed.chunks(1000))
      state.recordAll(chunk.map(({ sourceId, worklogId, fp }) => ({ sourceId, entry: { worklogId, fp } })));
    for (const chunk of forgotten.chunks(1000)) state.forgetAll(chunk);
    // Deletions first: a moved entry's old worklog goes before its new one is created, and a move
    // whose old worklog could not be deleted is not created a second time.
    const stuckMoves = new Set<string>();
    type Removal = Extract<Change, { action: 'delete' }>;
    type Edit = Extract<Change, { action: 'update' }>;
    const removalOf = (change: Removal) => ({
      issue: change.before.issue,
      id: change.worklogId,
      sourceId: change.sourceId,
      before: imageOf(change.before, change.current),
    });
    const editOf = (change: Edit) => ({
      issue: change.desired.fp.issue,
      id: change.worklogId,
      sourceId: change.sourceId,
      before: imageOf(change.before, change.current),
      after: { start: change.desired.fp.start, seconds: change.desired.fp.seconds, comment: change.desired.fp.comment },
    });
    const creationOf = (change: Creation) => ({
      issue: change.desired.fp.issue,
      sourceId: change.sourceId,
      after: {
        login: report.users.get(change.desired.fp.login)?.login ?? change.desired.fp.login,
        createdAt: change.desired.createdAtMs,
        start: change.desired.fp.start,
        seconds: change.desired.fp.seconds,
        comment: change.desired.fp.comment,
      },
    });
    const deleted = (change: Removal, intent: number) => {
      runLog.record([{ op: 'deleted', ...removalOf(change), intent }]);
      state.forget(change.sourceId);
      summary.deleted++;
      wrote();
    };
    const updated = (change: Edit, intent: number) => {
      runLog.record([{ op: 'updated', ...editOf(change), intent }]);
      state.record(change.sourceId, { worklogId: change.worklogId, fp: change.desired.fp });
      summary.updated++;
      wrote();
    };
    const created = (change: Creation, worklogId: number, intent: number) => {
      // Only the documented API's create() looks for unclaimed worklogs (an answer lost); the batch
      // import answers every id, and a first sync of millions need not keep them.
      if (timeport === undefined) claimed().add(worklogId);
      runLog.record([{ op: 'created', id: worklogId, ...creationOf(change), intent }]);
      state.record(change.sourceId, { worklogId, fp: change.desired.fp });
      summary.created++;
      wrote();
    };

    /**
     * Updates and deletes of worklogs in Timeport's ledger, through `_changes` with the version
     * read (so an edit made in the target meanwhile fails the change, 412). A batch is atomic: when
     * the target refuses one, the changes it names fail and the rest are sent again without them.
     */
    const sendChanges = async (list: (Removal | Edit)[]): Promise<void> => {
      if (list.length === 0) return;
      const extension = timeport!;
      const size = Math.max(1, Math.min(options.batchSize ?? extension.changes.maxChanges, extension.changes.maxChanges));
      for (let offset = 0; offset < list.length; offset += size) {
        let pending = list.slice(offset, offset + size);
        while (pending.length > 0) {
          const intents = intend(
            pending.map((change): RunIntent =>
              change.action === 'delete' ? { op: 'deleting', ...removalOf(change) } : { op: 'updating', ...editOf(change) },
            ),
          );
          const answer = await client.worklogChanges(
            {
              source: extension.sourceLabel,
              changes: pending.map((change): WorklogChange => {
                if (change.action === 'delete') return { action: 'delete', externalId: change.sourceId, ifVersion: change.ifVersion };
                const fp = change.desired.fp;
                return {
                  action: 'update',
                  externalId: change.sourceId,
                  ifVersion: change.ifVersion,
                  start: formatTrackerTimestamp(fp.start),
                  duration: formatBusinessDuration(fp.seconds),
                  comment: fp.comment === '' ? null : fp.comment,
                };
              }),
            },
            extension.changes.path,
          );
          if (answer.stored) {
            options.beforeRecord?.();
            for (const result of answer.results) {
              const change = pending[result.index]!;
              if (change.action === 'delete') deleted(change, intents[result.index]!);
              else updated(change, intents[result.index]!);
            }
            break;
          }
          runLog.settle(intents);
          const refused = new Map<number, WorklogChangeResult>(
            answer.results.filter((result) => result.status === 'failed').map((result) => [result.index, result]),
          );
          if (refused.size === 0) throw new ImportAborted(`${extension.changes.path} refused a batch without naming a change`);
          for (const [index, result] of refused) {
            const change = pending[index]!;
            fail(change, reasonOf(result.error));
            if (change.action === 'delete' && change.moved) stuckMoves.add(change.sourceId);
          }
          pending = pending.filter((_change, index) => !refused.has(index));
        }
      }
    };

    /** Creations through Timeport's batch import, with the entries' source ids as external ids. */
    const importCreations = async (list: Iterable<Creation>): Promise<void> => {
      const extension = timeport!;
      const maxEntries = Math.max(1, Math.min(options.batchSize ?? 5000, extension.batchImport.maxEntries));
      // Room for the envelope that the entries' sizes do not count, as for import.
      const maxBytes = Math.floor(extension.batchImport.maxBodyBytes * 0.8);
      const send = async (batch: { change: Creation; entry: BatchEntry }[]) => {
        const intents = intend(batch.map(({ change }): RunIntent => ({ op: 'creating', ...creationOf(change) })));
        const answer = await client.importBatch(extension.batchImport.path, {
          entries: batch.map(({ entry }) => entry),
          mode: 'partial',
          dryRun: false,
          source: extension.sourceLabel,
        });
        options.beforeRecord?.();
        // The batch's lines go to the run log and to the state with one write each, not one a line.
        const confirmed: RunChange[] = [];
        const settled: number[] = [];
        const recorded: { sourceId: string; entry: SyncedEntry }[] = [];
        const refused: { change: Creation; reason: string }[] = [];
        for (const result of answer.results) {
          const { change } = batch[result.index]!;
          const intent = intents[result.index]!;
          if (result.status === 'created' && result.id !== undefined) {
            confirmed.push({ op: 'created', id: result.id, ...creationOf(change), intent });
            recorded.push({ sourceId: change.sourceId, entry: { worklogId: result.id, fp: change.desired.fp } });
          } else if (result.status === 'alreadyPresent' && result.id !== undefined) {
            // Imported under this external id by something else (another source label): taken as it is.
            settled.push(intent);
            claimed().add(result.id);
            recorded.push({ sourceId: change.sourceId, entry: { worklogId: result.id, fp: change.desired.fp } });
          } else {
            settled.push(intent);
            refused.push({ change, reason: reasonOf(result.error) });
          }
        }
        runLog.record(confirmed);
        runLog.settle(settled);
        state.recordAll(recorded);
        summary.created += confirmed.length;
        summary.adopted += recorded.length - confirmed.length;
        for (let written = 0; written < recorded.length; written++) wrote();
        for (const { change, reason } of refused) fail(change, reason);
      };
      // Two batches in flight, as `timeport import` sends them by default: the next one is built and
      // sent while the target writes the last, instead of each side waiting for the other.
      const pool = new Pool(Math.max(1, options.batchesInFlight ?? BATCHES_IN_FLIGHT));
      let batch: { change: Creation; entry: BatchEntry }[] = [];
      let bytes = 0;
      for (const change of list) {
        const fp = change.desired.fp;
        const entry: BatchEntry = {
          issue: fp.issue,
          externalId: change.sourceId,
          createdBy: report.users.get(fp.login)?.login ?? fp.login,
          createdAt: formatTrackerTimestamp(change.desired.createdAtMs),
          start: formatTrackerTimestamp(fp.start),
          duration: formatBusinessDuration(fp.seconds),
          ...(fp.comment === '' ? {} : { comment: fp.comment }),
        };
        const size = batchEntryBytes(entry);
        if (batch.length > 0 && (batch.length >= maxEntries || bytes + size > maxBytes)) {
          const full = batch;
          await pool.add(() => send(full));
          batch = [];
          bytes = 0;
        }
        batch.push({ change, entry });
        bytes += size;
      }
      if (batch.length > 0) {
        const last = batch;
        await pool.add(() => send(last));
      }
      await pool.drain();
    };

    // Deletions first: a moved entry's old worklog goes before its new one is created, and a move
    // whose old worklog could not be deleted is not created a second time.
    const removals = changes.filter((change): change is Removal => change.action === 'delete' && (change.moved || options.applyDeletes));
    await sendChanges(removals.filter((change) => change.ifVersion !== undefined));
    for (const change of removals) {
      if (change.ifVersion !== undefined) continue;
      const [intent] = intend([{ op: 'deleting', ...removalOf(change) }]);
      try {
        await client.deleteWorklog(change.before.issue, change.worklogId);
      } catch (error) {
        const reason = refusal(error);
        if (reason === undefined) throw error;
        runLog.settle([intent!]);
        fail(change, reason);
        if (change.moved) stuckMoves.add(change.sourceId);
        continue;
      }
      options.beforeRecord?.();
      deleted(change, intent!);
    }
    await sendChanges(changes.filter((change): change is Edit => change.action === 'update' && change.ifVersion !== undefined));
    for (const change of changes) {
      if (change.action === 'update' && change.ifVersion === undefined) {
        const fp = change.desired.fp;
        const [intent] = intend([{ op: 'updating', ...editOf(change) }]);
        try {
          await client.editWorklog(fp.issue, change.worklogId, {
            start: formatTrackerTimestamp(fp.start),
            duration: formatBusinessDuration(fp.seconds),
            comment: fp.comment === '' ? null : fp.comment,
          });
        } catch (error) {
          const reason = refusal(error);
          if (reason === undefined) throw error;
          runLog.settle([intent!]);
          fail(change, reason);
          continue;
        }
        options.beforeRecord?.();
        updated(change, intent!);
      } else if (change.action === 'adopt') {
        state.record(change.sourceId, { worklogId: change.worklogId, fp: change.found });
        summary.adopted++;
        wrote();
      } else if (change.action === 'ambiguous') {
        fail(
          change,
          `${change.candidates.length} worklogs on ${change.desired.fp.issue} match it exactly (ids ${change.candidates.join(', ')}); none was adopted or created`,
        );
      }
    }
    // Created in start order (then createdAt, then the order planned), as `timeport import` sends
    // them, so that the target's time indexes are written in order (docs/decisions.md, "Imports
    // sent in start order").
    function* creationsToSend(): Generator<Creation> {
      for (const creation of creations.sorted()) {
        if (stuckMoves.has(creation.sourceId))
          done++; // its failure was counted with its deletion
        else yield creation;
      }
    }
    if (timeport !== undefined) await importCreations(creationsToSend());
    else
      for (const change of creationsToSend()) {
        const [intent] = intend([{ op: 'creating', ...creationOf(change) }]);
        const worklogId = await create(options, change.desired, claimed(), report.users.get(change.desired.fp.login)).catch(
          (error: unknown) => {
            const reason = refusal(error);
            if (reason === undefined) throw error;
            runLog.settle([intent!]);
            fail(change, reason);
            return undefined;
          },
        );
        if (worklogId === undefined) continue;
        options.beforeRecord?.();
        created(change, worklogId, intent!);
      }
    // An incremental read resumes where this run started only when nothing it read is left
    // unsettled: a failed write, a conflict or a deletion waiting for --delete would otherwise not
    // be read, nor planned, again.
    const unsettled = summary.failed + summary.conflicts + summary.deletesNotApplied;
    if (unsettled === 0 || options.live?.changesSince === undefined) state.finishRun(startedAt);
    else
      options.out(
        `The next sync reads the source ${state.lastRunAt === undefined ? 'in full' : `from where this one did`} again: ${unsettled} changes were left failed, in conflict or waiting for --delete`,
      );
    runLog.finish();
  } finally {
    clearInterval(timer);
    state.close();
    runLog.close();
    summary.seconds = (Date.now() - started) / 1000;
  }
  return summary;
}

/** What a sync through Timeport's extension uses: the capabilities' paths and limits, and the batches' source label. */
interface SyncExtension {
  batchImport: NonNullable<TimeportCapabilities['worklogBatchImport']>;
  changes: NonNullable<TimeportCapabilities['worklogChanges']>;
  list: NonNullable<TimeportCapabilities['worklogExternalList']>;
  /** The label batches are created under and the ledger is filtered by (at most 500 characters, as the server keeps it). */
  sourceLabel: string;
}

/**
 * Chooses the API: Timeport's sync extension when asked for or, with auto, when the target's
 * capabilities name the ledger listing and `_changes` (and the batch import they build on); the
 * documented worklog API otherwise. --api timeport against a target without them is refused.
 */
async function syncExtension(options: SyncOptions): Promise<SyncExtension | undefined> {
  const api = options.api ?? 'auto';
  if (api === 'tracker') return undefined;
  const capabilities = await options.client.capabilities();
  const { worklogBatchImport: batchImport, worklogChanges: changes, worklogExternalList: list } = capabilities ?? {};
  if (batchImport === undefined || changes === undefined || list === undefined) {
    if (api === 'timeport')
      throw new ImportAborted(
        `--api timeport: ${options.target} does not offer Timeport's worklog ledger and changes by external id (GET /timeport/v1/capabilities names no worklogExternalList and worklogChanges); use --api tracker or auto`,
      );
    return undefined;
  }
  return { batchImport, changes, list, sourceLabel: options.sourceLabel.slice(0, 500) };
}

/** A refused change's reason, as the target gave it. */
const reasonOf = (error: TrackerErrorBody | undefined): string =>
  error === undefined ? 'refused' : `${error.statusCode}: ${describeError(error, JSON.stringify(error))}`;

/**
 * What changed in the source since the last sync, read once and kept (the preflight and the plan
 * both go over it), when the source can list changes, the state knows when the last sync started
 * and --full was not given; otherwise undefined: the whole source is read.
 */
async function readChanges(
  options: SyncOptions,
  lastRunAt: string | undefined,
): Promise<{ live: LiveSource; deleted: Set<string> } | undefined> {
  const live = options.live;
  if (live?.changesSince === undefined || lastRunAt === undefined || options.full === true) {
    if (live !== undefined)
      options.out(
        `Source: ${live.label}, read in full${options.full === true ? ' (--full)' : live.changesSince === undefined ? ' (it cannot list what changed)' : ' (first sync)'}`,
      );
    return undefined;
  }
  const since = new Date(Date.parse(lastRunAt) - INCREMENTAL_OVERLAP_MS);
  const listed = live.changesSince(since);
  const records: RawRecord[] = [];
  for await (const record of listed.records) records.push(record);
  const deleted = new Set<string>();
  for await (const sourceId of listed.deleted) deleted.add(sourceId);
  options.out(
    `Source: ${live.label}, changes since ${since.toISOString()} (the last sync started ${lastRunAt}; ${INCREMENTAL_OVERLAP_MS / 60_000} minutes earlier for clock skew): ${records.length} changed, ${deleted.size} deleted; --full compares everything`,
  );
  const changed: LiveSource = {
    label: live.label,
    inputName: live.inputName,
    format: live.format,
    check: () => live.check(),
    records: async function* () {
      yield* records;
    },
  };
  return { live: changed, deleted };
}

/**
 * The documented single import. When its answer is lost, the issue is read again and an exact
 * match not claimed by another entry is taken as this one; without one the entry is not sent twice.
 */
async function create(options: SyncOptions, want: Desired, claimed: NumberSet, author: TrackerUser | undefined): Promise<number> {
  const authorId = author === undefined ? undefined : String(author.uid);
  const body = {
    // The login as the target spells it (the state compares logins without case).
    createdBy: author?.login ?? want.fp.login,
    createdAt: formatTrackerTimestamp(want.createdAtMs),
    start: formatTrackerTimestamp(want.fp.start),
    duration: formatBusinessDuration(want.fp.seconds),
    ...(want.fp.comment === '' ? {} : { comment: want.fp.comment }),
  };
  try {
    return (await options.client.importWorklog(want.fp.issue, body)).id;
  } catch (error) {
    if (!(error instanceof AmbiguousWriteError)) throw error;
    for await (const worklog of options.client.issueWorklogs(want.fp.issue)) {
      const values = valuesOf(worklog);
      if (claimed.has(worklog.id) || values === undefined) continue;
      if (values.authorId === authorId && sameValues(values, want.fp)) return worklog.id;
    }
    throw new ImportAborted(`${error.message}; no such worklog is on ${want.fp.issue}: run the sync again to send it`);
  }
}

const SHOWN_PER_KIND = 20;

function describePlan(options: SyncOptions, counts: SyncCounts, changes: Change[], waitingDeletes: number): void {
  const deleteNote = waitingDeletes > 0 ? ` (${waitingDeletes} not applied without --delete)` : '';
  options.out(
    `Plan: ${counts.create} creates, ${counts.update} updates, ${counts.delete} deletes${deleteNote}, ${counts.adopt} adopted from the target, ${counts.unchanged} unchanged, ${counts.conflict} conflicts, ${counts.ambiguous} ambiguous`,
  );
  const list = (kind: Change['action'], title: string, line: (change: Change) => string) => {
    const some = changes.filter((change) => change.action === kind && (kind !== 'delete' || !(change as { moved: boolean }).moved));
    if (some.length === 0) return;
    options.out(title);
    for (const change of some.slice(0, SHOWN_PER_KIND)) options.out(`  ${line(change)}`);
    if (some.length > SHOWN_PER_KIND)
      options.out(
        `  … and ${some.length - SHOWN_PER_KIND} more${options.planFile === undefined ? ' (--plan <file> lists them all)' : ` (all in ${options.planFile})`}`,
      );
  };
  const describe = (fp: SyncFingerprint) =>
    `${fp.issue} ${fp.login} ${formatTrackerTimestamp(fp.start)} ${formatBusinessDuration(fp.seconds)}`;
  list(
    'delete',
    options.applyDeletes ? 'Deletes (gone from the source):' : 'Deletes planned, not applied without --delete (gone from the source):',
    (change) => {
      const removal = change as Extract<Change, { action: 'delete' }>;
      return `${removal.sourceId}: worklog ${removal.worklogId} on ${describe(removal.before)}`;
    },
  );
  list('conflict', 'Conflicts, left alone (--prefer source overwrites them):', (change) => {
    const conflict = change as Extract<Change, { action: 'conflict' }>;
    return `${conflict.sourceId}: worklog ${conflict.worklogId} on ${conflict.before.issue}: ${conflict.reason}`;
  });
  list('ambiguous', 'Ambiguous, neither adopted nor created:', (change) => {
    const ambiguous = change as Extract<Change, { action: 'ambiguous' }>;
    return `${ambiguous.sourceId}: worklogs ${ambiguous.candidates.join(', ')} on ${ambiguous.desired.fp.issue} all match it`;
  });
}

/** The plan as NDJSON: one change a line, with the values before and after where known. */
function writePlan(file: string, changes: Change[], creations: StartOrderSort<Creation>, applyDeletes: boolean): void {
  const lineOf = (change: Change) => {
    switch (change.action) {
      case 'adopt':
        return {
          action: 'adopt',
          sourceId: change.sourceId,
          issue: change.desired.fp.issue,
          worklogId: change.worklogId,
          after: show(change.found),
        };
      case 'update':
        return {
          action: 'update',
          sourceId: change.sourceId,
          issue: change.before.issue,
          worklogId: change.worklogId,
          before: show(change.before),
          after: show(change.desired.fp),
        };
      case 'delete':
        return {
          action: 'delete',
          sourceId: change.sourceId,
          issue: change.before.issue,
          worklogId: change.worklogId,
          before: show(change.before),
          ...(change.moved ? { moved: true } : { applied: applyDeletes }),
        };
      case 'conflict': {
        const target =
          change.target === undefined
            ? null
            : show({ ...change.before, start: change.target.start, seconds: change.target.seconds, comment: change.target.comment });
        return {
          action: 'conflict',
          sourceId: change.sourceId,
          issue: change.before.issue,
          worklogId: change.worklogId,
          reason: change.reason,
          before: show(change.before),
          target,
          after: change.desired === undefined ? null : show(change.desired.fp),
        };
      }
      case 'ambiguous':
        return {
          action: 'ambiguous',
          sourceId: change.sourceId,
          issue: change.desired.fp.issue,
          candidates: change.candidates,
          after: show(change.desired.fp),
        };
    }
  };
  // The other changes, then the creations in the order they will be sent; written a chunk at a
  // time, as a plan of millions of creations would not fit in one string.
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'w');
    const out = chunkedWriter(fd);
    const write = (line: object) => out.write(JSON.stringify(line) + '\n');
    for (const change of changes) write(lineOf(change));
    for (const { sourceId, desired } of creations.sorted())
      write({ action: 'create', sourceId, issue: desired.fp.issue, after: show(desired.fp) });
    out.flush();
  } catch (error) {
    throw new ImportAborted(`--plan ${file}: ${(error as Error).message}`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
