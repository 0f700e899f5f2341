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
    yield* mergeRuns(
      this.runs.map((file, run) => new RunReader(file, run)),
      (reader) => JSON.parse(reader.value) as T,
    );
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

/** Four numbers that say where an entry is (its file, its bytes, its line: source.ts, `ItemPlace`). */
export type Place = [number, number, number, number];

/** Numbers an entry of a `PlaceSort`: start, createdAt and the place's four. */
const PLACE_FIELDS = 6;
const PLACE_BYTES = PLACE_FIELDS * 8;
/** Entries a run is written and read back in at a time: 128 KiB of them. */
const PLACE_CHUNK_ENTRIES = Math.floor((128 * 1024) / PLACE_BYTES);

/** The place of the entry whose numbers start at `at`. */
const placeAt = (keys: Float64Array, at: number): Place => [keys[at + 2]!, keys[at + 3]!, keys[at + 4]!, keys[at + 5]!];

/**
 * The same sort as `StartOrderSort` (start, then createdAt, then the order added), for entries
 * kept by their place in the input instead of whole (docs/decisions.md, "Shuffled imports sorted
 * by reference"): each entry is six numbers in a Float64Array, and a run is written to disk as
 * those bytes, not as text, so adding, spilling and merging a million entries costs little next
 * to reading them. A run holds `runBytes` of them.
 */
export class PlaceSort {
  private keys: Float64Array;
  private held = 0;
  private readonly scratch: ScratchDirectory;
  private readonly runs: string[] = [];
  private readonly runEntries: number;
  readonly runBytes: number;

  constructor(parent: string | ScratchDirectory, runBytes = DEFAULT_RUN_BYTES) {
    this.scratch = typeof parent === 'string' ? new ScratchDirectory(parent) : parent;
    this.runEntries = Math.max(1, Math.floor(runBytes / PLACE_BYTES));
    this.runBytes = this.runEntries * PLACE_BYTES;
    this.keys = new Float64Array(Math.min(this.runEntries, 4096) * PLACE_FIELDS);
  }

  /** Bytes of entries held in memory (the run not yet written). */
  get heldBytes(): number {
    return this.held * PLACE_BYTES;
  }

  add(start: number, createdAt: number, place: Readonly<Place>): void {
    if ((this.held + 1) * PLACE_FIELDS > this.keys.length) {
      const grown = new Float64Array(Math.min(this.keys.length * 2, this.runEntries * PLACE_FIELDS));
      grown.set(this.keys);
      this.keys = grown;
    }
    const at = this.held * PLACE_FIELDS;
    const keys = this.keys;
    keys[at] = start;
    keys[at + 1] = createdAt;
    keys[at + 2] = place[0];
    keys[at + 3] = place[1];
    keys[at + 4] = place[2];
    keys[at + 5] = place[3];
    this.held++;
    if (this.held >= this.runEntries) this.spill();
  }

  /** The places in order, after the last `add`; again from the start at each call. */
  *sorted(): Generator<Place> {
    if (this.runs.length === 0) {
      for (const index of this.order()) yield placeAt(this.keys, index * PLACE_FIELDS);
      return;
    }
    if (this.held > 0) this.spill();
    yield* mergeRuns(
      this.runs.map((file, run) => new PlaceRunReader(file, run, this.runEntries)),
      (reader) => reader.place(),
    );
  }

  /** Removes the temporary directory and everything in it; safe to call more than once. */
  dispose(): void {
    this.keys = new Float64Array(0);
    this.held = 0;
    this.scratch.dispose();
  }

  /** The indexes of the entries in memory, by start, createdAt and the order added. */
  private order(): Uint32Array {
    const keys = this.keys;
    const order = new Uint32Array(this.held);
    for (let index = 0; index < order.length; index++) order[index] = index;
    return order.sort(
      (a, b) => keys[a * PLACE_FIELDS]! - keys[b * PLACE_FIELDS]! || keys[a * PLACE_FIELDS + 1]! - keys[b * PLACE_FIELDS + 1]! || a - b,
    );
  }

  /** Writes the entries held as a run, in order, 128 KiB a write: not a second copy of the run. */
  private spill(): void {
    const file = path.join(this.scratch.path(), `places-${this.runs.length}.bin`);
    const fd = fs.openSync(file, 'w', 0o600);
    try {
      const chunk = new Float64Array(Math.min(PLACE_CHUNK_ENTRIES, this.held) * PLACE_FIELDS);
      const bytes = new Uint8Array(chunk.buffer);
      let at = 0;
      for (const index of this.order()) {
        chunk.set(this.keys.subarray(index * PLACE_FIELDS, (index + 1) * PLACE_FIELDS), at);
        at += PLACE_FIELDS;
        if (at < chunk.length) continue;
        fs.writeSync(fd, bytes);
        at = 0;
      }
      if (at > 0) fs.writeSync(fd, bytes, 0, at * 8);
    } finally {
      fs.closeSync(fd);
    }
    this.runs.push(file);
    this.held = 0;
  }
}

/**
 * One run of a `PlaceSort` on disk, read 128 KiB at a time, or the whole run when runs are smaller
 * than that.
 */
class PlaceRunReader implements RunCursor {
  start = 0;
  createdAt = 0;
  private readonly fd: number;
  private readonly entries: Float64Array;
  private readonly bytes: Uint8Array;
  private filled = 0;
  private at = -PLACE_FIELDS;
  private position = 0;

  constructor(
    file: string,
    readonly run: number,
    runEntries: number,
  ) {
    this.entries = new Float64Array(Math.min(PLACE_CHUNK_ENTRIES, runEntries) * PLACE_FIELDS);
    this.bytes = new Uint8Array(this.entries.buffer);
    this.fd = fs.openSync(file, 'r');
  }

  advance(): boolean {
    this.at += PLACE_FIELDS;
    if (this.at >= this.filled) {
      const read = fs.readSync(this.fd, this.bytes, 0, this.bytes.length, this.position);
      this.position += read;
      this.filled = read / 8;
      this.at = 0;
      if (this.filled < PLACE_FIELDS) return false;
    }
    this.start = this.entries[this.at]!;
    this.createdAt = this.entries[this.at + 1]!;
    return true;
  }

  place(): Place {
    return placeAt(this.entries, this.at);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** A sorted run being read: the keys of its current entry, and its place among the runs. */
interface RunCursor {
  start: number;
  createdAt: number;
  readonly run: number;
  /** Moves to the next entry; false at the run's end. */
  advance(): boolean;
  close(): void;
}

/**
 * The runs' entries merged by start, createdAt, then run (a run holds entries added after those of
 * the runs before it, so ties keep the order added): a heap over one reader a run.
 */
function* mergeRuns<R extends RunCursor, V>(readers: R[], take: (reader: R) => V): Generator<V> {
  try {
    const heap = new MinHeap<R>((a, b) => a.start - b.start || a.createdAt - b.createdAt || a.run - b.run);
    for (const reader of readers) if (reader.advance()) heap.push(reader);
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      const value = take(top);
      if (top.advance()) heap.replaceTop(top);
      else heap.pop();
      yield value;
    }
  } finally {
    for (const reader of readers) reader.close();
  }
}

/**
 * One sorted run on disk, read 128 KiB at a time (file-lines.ts, `readLines`: a merge holds a
 * reader per run at once); `advance` moves to its next line.
 */
class RunReader implements RunCursor {
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
