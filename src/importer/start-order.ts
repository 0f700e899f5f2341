import fs from 'node:fs';
import path from 'node:path';
import { chunkedWriter, readLines } from './file-lines.js';
import { ScratchDirectory } from './scratch-directory.js';

/**
 * An external sort by start, then createdAt, then the order added (docs/decisions.md, "Imports
 * sent in start order"): entries in random time order land all over the target's time indexes,
 * so `timeport import` sends them ordered by start. Values are kept as JSON lines; once a run's
 * lines reach `runBytes` characters, the run is sorted and written to a file in a temporary
 * directory, and the runs are merged at the end, so memory stays bounded whatever the input's
 * size. An input that fits in one run never touches the disk.
 *
 * The runs go to a `ScratchDirectory` (scratch-directory.ts), which `dispose()` removes.
 */
export const DEFAULT_RUN_BYTES = 16 * 1024 * 1024;

/** createdAt as the import sends it: the source's, else the start or the end of the work. */
export const createdAtOf = (
  entry: { startMs: number; createdAtMs?: number | undefined; durationSeconds: number },
  from: 'start' | 'end',
): number => entry.createdAtMs ?? (from === 'end' ? entry.startMs + entry.durationSeconds * 1000 : entry.startMs);

/** Whether keys seen one after another are already in start order (ties by createdAt). */
export class OrderCheck {
  private lastStart = -Infinity;
  private lastCreatedAt = -Infinity;
  inOrder = true;

  see(start: number, createdAt: number): void {
    if (start < this.lastStart || (start === this.lastStart && createdAt < this.lastCreatedAt)) this.inOrder = false;
    this.lastStart = start;
    this.lastCreatedAt = createdAt;
  }
}

export class StartOrderSort<T> {
  private starts: number[] = [];
  private createdAts: number[] = [];
  private lines: string[] = [];
  private bytes = 0;
  private readonly scratch: ScratchDirectory;
  private readonly runs: string[] = [];
  readonly runBytes: number;
  /** Entries added. */
  count = 0;

  constructor(
    /** Where the temporary directory goes, or the directory itself when shared with other spilled files. */
    parent: string | ScratchDirectory,
    runBytes = DEFAULT_RUN_BYTES,
  ) {
    this.scratch = typeof parent === 'string' ? new ScratchDirectory(parent) : parent;
    this.runBytes = Math.max(1, runBytes);
  }

  /** Characters of entries held in memory (the run not yet written). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Runs written to disk so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** The temporary directory, once a run has been written. */
  get spillDirectory(): string | undefined {
    return this.spilledRuns === 0 ? undefined : this.scratch.made;
  }

  add(start: number, createdAt: number, value: T): void {
    const line = JSON.stringify(value);
    this.starts.push(start);
    this.createdAts.push(createdAt);
    this.lines.push(line);
    this.count++;
    this.bytes += line.length;
    if (this.bytes >= this.runBytes) this.spill();
  }

  /** The values in order, after the last `add`; again from the start at each call. */
  *sorted(): Generator<T> {
    if (this.runs.length === 0) {
      const lines = this.lines;
      for (const index of this.order()) yield JSON.parse(lines[index]!) as T;
      return;
    }
    if (this.lines.length > 0) this.spill();
    const readers = this.runs.map((file, run) => new RunReader(file, run));
    try {
      const heap = new MinHeap<RunReader>((a, b) => a.start - b.start || a.createdAt - b.createdAt || a.run - b.run);
      for (const reader of readers) if (reader.advance()) heap.push(reader);
      for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
        const value = JSON.parse(top.value) as T;
        if (top.advance()) heap.replaceTop(top);
        else heap.pop();
        yield value;
      }
    } finally {
      for (const reader of readers) reader.close();
    }
  }

  /** Removes the temporary directory and everything in it; safe to call more than once. */
  dispose(): void {
    this.starts = [];
    this.createdAts = [];
    this.lines = [];
    this.bytes = 0;
    this.scratch.dispose();
  }

  /** The indexes of the run in memory, by start, createdAt and the order added. */
  private order(): Uint32Array {
    const { starts, createdAts } = this;
    const order = new Uint32Array(starts.length);
    for (let index = 0; index < order.length; index++) order[index] = index;
    return order.sort((a, b) => starts[a]! - starts[b]! || createdAts[a]! - createdAts[b]! || a - b);
  }

  private spill(): void {
    const file = path.join(this.scratch.path(), `run-${this.runs.length}.ndjson`);
    const fd = fs.openSync(file, 'w', 0o600);
    try {
      const out = chunkedWriter(fd);
      for (const index of this.order()) out.write(`${this.starts[index]}\t${this.createdAts[index]}\t${this.lines[index]}\n`);
      out.flush();
    } finally {
      fs.closeSync(fd);
    }
    this.runs.push(file);
    this.starts = [];
    this.createdAts = [];
    this.lines = [];
    this.bytes = 0;
  }
}

/**
 * One sorted run on disk, read 128 KiB at a time (file-lines.ts, `readLines`: a merge holds a
 * reader per run at once); `advance` moves to its next line.
 */
class RunReader {
  start = 0;
  createdAt = 0;
  value = '';
  private readonly lines: Generator<string>;

  constructor(
    file: string,
    readonly run: number,
  ) {
    this.lines = readLines(file, 1 << 17);
  }

  advance(): boolean {
    const next = this.lines.next();
    if (next.done === true) return false;
    const line = next.value;
    const first = line.indexOf('\t');
    const second = line.indexOf('\t', first + 1);
    this.start = Number(line.slice(0, first));
    this.createdAt = Number(line.slice(first + 1, second));
    this.value = line.slice(second + 1);
    return true;
  }

  /** Closes the run's file (the generator's `finally`), if it is still open. */
  close(): void {
    this.lines.return(undefined);
  }
}

/** A binary min-heap. */
class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    items.push(item);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.compare(items[index]!, items[parent]!) >= 0) break;
      [items[index], items[parent]] = [items[parent]!, items[index]!];
      index = parent;
    }
  }

  pop(): void {
    const last = this.items.pop();
    if (this.items.length > 0 && last !== undefined) this.replaceTop(last);
  }

  /** Puts `item` at the top (the top itself, moved on) and sifts it down. */
  replaceTop(item: T): void {
    const items = this.items;
    items[0] = item;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && this.compare(items[left]!, items[smallest]!) < 0) smallest = left;
      if (right < items.length && this.compare(items[right]!, items[smallest]!) < 0) smallest = right;
      if (smallest === index) return;
      [items[index], items[smallest]] = [items[smallest]!, items[index]!];
      index = smallest;
    }
  }
}
