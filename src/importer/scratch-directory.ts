import fs from 'node:fs';
import path from 'node:path';
import { chunkedWriter, readLineAt, readLines } from './file-lines.js';
import { processIsAlive } from './processes.js';

/** The temporary directories' prefix; the process id follows, for the sweep of ones left behind. */
const DIR_PREFIX = 'timeport-sort-';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A temporary directory for a command's spilled files (the start-order sort's runs, the sync's
 * copy of Timeport's ledger), made in `parent` when first asked for. It is removed by `dispose()`,
 * by a signal that ends the process (the handler removes it, then lets the signal do what it would
 * have done), and, after a kill -9, by the next command that makes one in the same place (a
 * directory whose process is gone).
 */
export class ScratchDirectory {
  private directory: string | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.dispose();
    process.kill(process.pid, signal);
  };

  constructor(private readonly parent: string) {}

  /** The directory, if it was made. */
  get made(): string | undefined {
    return this.directory;
  }

  /** The directory, made now if it was not. */
  path(): string {
    if (this.directory === undefined) {
      fs.mkdirSync(this.parent, { recursive: true, mode: 0o700 });
      sweepLeftBehind(this.parent);
      this.directory = fs.mkdtempSync(path.join(this.parent, `${DIR_PREFIX}${process.pid}-`));
      for (const signal of SIGNALS) process.once(signal, this.onSignal);
    }
    return this.directory;
  }

  /** Removes the directory and everything in it; safe to call more than once. */
  dispose(): void {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
    if (this.directory === undefined) return;
    fs.rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
  }
}

/** Removes the directories in `parent` whose process is gone (killed before it could). */
function sweepLeftBehind(parent: string): void {
  for (const name of fs.readdirSync(parent)) {
    const pid = Number(new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || processIsAlive(pid)) continue;
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

/**
 * A list that may hold millions of values, kept as JSON lines in a file of a `ScratchDirectory`
 * (made at the first `push`) and read back in order, or one by the offset `push` answered, so
 * that holding it costs no memory.
 */
export class SpilledList<T> {
  private file: string | undefined;
  private fd: number | undefined;
  private out: ReturnType<typeof chunkedWriter> | undefined;
  /** Bytes written (or to be written) so far: where the next value's line starts. */
  private bytes = 0;
  /** Values pushed. */
  length = 0;

  constructor(
    private readonly scratch: ScratchDirectory,
    private readonly name: string,
  ) {}

  /** Adds the value; answers the byte offset of its line, for `at`. */
  push(value: T): number {
    if (this.out === undefined) {
      this.file = path.join(this.scratch.path(), this.name);
      this.fd = fs.openSync(this.file, 'w+', 0o600);
      this.out = chunkedWriter(this.fd);
    }
    const line = JSON.stringify(value) + '\n';
    this.out.write(line);
    this.length++;
    const offset = this.bytes;
    this.bytes += Buffer.byteLength(line);
    return offset;
  }

  /** The value whose line starts at `offset` (as `push` answered it). */
  at(offset: number): T {
    if (this.out === undefined) throw new RangeError(`${this.name} holds no value at ${offset}`);
    this.out.flush();
    return JSON.parse(readLineAt(this.fd!, offset)) as T;
  }

  /** The values in the order pushed, read back `size` at a time. */
  *chunks(size: number): Generator<T[]> {
    if (this.file === undefined) return;
    this.out!.flush();
    let chunk: T[] = [];
    for (const line of readLines(this.file)) {
      if (line === '') continue;
      chunk.push(JSON.parse(line) as T);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
