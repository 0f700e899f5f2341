import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppendFile } from './append-file.js';
import { type Column, Codes, float64Column, uint32Column } from './columns.js';
import { chunkedWriter, lineRecords, parsedLine, readLineAt } from './file-lines.js';
import { SourceIdIndex, fingerprintInto } from './source-id-set.js';

/**
 * The local state of `timeport sync`, one file per source, target and organization: which target
 * worklog each source entry became, and what was written there (its fingerprint). It is an NDJSON
 * file appended to after every write to the target and synced to disk before the next one, so a
 * run killed at any moment leaves a state that is true of the target up to the writes it
 * confirmed; a write whose line was lost is found again on the target (in Timeport's ledger, or
 * an exact match adopted). Each run starts by rewriting the file compactly (a temporary file, then
 * a rename).
 */

/** What a sync wrote for a source entry: enough to tell later whether the source or the target changed. */
export interface SyncFingerprint {
  issue: string;
  login: string;
  /** The start instant, ms since the epoch. */
  start: number;
  seconds: number;
  /** '' for no comment. */
  comment: string;
}

export interface SyncedEntry {
  worklogId: number;
  fp: SyncFingerprint;
}

interface StateHeader {
  sync: 1;
  source: string;
  target: string;
  org: string;
  /** When the last run that finished started reading the source (where an incremental read resumes). */
  lastRunAt?: string;
}

type StateLine = { s: string; id: number; fp: SyncFingerprint } | { s: string; gone: true } | { lastRunAt: string };

export const syncStateFile = (dir: string, key: { source: string; target: string; org: string }): string =>
  path.join(
    dir,
    `sync-${crypto.createHash('sha256').update(`${key.source}\n${key.target}\n${key.org}`).digest('hex').slice(0, 16)}.ndjson`,
  );

/** The state file cannot serve this sync: another sync's, or unreadable. */
export class SyncStateError extends Error {}

/**
 * What the plan compares of an entry's written values: its start, duration and comment, hashed
 * into three words, of which the columns keep `VALUE_WORDS` (64 bits: two different values
 * compare equal with probability 2^-64).
 */
export const fingerprintValues = (values: { start: number; seconds: number; comment: string }, into: Uint32Array): void =>
  fingerprintInto(`${values.start}\t${values.seconds}\t${values.comment}`, into, 0);
export const VALUE_WORDS = 2;

export class SyncState {
  /**
   * What the run plans against, by row of `index`: the entries as loaded, each as its worklog id,
   * its issue and login (as `codes`), a fingerprint of its values and where its line is in the
   * file, which `entryAt` reads again when a change needs the values. About 32 bytes an entry
   * (docs/decisions.md, "A second sync of a million entries"). `open()` lets them go.
   */
  private loaded:
    | {
        lineOf: Column<Float64Array>;
        worklogIds: Column<Float64Array>;
        issues: Column<Uint32Array>;
        logins: Column<Uint32Array>;
        values: Column<Uint32Array>;
        /** The file as loaded, open for `entryAt` until `open()`. */
        fd: number | undefined;
        /**
         * Where the file's other lines start: its header, torn lines, the run marks, forgotten
         * entries and entries written again later. Few in a file rewritten at each run's start,
         * so the rewrite copies every line but these without a list of the millions it keeps.
         */
        notEntries: number[];
      }
    | undefined = {
    lineOf: float64Column(),
    worklogIds: float64Column(),
    issues: uint32Column(),
    logins: uint32Column(),
    values: uint32Column(VALUE_WORDS),
    fd: undefined,
    notEntries: [],
  };
  /** Entries loaded. */
  size = 0;
  lastRunAt: string | undefined;
  /** The file, open for appending once `open()` has rewritten it. */
  private out: AppendFile | undefined;

  private constructor(
    readonly file: string,
    private readonly header: Omit<StateHeader, 'sync' | 'lastRunAt'>,
    /** Rows of source ids, shared with whatever else the run knows by source id (sync-ledger.ts). */
    readonly index: SourceIdIndex,
    readonly codes: Codes,
  ) {}

  /** Reads the state (a missing file is an empty state); a line torn by a crash is ignored. */
  static load(file: string, header: Omit<StateHeader, 'sync' | 'lastRunAt'>, index = new SourceIdIndex(), codes = new Codes()): SyncState {
    const state = new SyncState(file, header, index, codes);
    if (!fs.existsSync(file)) return state;
    try {
      state.read();
    } catch (error) {
      state.close();
      if (error instanceof SyncStateError) throw error;
      throw new SyncStateError(`cannot read the sync state ${file}: ${(error as Error).message}`, { cause: error });
    }
    return state;
  }

  /**
   * When the last finished run started (where an incremental read resumes), and how many lines the
   * file has (at least as many as its entries), read without loading the entries: the run asks
   * before reading the source, and loads the entries after, so that the two are not held at once.
   */
  static peek(file: string, header: Omit<StateHeader, 'sync' | 'lastRunAt'>): { lastRunAt: string | undefined; lines: number } {
    if (!fs.existsSync(file)) return { lastRunAt: undefined, lines: 0 };
    const lines = lineRecords(file);
    try {
      let lastRunAt = checkedHeader(lines.next().value?.text ?? '', file, header)?.lastRunAt;
      let count = 1;
      for (const { text } of lines) {
        count++;
        // Only these lines begin so (JSON.stringify({ lastRunAt })); the others need not be parsed.
        if (!text.startsWith('{"lastRunAt"')) continue;
        const line = parsedLine<StateLine>(text);
        if (line !== undefined && 'lastRunAt' in line) lastRunAt = line.lastRunAt;
      }
      return { lastRunAt, lines: count };
    } catch (error) {
      if (error instanceof SyncStateError) throw error;
      throw new SyncStateError(`cannot read the sync state ${file}: ${(error as Error).message}`, { cause: error });
    } finally {
      lines.return(undefined);
    }
  }

  /** The file's lines, one at a time (a state of millions of entries is never one string). */
  private read(): void {
    const { file, header } = this;
    const loaded = this.columns();
    const lines = lineRecords(file);
    const { notEntries } = loaded;
    try {
      this.lastRunAt = checkedHeader(lines.next().value?.text ?? '', file, header)?.lastRunAt;
      notEntries.push(0);
      const values = new Uint32Array(3);
      for (const { text, offset } of lines) {
        const line = parsedLine<StateLine>(text);
        if (line === undefined || 'lastRunAt' in line || 'gone' in line) notEntries.push(offset);
        if (line === undefined) continue;
        if ('lastRunAt' in line) this.lastRunAt = line.lastRunAt;
        else if ('gone' in line) {
          const row = this.index.rowOf(line.s);
          if (row >= 0 && loaded.lineOf.get(row) !== 0) {
            notEntries.push(loaded.lineOf.get(row) - 1);
            loaded.lineOf.set(row, 0);
            this.size--;
          }
        } else {
          const entry = entryOf(line, offset);
          const row = this.index.add(line.s);
          const before = loaded.lineOf.get(row);
          if (before === 0) this.size++;
          else notEntries.push(before - 1);
          loaded.lineOf.set(row, offset + 1);
          loaded.worklogIds.set(row, entry.worklogId);
          loaded.issues.set(row, this.codes.codeOf(entry.fp.issue));
          loaded.logins.set(row, this.codes.codeOf(entry.fp.login));
          fingerprintValues(entry.fp, values);
          loaded.values.setAll(row, values);
        }
      }
    } finally {
      lines.return(undefined);
    }
    loaded.fd = fs.openSync(file, 'r');
  }

  private columns() {
    if (this.loaded === undefined) throw new Error('the sync state was opened: what was loaded is gone');
    return this.loaded;
  }

  /** Whether the row has an entry. */
  has(row: number): boolean {
    return row >= 0 && this.columns().lineOf.get(row) !== 0;
  }

  /** The rows with an entry. */
  *rows(): Generator<number> {
    for (let row = 0; row < this.index.size; row++) if (this.has(row)) yield row;
  }

  worklogIdAt(row: number): number {
    return this.columns().worklogIds.get(row);
  }

  /** The code (in `codes`) of the entry's issue. */
  issueAt(row: number): number {
    return this.columns().issues.get(row);
  }

  /** The code (in `codes`) of the entry's author's login. */
  loginAt(row: number): number {
    return this.columns().logins.get(row);
  }

  /** Whether the entry's values have this fingerprint (`fingerprintValues`). */
  valuesAre(row: number, fingerprint: Uint32Array): boolean {
    return this.columns().values.equals(row, fingerprint);
  }

  /** The row's source id and entry, read again from the file. */
  entryAt(row: number): { sourceId: string; entry: SyncedEntry } {
    const loaded = this.columns();
    const offset = loaded.lineOf.get(row) - 1;
    if (offset < 0 || loaded.fd === undefined) throw new Error(`the sync state has no entry in row ${row}`);
    const line = parsedLine<StateLine>(readLineAt(loaded.fd, offset));
    if (line === undefined || 'lastRunAt' in line || 'gone' in line)
      throw new SyncStateError(`the sync state ${this.file} changed while the sync ran`);
    return { sourceId: line.s, entry: entryOf(line, offset) };
  }

  /** The entry of a source id, if the state has one. */
  get(sourceId: string): SyncedEntry | undefined {
    const row = this.index.rowOf(sourceId);
    return this.has(row) ? this.entryAt(row).entry : undefined;
  }

  /** The entries as loaded, in the file's order. */
  *entries(): Generator<[string, SyncedEntry]> {
    for (const { text, offset } of this.liveLines()) {
      const line = parsedLine<EntryLine>(text)!;
      yield [line.s, entryOf(line, offset)];
    }
  }

  /** The lines of the entries as loaded, in the file's order, read again from it. */
  private *liveLines(): Generator<{ text: string; offset: number }> {
    if (this.size === 0) return;
    const skipped = Float64Array.from(this.columns().notEntries).sort();
    let next = 0;
    for (const line of lineRecords(this.file)) {
      while (next < skipped.length && skipped[next]! < line.offset) next++;
      if (skipped[next] === line.offset) continue;
      yield line;
    }
  }

  /** Rewrites the file compactly (temporary file, fsync, rename) and opens it for appending; what was loaded goes. */
  open(): void {
    try {
      this.rewrite();
    } catch (error) {
      throw new SyncStateError(`cannot write the sync state ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    this.closeLoaded();
    this.loaded = undefined;
  }

  private rewrite(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    const header: StateHeader = { sync: 1, ...this.header };
    if (this.lastRunAt !== undefined) header.lastRunAt = this.lastRunAt;
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      // A chunk at a time: the state of millions of entries is never one string. The entries'
      // lines are copied as they are, one per entry, in the order they were written.
      const out = chunkedWriter(fd);
      out.write(JSON.stringify(header) + '\n');
      if (fs.existsSync(this.file)) for (const { text } of this.liveLines()) out.write(text + '\n');
      out.flush();
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, this.file);
    this.out = AppendFile.open(this.file, 'the sync state');
  }

  /** Appends lines with one write; without `sync`, they go to disk with the next `sync()`, at the latest on close. */
  private append(lines: StateLine[], sync: boolean): void {
    if (this.out === undefined) throw new Error('the sync state is not open');
    this.out.append(lines, sync);
  }

  /**
   * Syncs the lines appended since the last sync: the run calls it before its next write to the
   * target, once for a whole batch's lines rather than once a line (docs/decisions.md).
   */
  sync(): void {
    this.out?.sync();
  }

  /** The source entry is now this worklog, with these values (synced by `sync()`). */
  record(sourceId: string, entry: SyncedEntry): void {
    this.recordAll([{ sourceId, entry }]);
  }

  /** `record` for a whole batch, with one write. */
  recordAll(recorded: { sourceId: string; entry: SyncedEntry }[]): void {
    this.append(
      recorded.map(({ sourceId, entry }) => ({ s: sourceId, id: entry.worklogId, fp: entry.fp })),
      false,
    );
  }

  /** The source entry no longer has a worklog on the target (synced by `sync()`). */
  forget(sourceId: string): void {
    this.forgetAll([sourceId]);
  }

  /** `forget` for many, with one write. */
  forgetAll(sourceIds: readonly string[]): void {
    this.append(
      sourceIds.map((s) => ({ s, gone: true }) as const),
      false,
    );
  }

  finishRun(startedAt: string): void {
    this.append([{ lastRunAt: startedAt }], true);
    this.lastRunAt = startedAt;
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
    this.closeLoaded();
  }

  private closeLoaded(): void {
    if (this.loaded?.fd === undefined) return;
    fs.closeSync(this.loaded.fd);
    this.loaded.fd = undefined;
  }
}

type EntryLine = Extract<StateLine, { id: number }>;

/** The file's first line, if it has one, refused unless it is this sync's header. */
function checkedHeader(text: string, file: string, header: Omit<StateHeader, 'sync' | 'lastRunAt'>): StateHeader | undefined {
  const first = text.trim();
  if (first === '') return undefined;
  let found: StateHeader;
  try {
    found = JSON.parse(first) as StateHeader;
  } catch {
    throw new SyncStateError(
      `the sync state ${file} is not a sync state (its first line is not JSON); move it away or give another --state-dir`,
    );
  }
  if (found.sync !== 1 || found.source !== header.source || found.target !== header.target || found.org !== header.org) {
    throw new SyncStateError(
      `the sync state ${file} belongs to ${found.source} → ${found.target} (organization ${found.org}), not this sync`,
    );
  }
  return found;
}

/** The entry a line records; a line of another shape is refused (the file is not what it claims). */
function entryOf(line: EntryLine, offset: number): SyncedEntry {
  const { fp } = line;
  if (
    typeof line.s !== 'string' ||
    typeof line.id !== 'number' ||
    typeof fp !== 'object' ||
    fp === null ||
    typeof fp.issue !== 'string' ||
    typeof fp.login !== 'string' ||
    typeof fp.start !== 'number' ||
    typeof fp.seconds !== 'number' ||
    typeof fp.comment !== 'string'
  )
    throw new Error(`the line at byte ${offset} is not an entry`);
  return { worklogId: line.id, fp };
}
