import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppendFile } from './append-file.js';
import { parsedLines } from './file-lines.js';

/**
 * The run log: what one `timeport import` or `timeport sync` run wrote to its target, one NDJSON
 * file per run in the state directory's runs/ (docs/decisions.md, "Undo: runs and rollback").
 * Its first line is the run's header. Before each write, what is about to be written (an intent,
 * with the values) is appended and synced to disk; once the target confirms it, the write is
 * appended with what is needed to undo it (the worklog's values before and after) and the intent's
 * number, or the intent is marked settled when the target refused it. So a run killed at any
 * moment, even between the target's confirmation and the log line, leaves a log that names every
 * write it may have made. Confirmations are therefore not synced one by one: the next intent's
 * sync, or the end of the run, takes them to disk, and one lost to a power cut leaves its intent
 * unconfirmed, which a rollback resolves as it does after a kill. (Syncing each one made a
 * 1,000,000-entry import spend most of its time in fdatasync: BENCHMARKS.md.) `timeport rollback`
 * appends what it undid, and finally that the run is rolled back.
 */

/** A worklog's values as a run wrote or found them: instants in ms since the epoch, '' for no comment. */
export interface WorklogImage {
  start: number;
  seconds: number;
  comment: string;
}

/** A deleted worklog, with what re-creating it through the documented import needs. */
export interface FullImage extends WorklogImage {
  login: string;
  createdAt: number;
}

/** A write the target confirmed; `intent` names the intent line it carries out. */
export type RunChange =
  | { op: 'created'; issue: string; id: number; sourceId?: string; after: FullImage; intent?: number }
  | { op: 'updated'; issue: string; id: number; sourceId?: string; before: FullImage; after: WorklogImage; intent?: number }
  | { op: 'deleted'; issue: string; id: number; sourceId?: string; before: FullImage; intent?: number };

/** A write about to be made: a creation has no worklog id yet. */
export type RunIntent =
  | { op: 'creating'; issue: string; sourceId?: string; after: FullImage }
  | { op: 'updating'; issue: string; id: number; sourceId?: string; before: FullImage; after: WorklogImage }
  | { op: 'deleting'; issue: string; id: number; sourceId?: string; before: FullImage };

/** An intent line: its number counts the run's intents from 0. */
type IntentLine = RunIntent & { intent: number };

export interface RunHeader {
  run: 1;
  id: string;
  startedAt: string;
  command: 'import' | 'sync';
  source: string;
  target: string;
  org: string;
  /** A sync's state file and key, so that a rollback keeps that state true of the target. */
  syncState?: { file: string; source: string };
}

/** What a rollback did to one change of the run, by its position in the log (0 = the first change). */
export interface UndoneLine {
  undone: number;
  /** The worklog a deleted one was re-created as. */
  recreatedId?: number;
}

/** What a rollback did about an intent never confirmed, by its number. */
export interface IntentUndoneLine {
  intentUndone: number;
  recreatedId?: number;
}

export interface RolledBackLine {
  rolledBack: string;
  force: boolean;
}

type Line = RunChange | IntentLine | { settled: number } | UndoneLine | IntentUndoneLine | RolledBackLine | { finishedAt: string };

/** A run as its log tells it. */
export interface RunRecord {
  header: RunHeader;
  file: string;
  changes: RunChange[];
  finishedAt?: string;
  /** Positions of changes a rollback undid, with re-created ids. */
  undone: Map<number, UndoneLine>;
  /**
   * Intents neither confirmed nor settled, by number: the run stopped between announcing the
   * write and recording the target's answer, so the write may or may not have been made.
   */
  unconfirmed: Map<number, RunIntent>;
  /** Unconfirmed intents a rollback resolved. */
  intentsUndone: Map<number, IntentUndoneLine>;
  rolledBackAt?: string;
}

/** A run id: its start as a compact UTC timestamp, then random hex (sorts by start; unique across machines). */
export const newRunId = (now = new Date()): string =>
  `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${crypto.randomBytes(3).toString('hex')}`;

const RUN_ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

export const runsDirectory = (stateDir: string): string => path.join(stateDir, 'runs');

/** An unknown run, or a log that cannot serve. */
export class RunLogError extends Error {}

export class RunLog {
  private intents = 0;

  private constructor(
    readonly header: RunHeader,
    readonly file: string,
    private readonly out: AppendFile,
  ) {}

  /** Starts a run's log: the header, synced to disk before the run writes anything to the target. */
  static start(runsDir: string, header: Omit<RunHeader, 'run' | 'id' | 'startedAt'>, now = new Date()): RunLog {
    const full: RunHeader = { run: 1, id: newRunId(now), startedAt: now.toISOString(), ...header };
    try {
      fs.mkdirSync(runsDir, { recursive: true, mode: 0o700 });
      const file = path.join(runsDir, `${full.id}.ndjson`);
      const log = new RunLog(full, file, AppendFile.open(file, 'the run log', 'wx'));
      log.append([full]);
      return log;
    } catch (error) {
      throw new RunLogError(`cannot write the run log in ${runsDir}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Opens an existing run's log for appending (rollback). */
  static reopen(record: RunRecord): RunLog {
    return new RunLog(record.header, record.file, AppendFile.open(record.file, 'the run log'));
  }

  get id(): string {
    return this.header.id;
  }

  /** Appends lines; with `sync` (all but confirmations), syncs them and every line before them to disk. */
  private append(lines: (Line | RunHeader)[], sync = true): void {
    this.out.append(lines, sync);
  }

  /**
   * Writes about to be made, synced to disk (once for all of them) before they are sent; answers
   * their intent numbers, for `record` or `settle`.
   */
  intend(intents: RunIntent[]): number[] {
    const lines = intents.map((intent) => ({ ...intent, intent: this.intents++ }));
    if (lines.length > 0) this.append(lines);
    return lines.map((line) => line.intent);
  }

  /** Writes the target confirmed (each with the number of its intent); synced with the next intent or at the end. */
  record(changes: RunChange[]): void {
    if (changes.length > 0) this.append(changes, false);
  }

  /** Intents that were not carried out (the target refused them, or already had the worklog); synced as `record`. */
  settle(intents: number[]): void {
    if (intents.length > 0)
      this.append(
        intents.map((intent) => ({ settled: intent })),
        false,
      );
  }

  undone(line: UndoneLine | IntentUndoneLine): void {
    this.append([line]);
  }

  rolledBack(force: boolean, at = new Date()): void {
    this.append([{ rolledBack: at.toISOString(), force }]);
  }

  finish(at = new Date()): void {
    this.append([{ finishedAt: at.toISOString() }]);
  }

  /** Syncs what is not yet on disk, then closes the file. */
  close(): void {
    this.out.close();
  }
}

/** Reads a run log; a line torn by a crash is ignored, as its write was not confirmed. */
export function readRun(file: string): RunRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let header: RunHeader;
  try {
    header = JSON.parse(lines[0] ?? '') as RunHeader;
  } catch {
    return undefined;
  }
  if (header.run !== 1 || typeof header.id !== 'string') return undefined;
  const record: RunRecord = { header, file, changes: [], undone: new Map(), unconfirmed: new Map(), intentsUndone: new Map() };
  const settled = new Set<number>();
  for (const line of parsedLines<Line>(lines.slice(1))) {
    if ('op' in line && (line.op === 'creating' || line.op === 'updating' || line.op === 'deleting')) {
      const { intent, ...announced } = line;
      record.unconfirmed.set(intent, announced);
    } else if ('op' in line) {
      record.changes.push(line);
      if (line.intent !== undefined) settled.add(line.intent);
    } else if ('settled' in line) settled.add(line.settled);
    else if ('intentUndone' in line) record.intentsUndone.set(line.intentUndone, line);
    else if ('undone' in line) record.undone.set(line.undone, line);
    else if ('rolledBack' in line) record.rolledBackAt = line.rolledBack;
    else if ('finishedAt' in line) record.finishedAt = line.finishedAt;
  }
  for (const intent of settled) record.unconfirmed.delete(intent);
  return record;
}

/** The runs against a target and organization, newest first. */
export function listRuns(runsDir: string, target: string, org: string): RunRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RunLogError(`cannot read ${runsDir}: ${(error as Error).message}`, { cause: error });
  }
  const runs: RunRecord[] = [];
  for (const name of names) {
    if (!name.endsWith('.ndjson') || !RUN_ID.test(name.slice(0, -'.ndjson'.length))) continue;
    const record = readRun(path.join(runsDir, name));
    if (record !== undefined && record.header.target === target && record.header.org === org) runs.push(record);
  }
  return runs.sort((a, b) =>
    a.header.startedAt === b.header.startedAt
      ? b.header.id.localeCompare(a.header.id)
      : b.header.startedAt.localeCompare(a.header.startedAt),
  );
}

/** One run by id, checked to be against this target and organization. */
export function findRun(runsDir: string, id: string, target: string, org: string): RunRecord {
  const record = RUN_ID.test(id) ? readRun(path.join(runsDir, `${id}.ndjson`)) : undefined;
  if (record === undefined) throw new RunLogError(`no run ${id} in ${runsDir} (timeport runs lists them)`);
  if (record.header.target !== target || record.header.org !== org)
    throw new RunLogError(
      `run ${id} was against ${record.header.target} (organization ${record.header.org}), not ${target} (organization ${org})`,
    );
  return record;
}

export const countsOf = (record: RunRecord): { created: number; updated: number; deleted: number } => {
  const counts = { created: 0, updated: 0, deleted: 0 };
  for (const change of record.changes) counts[change.op]++;
  return counts;
};
