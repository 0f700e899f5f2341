import { SourceIdSet } from './source-id-set.js';
import os from 'node:os';
import path from 'node:path';
import {
  AmbiguousWriteError,
  type BatchEntry,
  type TimeportCapabilities,
  TrackerApiError,
  type TrackerClient,
  type TrackerIssue,
  describeError,
} from '../client/tracker-client.js';
import { formatBusinessDuration, parseBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../domain/timestamp.js';
import { checkWorklogImport } from '../domain/worklog-rules.js';
import { FailureFiles } from './failures.js';
import type { SourceEntry } from './formats/types.js';
import { type Fingerprint, Journal, chooseDefaultJournal, defaultJournalPath } from './journal.js';
import { type PreflightReport, blockerCount, describePreflight, preflight } from './preflight.js';
import { type RunChange, RunLog } from './run-log.js';
import { Progress } from './progress.js';
import { Pool } from './pool.js';
import { PlaceSort, StartOrderSort, createdAtOf } from './start-order.js';
import { ScratchDirectory, SpilledList } from './scratch-directory.js';
import type { RawRecord } from './readers.js';
import { InputPlaces, type ItemPlace, type SourceItem, type SourceOptions, inputsOf, sourceItems } from './source.js';

export interface ImportOptions extends SourceOptions {
  client: TrackerClient;
  /** The base URL and organization, naming the journal's target. */
  target: string;
  org: string;
  /** `auto`: the batch extension if the server offers it, else the documented single import. */
  api: 'auto' | 'timeport' | 'tracker';
  /** What createdAt is when the source has none: the start of the work or its end. */
  createdAtFrom: 'start' | 'end';
  dryRun: boolean;
  atomic: boolean;
  /** Send the valid entries even though the preflight found records that cannot be imported. */
  skipInvalid: boolean;
  journalPath?: string | undefined;
  /** Where the run log goes (the CLI gives runs/ in the state directory); none without it. */
  runsDir?: string | undefined;
  failuresDir?: string | undefined;
  batchSize: number;
  concurrency: number;
  source?: string | undefined;
  progress: { tty: boolean; intervalMs: number };
  out: (line: string) => void;
  err: (line: string) => void;
  /** Called once the target has confirmed a write (a batch), before the run log records it; tests stop a run here. */
  beforeRecord?: (() => void) | undefined;
  /**
   * `start` (the default): entries go out ordered by start, then createdAt, then their place in the
   * input (sorted first unless the preflight found them in that order); `file`: as read.
   */
  order?: 'start' | 'file' | undefined;
  /** Characters of entries the sort keeps in memory before it writes a run to disk (tests make it small). */
  sortRunBytes?: number | undefined;
}

export interface ImportSummary {
  total: number;
  created: number;
  alreadyPresent: number;
  failed: number;
  /** Entries the journal had as done, not sent again. */
  skipped: number;
  seconds: number;
  /**
   * Nothing was stored because entries cannot be imported: the preflight stopped the import before
   * anything was sent, or `--atomic` found entries that fail validation.
   */
  blocked: boolean;
  api: 'timeport' | 'tracker';
  /** The failures files this run wrote. */
  failureFiles: { path: string; count: number }[];
  /** Failures files of earlier runs removed because this run had no failures for their input. */
  removedFailureFiles: string[];
  /** The journal this run read and wrote (none on a dry run or when nothing was sent). */
  journalPath?: string;
  /** The run's id in its run log (none on a dry run). */
  runId?: string;
  preflight: PreflightReport;
}

/** An entry ready to send, with what is needed to report on it. */
interface Ready {
  record: RawRecord;
  entry: SourceEntry;
  body: BatchEntry;
  fingerprint: Fingerprint;
}

/**
 * The bytes an entry adds to a batch request's body: its JSON in UTF-8 and a comma. A batch is
 * cut before the server's `maxBodyBytes`, which counts bytes; a comment in Cyrillic or CJK takes
 * two or three bytes a character, so a count of characters could overshoot it threefold.
 */
export const batchEntryBytes = (entry: object): number => Buffer.byteLength(JSON.stringify(entry)) + 1;

export class ImportAborted extends Error {}

/**
 * `timeport import`: preflight, then one streaming pass that sends every entry not yet in the
 * journal, in start order (start-order.ts; docs/decisions.md, "Imports sent in start order"),
 * through Timeport's batch extension when the server offers it, otherwise through the documented
 * single import with bounded concurrency. Failures go to the failures file.
 */
export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const sorting: Sorting = {};
  try {
    return await importWith(options, sorting);
  } finally {
    sorting.collected?.dispose();
  }
}

/**
 * The sort of an import in start order: entries collected during the preflight's pass (when the
 * input is out of order early and has no repeated source ids), or where a sort made during the
 * send spills.
 */
interface Sorting {
  collected?: CollectedInput | undefined;
  /** The directory the runs go to. */
  spillIn?: string;
}

/** An item of the input as the send needs it. */
type Collected = Pick<SourceItem, 'record' | 'entry' | 'issue' | 'login' | 'problem'>;

/** The sort key of records that did not convert: before every entry (in the input's order among them). */
const NO_START = -Number.MAX_VALUE;

/** The place of an entry kept whole: the file index no input file has. */
const WHOLE = -1;

/** Entries collected read again from their places this many at a time. */
const PLACES_READ_TOGETHER = 4096;

/**
 * The input as the preflight collects it for the sort (docs/decisions.md, "Shuffled imports
 * sorted by reference"): each entry by its place in the input files, read again when it is sent;
 * an entry with no place there (a JSON document's record, a live source's) whole, in a spilled
 * list whose offset stands in for its place.
 */
class CollectedInput {
  private readonly scratch: ScratchDirectory;
  readonly sort: PlaceSort;
  private readonly whole: SpilledList<Collected>;
  private readonly places: InputPlaces;

  constructor(spillIn: string, runBytes: number | undefined, delimiter: string | undefined) {
    this.scratch = new ScratchDirectory(spillIn);
    this.sort = new PlaceSort(this.scratch, runBytes);
    this.whole = new SpilledList<Collected>(this.scratch, 'whole.ndjson');
    this.places = new InputPlaces(delimiter);
  }

  add(start: number, createdAt: number, item: SourceItem): void {
    const { record, entry, issue, login, problem } = item;
    this.sort.add(start, createdAt, this.places.placeOf(item) ?? [WHOLE, this.whole.push({ record, entry, issue, login, problem }), 0, 0]);
  }

  /** The entries in start order, converted as the preflight converted them; again from the start at each call. */
  *items(options: SourceOptions): Generator<Collected> {
    let group: ItemPlace[] = [];
    for (const place of this.sort.sorted()) {
      if (place[0] !== WHOLE) {
        group.push(place);
        if (group.length < PLACES_READ_TOGETHER) continue;
      }
      if (group.length > 0) yield* this.places.itemsAt(group, options);
      group = [];
      if (place[0] === WHOLE) yield this.whole.at(place[1]);
    }
    if (group.length > 0) yield* this.places.itemsAt(group, options);
  }

  /** Closes the files read and removes the temporary directory; safe to call more than once. */
  dispose(): void {
    this.places.close();
    this.whole.close();
    this.sort.dispose();
  }
}

async function importWith(options: ImportOptions, sorting: Sorting): Promise<ImportSummary> {
  const { client } = options;
  const failures = new FailureFiles(options.failuresDir);
  const conflict = failures.conflict(inputsOf(options));
  if (conflict !== undefined) throw new ImportAborted(conflict);
  const capabilities = options.api === 'tracker' ? undefined : await client.capabilities();
  if (options.api === 'timeport' && capabilities?.worklogBatchImport === undefined) {
    throw new ImportAborted(
      `${options.target} does not offer Timeport's batch import (GET /timeport/v1/capabilities); use --api tracker or auto`,
    );
  }
  const api = capabilities?.worklogBatchImport === undefined ? 'tracker' : 'timeport';
  if ((options.order ?? 'start') === 'start') {
    // Beside the journal (on disk, where the command writes already) rather than in a /tmp that
    // may be memory; a dry run has no journal.
    sorting.spillIn = options.dryRun
      ? os.tmpdir()
      : path.dirname(path.resolve(options.journalPath ?? defaultJournalPath(options.target, options.org)));
    sorting.collected = new CollectedInput(sorting.spillIn, options.sortRunBytes, options.delimiter);
  }
  const report = await preflight(options, client, {
    createdAtFrom: options.createdAtFrom,
    onItem: (item, seen) => {
      const collected = sorting.collected;
      if (collected === undefined) return;
      // A repeated source id needs the input's order (the first one without a problem wins), and
      // an input in order so far is likely in order all through: neither is collected further.
      if (seen.repeated || (seen.inOrder && collected.sort.heldBytes >= collected.sort.runBytes / 2)) {
        collected.dispose();
        sorting.collected = undefined;
        return;
      }
      const entry = item.entry;
      collected.add(entry?.startMs ?? NO_START, entry === undefined ? NO_START : createdAtOf(entry, options.createdAtFrom), item);
    },
  });
  if (report.inStartOrder || report.total === 0) {
    sorting.collected?.dispose();
    sorting.collected = undefined;
  }
  for (const line of describePreflight(report, { durationsHoursPerDay: options.durations.hoursPerDay })) options.out(line);
  options.out(
    `Target: ${options.target} (organization ${options.org}), ${api === 'timeport' ? 'Timeport batch import' : 'Tracker single-entry import'}${options.dryRun ? ', dry run: nothing is written' : ''}${options.atomic ? ', atomic' : ''}`,
  );

  // From here on each input's failures file holds this run's failures, or is gone.
  const earlier = failures.removeEarlier(inputsOf(options));
  const summary: ImportSummary = {
    total: report.total,
    created: 0,
    alreadyPresent: 0,
    failed: 0,
    skipped: 0,
    seconds: 0,
    blocked: false,
    api,
    failureFiles: [],
    removedFailureFiles: [],
    preflight: report,
  };
  const closeFailures = () => {
    summary.failureFiles = failures.close();
    summary.removedFailureFiles = earlier.filter((file) => !summary.failureFiles.some((written) => written.path === file));
  };
  const blockers = blockerCount(report);
  if (blockers > 0 && !options.skipInvalid) {
    // Nothing is sent; the records that stop the import are written out to be fixed.
    for await (const item of sourceItems({ ...options, dateOrder: report.dates.order })) {
      const reason = problemOf(item, report);
      if (reason !== undefined)
        failures.add(
          item.record,
          reason,
          item.entry === undefined ? undefined : { entry: item.entry, issue: item.issue, login: item.login },
        );
    }
    summary.blocked = true;
    summary.failed = blockers;
    closeFailures();
    options.out(
      `Nothing was sent: ${blockers} entries cannot be imported as they are (listed above). Fix them, or give --skip-invalid to send the rest.`,
    );
    return summary;
  }

  const journalPath = options.dryRun ? undefined : (options.journalPath ?? chooseDefaultJournal(options.target, options.org, options.err));
  const journal = journalPath === undefined ? undefined : Journal.open(journalPath, { target: options.target, org: options.org });
  summary.journalPath = journalPath === undefined ? undefined : path.resolve(journalPath);
  const runLog =
    options.dryRun || options.runsDir === undefined
      ? undefined
      : RunLog.start(options.runsDir, {
          command: 'import',
          source: sourceLabelOf(options),
          target: options.target,
          org: options.org,
        });
  summary.runId = runLog?.id;
  if (runLog !== undefined) options.out(`Run ${runLog.id} (timeport rollback ${runLog.id} undoes it)`);
  const sortIn = sorting.spillIn !== undefined && !report.inStartOrder && sorting.collected === undefined ? sorting.spillIn : undefined;
  if (sorting.collected !== undefined || sortIn !== undefined)
    options.out(
      `Order: the entries are not in time order; they are sent by start, sorted ${sorting.collected === undefined ? 'before they are sent' : 'as the preflight read them'} (--order file sends them as read)`,
    );
  const collected = sorting.collected;
  const progress = new Progress(report.total, {
    ...options.progress,
    write: options.err,
    label: options.dryRun ? 'Validating' : 'Importing',
  });
  try {
    if (options.atomic && !options.dryRun) {
      // All or nothing: every entry is validated against the target first (a dry run); a refusal
      // after that (the target changed meanwhile) rolls back what this run stored, on Timeport.
      const check = await sendAll(options, report, capabilities, failures, { dryRun: true, sortIn, collected });
      if (check.failed > 0) {
        summary.blocked = true;
        summary.failed = check.failed;
        options.out(`Nothing was stored: ${check.failed} entries fail validation (--atomic).`);
        return summary;
      }
    }
    progress.start();
    const result = await sendAll(options, report, capabilities, failures, {
      dryRun: options.dryRun,
      journal,
      progress,
      runLog,
      sortIn,
      collected,
    });
    runLog?.finish();
    Object.assign(summary, {
      created: result.created,
      alreadyPresent: result.alreadyPresent,
      failed: result.failed,
      skipped: result.skipped,
    });
  } finally {
    progress.stop();
    journal?.close();
    runLog?.close();
    closeFailures();
    summary.seconds = progress.elapsedSeconds();
  }
  return summary;
}

/** What the import ledger and the run log record as the run's source. */
const sourceLabelOf = (options: ImportOptions): string =>
  (options.source ?? options.live?.label ?? options.files.map((file) => path.basename(file)).join(', ')).slice(0, 500);

/** A worklog about to be created, as the run log announces it: the values this run writes. */
const creatingIntent = (ready: Ready) =>
  ({
    op: 'creating',
    issue: ready.body.issue,
    sourceId: ready.entry.sourceId,
    after: {
      login: String(ready.body.createdBy),
      createdAt: ready.fingerprint.createdAt,
      start: ready.fingerprint.start,
      seconds: ready.fingerprint.seconds,
      comment: ready.entry.comment ?? '',
    },
  }) as const;

/** A created worklog as the run log keeps it, with the intent it carries out. */
const createdChange = (ready: Ready, id: number, intent?: number) => {
  const { op: _op, ...values } = creatingIntent(ready);
  return { op: 'created', id, ...values, ...(intent === undefined ? {} : { intent }) } as const;
};

function problemOf(item: Pick<SourceItem, 'problem' | 'login' | 'issue'>, report: PreflightReport): string | undefined {
  if (item.problem !== undefined) return item.problem.reason;
  if (item.login !== undefined && report.missingUsers.has(item.login.toLowerCase()))
    return `user ${item.login} does not exist on the target`;
  if (item.issue !== undefined && report.missingIssues.has(item.issue)) return `issue ${item.issue} does not exist on the target`;
  return undefined;
}

/** What an entry to send needs, as the sort keeps it. */
interface Sendable {
  record: RawRecord;
  entry: SourceEntry;
  issue: string;
  login: string;
}

const sendableOf = (item: Collected): Sendable => ({ record: item.record, entry: item.entry!, issue: item.issue!, login: item.login! });

function readyOf(item: Sendable, createdAtFrom: 'start' | 'end'): Ready {
  const entry = item.entry;
  const createdAtMs = createdAtOf(entry, createdAtFrom);
  const body: BatchEntry = {
    issue: item.issue,
    externalId: entry.sourceId,
    createdBy: item.login,
    createdAt: formatTrackerTimestamp(createdAtMs),
    start: formatTrackerTimestamp(entry.startMs),
    duration: formatBusinessDuration(entry.durationSeconds),
  };
  if (entry.comment !== undefined) body.comment = entry.comment;
  return {
    record: item.record,
    entry,
    body,
    fingerprint: { createdBy: item.login, createdAt: createdAtMs, start: entry.startMs, seconds: entry.durationSeconds },
  };
}

interface SendResult {
  created: number;
  alreadyPresent: number;
  failed: number;
  skipped: number;
  failureFiles: { path: string; count: number }[];
}

/** One pass of sendAll: a dry run (what `--atomic` validates first) or the run that stores. */
interface SendPass {
  dryRun: boolean;
  /** Where done entries are recorded; none on a dry run. */
  journal?: Journal | undefined;
  progress?: Progress | undefined;
  runLog?: RunLog | undefined;
  /** Where the sort spills, when the input is to be sorted by start as it is read again. */
  sortIn: string | undefined;
  /** The input as the preflight collected it, to be read in start order. */
  collected: CollectedInput | undefined;
}

/**
 * The streaming pass: reads the files again and sends what is not done yet. Problems, repeated
 * source ids and entries the journal has as done are settled in the input's order (the first of
 * a repeated id wins); with `sortIn`, what is left is sorted by start (spilling to a temporary
 * directory there) before it is sent. With `collected`, the input comes sorted from what the
 * preflight collected (an input with no repeated source ids): files are read again only where the
 * sort kept an entry by its place.
 */
async function sendAll(
  options: ImportOptions,
  report: PreflightReport,
  capabilities: TimeportCapabilities | undefined,
  failures: FailureFiles,
  { dryRun, journal, progress, runLog, sortIn, collected }: SendPass,
): Promise<SendResult> {
  const result: SendResult = { created: 0, alreadyPresent: 0, failed: 0, skipped: 0, failureFiles: [] };
  const count = (kind: 'created' | 'alreadyPresent' | 'failed' | 'skipped', by = 1) => {
    result[kind] += by;
    progress?.advance(by, kind);
  };
  const fail = (ready: { record: RawRecord; entry?: SourceEntry | undefined; issue?: string; login?: string }, reason: string) => {
    failures.add(
      ready.record,
      reason,
      ready.entry === undefined ? undefined : { entry: ready.entry, issue: ready.issue, login: ready.login },
    );
    count('failed');
  };
  const sink: Sink =
    capabilities?.worklogBatchImport !== undefined
      ? new BatchSink(options, capabilities.worklogBatchImport, journal, dryRun, count, fail, runLog)
      : new TrackerSink(options, report, journal, dryRun, count, fail, runLog);
  // Sized for every entry up front: growing by doubling would hold the old table and the new one
  // at once, half again the memory, at the moment the table is largest. Not needed for what the
  // preflight collected: no source id repeats there.
  const seen = collected === undefined ? new SourceIdSet(report.total) : undefined;
  const sort = sortIn === undefined ? undefined : new StartOrderSort<Sendable>(sortIn, options.sortRunBytes);
  const sourceOptions: SourceOptions = { ...options, dateOrder: report.dates.order };
  const items = collected === undefined ? sourceItems(sourceOptions) : collected.items(sourceOptions);
  try {
    for await (const item of items) {
      const problem = problemOf(item, report);
      if (problem !== undefined) {
        fail({ record: item.record, entry: item.entry, issue: item.issue, login: item.login }, problem);
        continue;
      }
      const entry = item.entry!;
      if (seen?.has(entry.sourceId) === true || journal?.doneBefore.has(entry.sourceId) === true) {
        count('skipped');
        continue;
      }
      seen?.add(entry.sourceId);
      if (sort === undefined) await sink.add(readyOf(sendableOf(item), options.createdAtFrom));
      else sort.add(entry.startMs, createdAtOf(entry, options.createdAtFrom), sendableOf(item));
    }
    if (sort !== undefined) for (const item of sort.sorted()) await sink.add(readyOf(item, options.createdAtFrom));
    await sink.finish();
  } finally {
    sort?.dispose();
  }
  return result;
}

interface Sink {
  add(ready: Ready): Promise<void>;
  finish(): Promise<void>;
}

type Count = (kind: 'created' | 'alreadyPresent' | 'failed' | 'skipped', by?: number) => void;
type Fail = (ready: { record: RawRecord; entry?: SourceEntry; issue?: string; login?: string }, reason: string) => void;

/** Timeport: batches of entries with external ids, so a resend can never duplicate. */
class BatchSink implements Sink {
  private batch: Ready[] = [];
  private bytes = 0;
  private readonly pool: Pool;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly createdBatches: number[] = [];
  private readonly source: string;

  constructor(
    private readonly options: ImportOptions,
    capability: NonNullable<TimeportCapabilities['worklogBatchImport']>,
    private readonly journal: Journal | undefined,
    private readonly dryRun: boolean,
    private readonly count: Count,
    private readonly fail: Fail,
    private readonly runLog: RunLog | undefined,
  ) {
    this.pool = new Pool(Math.max(1, options.concurrency));
    this.maxEntries = Math.min(options.batchSize, capability.maxEntries);
    // Room for the envelope (the request's other fields) that the entries' sizes do not count.
    this.maxBytes = Math.floor(capability.maxBodyBytes * 0.8);
    this.source = sourceLabelOf(options);
    this.path = capability.path;
  }

  private readonly path: string;

  async add(ready: Ready): Promise<void> {
    const size = batchEntryBytes(ready.body);
    if (this.batch.length > 0 && (this.batch.length >= this.maxEntries || this.bytes + size > this.maxBytes)) await this.flush();
    this.batch.push(ready);
    this.bytes += size;
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.bytes = 0;
    if (batch.length === 0) return;
    await this.pool.add(() => this.send(batch));
  }

  private async send(batch: Ready[]): Promise<void> {
    const mode = this.options.atomic ? 'atomic' : 'partial';
    const intents = this.runLog?.intend(batch.map(creatingIntent));
    const answer = await this.options.client.importBatch(this.path, {
      entries: batch.map((ready) => ready.body),
      mode,
      dryRun: this.dryRun,
      source: this.source,
    });
    if (this.options.atomic && !this.dryRun && !answer.stored) {
      // Validated a moment ago, refused now (the target changed): undo this run's earlier batches.
      for (const id of this.createdBatches) await this.options.client.rollbackBatch(id);
      // The run's log must not offer to undo what the ledger has just undone.
      this.runLog?.rolledBack(false);
      throw new ImportAborted(
        `the atomic import was refused mid-way (${answer.counts.failed} entries failed); the ${this.createdBatches.length} batches already stored were rolled back`,
      );
    }
    if (answer.id !== undefined) this.createdBatches.push(answer.id);
    this.options.beforeRecord?.();
    const done: { sourceId: string; worklogId: number }[] = [];
    const created = new Set<number>();
    const changes: RunChange[] = [];
    for (const result of answer.results) {
      const ready = batch[result.index]!;
      if (result.status === 'created' && result.id !== undefined) created.add(result.index);
      if (result.status === 'failed') {
        this.fail(
          { record: ready.record, entry: ready.entry, issue: ready.body.issue, login: String(ready.body.createdBy) },
          describeError(result.error, 'failed'),
        );
      } else if (result.status === 'alreadyPresent') {
        done.push({ sourceId: ready.entry.sourceId, worklogId: result.id! });
        this.count('alreadyPresent');
      } else {
        if (result.id !== undefined) {
          done.push({ sourceId: ready.entry.sourceId, worklogId: result.id });
          changes.push(createdChange(ready, result.id, intents?.[result.index]));
        }
        this.count('created');
      }
    }
    this.runLog?.record(changes);
    // The entries this batch did not create (refused, or already there from an earlier run).
    this.runLog?.settle((intents ?? []).filter((_intent, index) => !created.has(index)));
    this.journal?.recordDone(done);
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.pool.drain();
  }
}

/**
 * Tracker: the documented single import, a bounded number at a time and one at a time per issue
 * (Jira's per-issue write limit shows why). Each entry is journaled as "sending" before it goes;
 * an entry whose answer was lost is looked up on the server before it is ever sent again.
 */
class TrackerSink implements Sink {
  private readonly pool: Pool;
  private readonly busyIssues = new Map<string, Promise<void>>();
  private readonly issues: Map<string, TrackerIssue>;

  constructor(
    private readonly options: ImportOptions,
    private readonly report: PreflightReport,
    private readonly journal: Journal | undefined,
    private readonly dryRun: boolean,
    private readonly count: Count,
    private readonly fail: Fail,
    private readonly runLog: RunLog | undefined,
  ) {
    this.pool = new Pool(Math.max(1, options.concurrency));
    this.issues = report.issues;
  }

  async add(ready: Ready): Promise<void> {
    if (this.dryRun) {
      this.validateLocally(ready);
      return;
    }
    const key = ready.body.issue;
    const previous = this.busyIssues.get(key) ?? Promise.resolve();
    await this.pool.add(async () => {
      const mine = previous.then(() => this.send(ready));
      this.busyIssues.set(
        key,
        mine.catch(() => undefined),
      );
      await mine;
    });
  }

  /** A dry run against Tracker: the single import's rules, applied here, against the issues read. */
  private validateLocally(ready: Ready): void {
    const issue = this.issues.get(ready.body.issue)!;
    const lifetime = { createdAt: parseTrackerTimestamp(issue.createdAt), updatedAt: parseTrackerTimestamp(issue.updatedAt) };
    if (!lifetime.createdAt.ok || !lifetime.updatedAt.ok) throw new Error(`issue ${issue.key} has unreadable dates`);
    const checked = checkWorklogImport(
      ready.body,
      { createdAt: lifetime.createdAt.value, updatedAt: lifetime.updatedAt.value },
      Date.now(),
    );
    if (checked.ok) this.count('created');
    else
      this.fail(
        { record: ready.record, entry: ready.entry, issue: ready.body.issue, login: String(ready.body.createdBy) },
        Object.entries(checked.error.fieldErrors)
          .map(([field, text]) => `${field}: ${text}`)
          .join('; '),
      );
  }

  private async send(ready: Ready): Promise<void> {
    const journal = this.journal!;
    const sourceId = ready.entry.sourceId;
    if (journal.uncertain.has(sourceId)) {
      const found = await this.findOnServer(ready);
      if (found !== undefined) {
        // Sent by an earlier run whose answer was lost: no run log has it yet, so this run's takes it.
        this.runLog?.record([createdChange(ready, found)]);
        journal.recordDone([{ sourceId, worklogId: found }], false);
        this.count('alreadyPresent');
        return;
      }
    }
    const [intent] = this.runLog?.intend([creatingIntent(ready)]) ?? [];
    for (let attempt = 0; ; attempt++) {
      journal.recordSending(sourceId, ready.body.issue, ready.fingerprint);
      try {
        const { issue, externalId: _externalId, ...body } = ready.body;
        const worklog = await this.options.client.importWorklog(issue, body);
        this.options.beforeRecord?.();
        this.runLog?.record([createdChange(ready, worklog.id, intent)]);
        journal.recordDone([{ sourceId, worklogId: worklog.id }], false);
        this.count('created');
        return;
      } catch (error) {
        if (error instanceof TrackerApiError && error.status >= 400 && error.status < 500) {
          if (intent !== undefined) this.runLog!.settle([intent]);
          this.fail(
            { record: ready.record, entry: ready.entry, issue: ready.body.issue, login: String(ready.body.createdBy) },
            `${error.status}: ${describeError(error.body, error.text)}`,
          );
          return;
        }
        if (!(error instanceof AmbiguousWriteError) || attempt >= 5) throw error;
        // The answer was lost: the entry may be stored. Look before sending it again.
        const found = await this.findOnServer(ready);
        if (found !== undefined) {
          this.runLog?.record([createdChange(ready, found, intent)]);
          journal.recordDone([{ sourceId, worklogId: found }], false);
          this.count('created');
          return;
        }
      }
    }
  }

  /** The id of a worklog on the entry's issue with the same author, times and duration, if any. */
  private async findOnServer(ready: Ready): Promise<number | undefined> {
    const user = this.report.users.get(ready.fingerprint.createdBy.toLowerCase());
    for await (const worklog of this.options.client.issueWorklogs(ready.body.issue)) {
      const seconds = parseBusinessDuration(worklog.duration);
      const createdAt = parseTrackerTimestamp(worklog.createdAt);
      const start = parseTrackerTimestamp(worklog.start);
      if (
        seconds.ok &&
        seconds.value === ready.fingerprint.seconds &&
        createdAt.ok &&
        createdAt.value === ready.fingerprint.createdAt &&
        start.ok &&
        start.value === ready.fingerprint.start &&
        (user === undefined || worklog.createdBy.id === String(user.uid))
      ) {
        return worklog.id;
      }
    }
    return undefined;
  }

  async finish(): Promise<void> {
    await this.pool.drain();
    await Promise.all(this.busyIssues.values());
    this.journal?.sync();
  }
}
