import fs from 'node:fs';

/**
 * An NDJSON file the importer appends to: the import's journal, a run's log and a sync's state.
 * Lines given together go with one `write`; they reach the disk (`fdatasync`) when asked, with the
 * next `sync()`, or on `close()`, and a sync with nothing written since the last one costs nothing.
 * Which lines must be on disk before what is the caller's rule (each file's own comment says it).
 */
export class AppendFile {
  /** Lines written since the last fdatasync. */
  private unsynced = false;

  private constructor(
    private fd: number | undefined,
    /** What the file is, for the error when it is written after close: "the run log". */
    private readonly what: string,
  ) {}

  /** Opens `file` for appending; `flags` 'wx' creates it and fails if it exists. */
  static open(file: string, what: string, flags: 'a' | 'wx' = 'a', mode = 0o600): AppendFile {
    return new AppendFile(fs.openSync(file, flags, mode), what);
  }

  /** Writes the lines with one call; with `sync`, they and every line before them go to disk. */
  append(lines: readonly object[], sync = false): void {
    if (this.fd === undefined) throw new Error(`${this.what} is closed`);
    if (lines.length > 0) {
      fs.writeSync(this.fd, lines.map((line) => JSON.stringify(line) + '\n').join(''));
      this.unsynced = true;
    }
    if (sync) this.sync();
  }

  /** Puts every line written so far on disk. */
  sync(): void {
    if (this.fd === undefined || !this.unsynced) return;
    fs.fdatasyncSync(this.fd);
    this.unsynced = false;
  }

  /** Syncs what is not yet on disk, then closes; safe to call more than once. */
  close(): void {
    if (this.fd === undefined) return;
    this.sync();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
