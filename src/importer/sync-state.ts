import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppendFile } from './append-file.js';
import { chunkedWriter, parsedLines, readLines } from './file-lines.js';
import { stringSharer } from './shared-strings.js';

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

export class SyncState {
  /**
   * The entries as loaded, which the run plans against. `open()` writes them to the file and lets
   * them go: from then on the file is the state, and `record` and `forget` only append to it, so a
   * run that writes millions of entries does not also hold them.
   */
  readonly entries = new Map<string, SyncedEntry>();
  lastRunAt: string | undefined;
  /** The file, open for appending once `open()` has rewritten it. */
  private out: AppendFile | undefined;

  private constructor(
    readonly file: string,
    private readonly header: Omit<StateHeader, 'sync' | 'lastRunAt'>,
  ) {}

  /** Reads the state (a missing file is an empty state); a line torn by a crash is ignored. */
  static load(file: string, header: Omit<StateHeader, 'sync' | 'lastRunAt'>): SyncState {
    const state = new SyncState(file, header);
    if (!fs.existsSync(file)) return state;
    try {
      state.read();
    } catch (error) {
      if (error instanceof SyncStateError) throw error;
      throw new SyncStateError(`cannot read the sync state ${file}: ${(error as Error).message}`, { cause: error });
    }
    return state;
  }

  /** The file's lines, one at a time (a state of millions of entries is never one string). */
  private read(): void {
    const { file, header } = this;
    const lines = readLines(file);
    try {
      const first = lines.next().value?.trim() ?? '';
      if (first !== '') {
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
        this.lastRunAt = found.lastRunAt;
      }
      const shared = stringSharer();
      for (const line of parsedLines<StateLine>(lines)) {
        if ('lastRunAt' in line) this.lastRunAt = line.lastRunAt;
        else if ('gone' in line) this.entries.delete(line.s);
        else {
          line.fp.issue = shared(line.fp.issue);
          line.fp.login = shared(line.fp.login);
          this.entries.set(line.s, { worklogId: line.id, fp: line.fp });
        }
      }
    } finally {
      lines.return(undefined);
    }
  }

  /** Rewrites the file compactly (temporary file, fsync, rename) and opens it for appending; `entries` is emptied. */
  open(): void {
    try {
      this.rewrite();
    } catch (error) {
      throw new SyncStateError(`cannot write the sync state ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    this.entries.clear();
  }

  private rewrite(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    const header: StateHeader = { sync: 1, ...this.header };
    if (this.lastRunAt !== undefined) header.lastRunAt = this.lastRunAt;
    const fd = fs.openSync(temp, 'w', 0o600);
    try {
      // A chunk at a time: the state of millions of entries is never one string.
      const out = chunkedWriter(fd);
      out.write(JSON.stringify(header) + '\n');
      for (const [s, entry] of this.entries) out.write(JSON.stringify({ s, id: entry.worklogId, fp: entry.fp }) + '\n');
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
    this.append([{ s: sourceId, gone: true }], false);
  }

  finishRun(startedAt: string): void {
    this.append([{ lastRunAt: startedAt }], true);
    this.lastRunAt = startedAt;
  }

  close(): void {
    this.out?.close();
    this.out = undefined;
  }
}
