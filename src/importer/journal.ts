import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppendFile } from './append-file.js';
import { SourceIdSet } from './source-id-set.js';
import { parsedLines, readLines } from './file-lines.js';

/**
 * The import journal: an append-only NDJSON file keyed by source id (docs/peer-importers.md, pain
 * points 1 and 9). A re-run after Ctrl-C, a crash or a network failure skips every entry the
 * journal has as done. Against Tracker, which has no idempotency, an entry is written as "sending"
 * (and synced to disk) before its request goes out; one found "sending" without "done" on the next
 * run is looked up on the server before it is sent again, so no entry is ever sent twice. A torn
 * last line (kill -9 mid-write) is ignored. The index of entries done by earlier runs is a
 * SourceIdSet (about 24 bytes an entry), and the file is read in chunks, so a journal of millions
 * of entries opens in little memory.
 */

export interface JournalHeader {
  journal: 1;
  target: string;
  org: string;
}

interface SendingLine {
  s: string;
  st: 'sending';
  issue: string;
  fp: Fingerprint;
}

/** What identifies an entry on the server when its answer was lost. */
export interface Fingerprint {
  createdBy: string;
  createdAt: number;
  start: number;
  seconds: number;
}

type JournalLine = { s: string; st: 'done'; id: number } | SendingLine;

/** The journal's file name for a target and organization (the same wherever it is kept). */
export const journalFileName = (target: string, org: string): string =>
  `.timeport-import-${crypto.createHash('sha256').update(`${target}\n${org}`).digest('hex').slice(0, 12)}.journal.ndjson`;

/**
 * The user's state directory (XDG Base Directory: $XDG_STATE_HOME/timeport, else
 * ~/.local/state/timeport), where import journals and sync states live unless an option says
 * otherwise, so the same import or sync started from another directory, or by cron (whose
 * directory is /), finds the same file. A relative XDG_STATE_HOME is ignored, as the XDG
 * specification says.
 */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const stateHome = env.XDG_STATE_HOME;
  return path.join(stateHome !== undefined && path.isAbsolute(stateHome) ? stateHome : path.join(home, '.local', 'state'), 'timeport');
}

export const defaultJournalPath = (target: string, org: string, env: NodeJS.ProcessEnv = process.env): string =>
  path.join(stateDirectory(env), journalFileName(target, org));

/**
 * The journal an import uses when --journal is not given: the state directory's. Earlier versions
 * kept it in the working directory; such a journal found here (and none in the state directory
 * yet) is used where it is, so an import begun with one of them is never sent twice.
 */
export function chooseDefaultJournal(target: string, org: string, say: (line: string) => void): string {
  const file = defaultJournalPath(target, org);
  const legacy = path.resolve(journalFileName(target, org));
  if (!fs.existsSync(file) && fs.existsSync(legacy)) {
    say(
      `Using the journal ${legacy} an earlier version kept in this directory (new journals go to ${path.dirname(file)}); give --journal to choose.`,
    );
    return legacy;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return file;
}

export class Journal {
  /**
   * Source ids stored on the target (created or already present) by earlier runs, as the journal
   * held them when opened. This run's are not added: the importer skips them by its own set of ids
   * seen in this run, and a second set of the same ids would cost another 24 bytes an entry.
   */
  readonly doneBefore = new SourceIdSet();
  /** Entries sent whose answer never made it into the journal. */
  readonly uncertain = new Map<string, SendingLine>();
  private constructor(
    readonly file: string,
    private readonly out: AppendFile,
  ) {}

  static open(file: string, header: Omit<JournalHeader, 'journal'>): Journal {
    const lines = fs.existsSync(file) ? readLines(file) : undefined;
    try {
      return Journal.load(file, header, lines);
    } finally {
      lines?.return(undefined); // closes the file if reading stopped early
    }
  }

  private static load(file: string, header: Omit<JournalHeader, 'journal'>, lines: Generator<string> | undefined): Journal {
    const first = lines?.next();
    const headerLine = first === undefined || first.done === true ? '' : first.value;
    if (headerLine !== '') {
      const found = JSON.parse(headerLine) as JournalHeader;
      if (found.target !== header.target || found.org !== header.org) {
        throw new Error(
          `the journal ${file} belongs to ${found.target} (organization ${found.org}), not ${header.target} (organization ${header.org}); give another --journal`,
        );
      }
    }
    const journal = new Journal(file, AppendFile.open(file, 'the journal', 'a', 0o666));
    if (headerLine === '') {
      journal.append([{ journal: 1, ...header }]);
      journal.sync();
    }
    // A line torn by a crash is skipped: its entry counts as not journaled.
    for (const entry of parsedLines<JournalLine>(lines ?? [])) {
      if (entry.st === 'done') {
        journal.doneBefore.add(entry.s);
        journal.uncertain.delete(entry.s);
      } else if (!journal.doneBefore.has(entry.s)) journal.uncertain.set(entry.s, entry);
    }
    return journal;
  }

  private append(lines: object[]): void {
    this.out.append(lines);
  }

  sync(): void {
    this.out.sync();
  }

  /** Records entries as stored (created or already present), with their worklog ids. */
  recordDone(entries: { sourceId: string; worklogId: number }[], sync = true): void {
    this.append(entries.map((entry) => ({ s: entry.sourceId, st: 'done', id: entry.worklogId })));
    for (const entry of entries) this.uncertain.delete(entry.sourceId);
    if (sync) this.sync();
  }

  /** Records the intent to send, on disk, before the request goes out. */
  recordSending(sourceId: string, issue: string, fingerprint: Fingerprint): void {
    const line: SendingLine = { s: sourceId, st: 'sending', issue, fp: fingerprint };
    this.append([line]);
    this.sync();
  }

  close(): void {
    this.out.close();
  }
}
