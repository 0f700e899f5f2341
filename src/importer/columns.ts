/**
 * Compact storage for what the sync keeps of millions of known entries (sync-state.ts,
 * sync-ledger.ts): one typed array per field, in chunks of 65,536 rows, instead of an object per
 * entry (about 150 bytes each before their strings). Chunks are allocated as rows are written, so
 * growing never copies and never holds the old and the new array at once.
 */
const CHUNK_BITS = 16;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const ROW_MASK = CHUNK_ROWS - 1;

type TypedArray = Float64Array | Uint32Array | Uint8Array;

/** `width` numbers per row; a row never written reads as zeros. */
export class Column<A extends TypedArray> {
  private readonly chunks: (A | undefined)[] = [];

  constructor(
    private readonly make: (length: number) => A,
    private readonly width = 1,
  ) {}

  get(row: number, part = 0): number {
    const chunk = this.chunks[row >>> CHUNK_BITS];
    return chunk === undefined ? 0 : chunk[(row & ROW_MASK) * this.width + part]!;
  }

  set(row: number, value: number, part = 0): void {
    this.chunk(row)[(row & ROW_MASK) * this.width + part] = value;
  }

  /** Copies `width` numbers from `from` (at `at`) into the row. */
  setAll(row: number, from: ArrayLike<number>, at = 0): void {
    const chunk = this.chunk(row);
    const base = (row & ROW_MASK) * this.width;
    for (let part = 0; part < this.width; part++) chunk[base + part] = from[at + part]!;
  }

  /** Whether the row holds the `width` numbers of `other` (at `at`). */
  equals(row: number, other: ArrayLike<number>, at = 0): boolean {
    const chunk = this.chunks[row >>> CHUNK_BITS];
    const base = (row & ROW_MASK) * this.width;
    for (let part = 0; part < this.width; part++) if ((chunk === undefined ? 0 : chunk[base + part]) !== other[at + part]) return false;
    return true;
  }

  private chunk(row: number): A {
    const index = row >>> CHUNK_BITS;
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      chunk = this.make(CHUNK_ROWS * this.width);
      this.chunks[index] = chunk;
    }
    return chunk;
  }
}

export const float64Column = (width = 1): Column<Float64Array> => new Column((length) => new Float64Array(length), width);
export const uint32Column = (width = 1): Column<Uint32Array> => new Column((length) => new Uint32Array(length), width);
export const uint8Column = (): Column<Uint8Array> => new Column((length) => new Uint8Array(length));

/**
 * Strings that repeat across entries (issue keys, logins) as small numbers, each
 * string kept once. Codes start at 1, so 0 (a row never written) is no string.
 */
export class Codes {
  private readonly codes = new Map<string, number>();
  private readonly names: string[] = [''];

  /** The string's code, given out now if it is new. */
  codeOf(name: string): number {
    let code = this.codes.get(name);
    if (code === undefined) {
      code = this.names.length;
      this.codes.set(name, code);
      this.names.push(name);
    }
    return code;
  }

  /** The string's code, or 0 when it was never given one (then no row holds it). */
  find(name: string): number {
    return this.codes.get(name) ?? 0;
  }

  name(code: number): string {
    const name = this.names[code];
    if (name === undefined || code === 0) throw new RangeError(`no string has the code ${code}`);
    return name;
  }
}

/**
 * A set of worklog ids (integers) in one typed array, about 16 bytes an id where a `Set<number>`
 * of millions costs two to three times that.
 */
export class NumberSet {
  /** Open addressing; 0 marks an empty slot, so the id 0 is kept apart. */
  private slots = new Float64Array(32);
  private mask = 31;
  private count = 0;
  private hasZero = false;

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0);
  }

  has(value: number): boolean {
    if (value === 0) return this.hasZero;
    const slots = this.slots;
    for (let index = spread(value) & this.mask; ; index = (index + 1) & this.mask) {
      const slot = slots[index]!;
      if (slot === value) return true;
      if (slot === 0) return false;
    }
  }

  *[Symbol.iterator](): Generator<number> {
    if (this.hasZero) yield 0;
    for (const value of this.slots) if (value !== 0) yield value;
  }

  add(value: number): void {
    if (value === 0) {
      this.hasZero = true;
      return;
    }
    if (this.place(value)) {
      this.count++;
      // At most half full: probes stay short.
      if (this.count * 2 > this.mask + 1) this.grow();
    }
  }

  /** Puts the value in its slot; false when it was there. */
  private place(value: number): boolean {
    const slots = this.slots;
    for (let index = spread(value) & this.mask; ; index = (index + 1) & this.mask) {
      const slot = slots[index]!;
      if (slot === value) return false;
      if (slot === 0) {
        slots[index] = value;
        return true;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    this.mask = this.slots.length - 1;
    for (const value of old) if (value !== 0) this.place(value);
  }
}

/** A 32-bit hash of a number's low and high words (ids that follow each other land apart). */
function spread(value: number): number {
  let h = (value >>> 0) ^ Math.imul((value / 4294967296) >>> 0, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
