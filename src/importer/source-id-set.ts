/**
 * A set of source ids that costs about 24 bytes an id, whatever the ids' length, so an import of
 * millions of entries keeps a small, flat memory (issue 5: memory does not grow with the file;
 * issue 6: the CLI stays under 256 MB for 1,000,000 entries). A `Set<string>` costs 50–100 bytes an
 * id and leaves the garbage collector millions of strings to walk.
 *
 * Each id is kept as a 96-bit fingerprint (three independent 32-bit hashes) in an open-addressing
 * table. If the three hashes behave as independent 32-bit hashes, two different ids share a
 * fingerprint with probability about n²/2^97: for 10^7 ids, about 10^-15. The fingerprint (0, 0, 0) marks an
 * empty slot; an id that would hash to it is stored as (1, 0, 0).
 */
export class SourceIdSet {
  private readonly table: FingerprintTable;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.table = new FingerprintTable(3, [1, 2], capacity);
  }

  get size(): number {
    return this.table.count;
  }

  has(id: string): boolean {
    fingerprint(id);
    return this.table.find() >= 0;
  }

  /** Adds the id; answers false when it was there already. */
  add(id: string): boolean {
    fingerprint(id);
    if (this.table.find() >= 0) return false;
    this.table.add(0);
    return true;
  }
}

/**
 * Source ids to row numbers (0, 1, 2, ... in the order ids are first added), on the same 96-bit
 * fingerprints as `SourceIdSet`: 16 bytes a slot (the fingerprint, then the row), at most three
 * quarters of the slots used, so about 21 bytes an id when sized for them from the start
 * (`expected`). The sync keeps what it knows of millions of entries in columns by row
 * (sync-state.ts, sync-ledger.ts) instead of a `Map` of objects. The id itself is not kept;
 * whoever needs it back keeps where to read it.
 */
export class SourceIdIndex {
  private readonly table: FingerprintTable;

  constructor(expected = 1024) {
    this.table = new FingerprintTable(4, [3, 4], Math.max(16, Math.ceil((expected * 4) / 3) + 1));
  }

  /** Rows given out so far. */
  get size(): number {
    return this.table.count;
  }

  /** The id's row, or -1 when it was never added. */
  rowOf(id: string): number {
    fingerprint(id);
    const slot = this.table.find();
    return slot < 0 ? -1 : this.table.extraAt(slot);
  }

  /** The id's row, given out now if the id is new. */
  add(id: string): number {
    fingerprint(id);
    const slot = this.table.find();
    if (slot >= 0) return this.table.extraAt(slot);
    const row = this.table.count;
    this.table.add(row);
    return row;
  }
}

/**
 * The open-addressing table under both: per slot the three words of a fingerprint and, with a
 * width of 4, one more number (the index's row). A slot of three zero words is empty, which no
 * fingerprint is (`fingerprint` keeps it apart). Probing starts at the first word scaled to the
 * capacity, so the capacity need not be a power of two; the table doubles once more than
 * `maxLoad` of its slots are used.
 */
class FingerprintTable {
  private slots: Uint32Array;
  count = 0;

  constructor(
    private readonly width: 3 | 4,
    /** The most of its slots the table fills, as [numerator, denominator]: [1, 2] keeps it at most half full. */
    private readonly maxLoad: readonly [number, number],
    private capacity: number,
  ) {
    this.slots = new Uint32Array(capacity * width);
  }

  /** The slot of the fingerprint last computed (`fingerprint`), or -1. */
  find(): number {
    const { slots, width } = this;
    for (let index = this.home(h1); ; index = index + 1 === this.capacity ? 0 : index + 1) {
      const base = index * width;
      const x = slots[base]!;
      const y = slots[base + 1]!;
      const z = slots[base + 2]!;
      if (x === 0 && y === 0 && z === 0) return -1;
      if (x === h1 && y === h2 && z === h3) return index;
    }
  }

  /** The number kept beside the fingerprint in `slot` (width 4). */
  extraAt(slot: number): number {
    return this.slots[slot * this.width + 3]!;
  }

  /** Adds the fingerprint last computed, which `find` did not find, with `extra` beside it (width 4). */
  add(extra: number): void {
    this.insert(this.slots, h1, h2, h3, extra);
    this.count += 1;
    if (this.count * this.maxLoad[1] > this.capacity * this.maxLoad[0]) this.grow();
  }

  private home(a: number): number {
    return Math.floor((a / 4294967296) * this.capacity);
  }

  private insert(slots: Uint32Array, a: number, b: number, c: number, extra: number): void {
    const width = this.width;
    for (let index = this.home(a); ; index = index + 1 === this.capacity ? 0 : index + 1) {
      const base = index * width;
      if (slots[base] === 0 && slots[base + 1] === 0 && slots[base + 2] === 0) {
        slots[base] = a;
        slots[base + 1] = b;
        slots[base + 2] = c;
        if (width === 4) slots[base + 3] = extra;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    const width = this.width;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * width);
    for (let base = 0; base < old.length; base += width) {
      const a = old[base]!;
      const b = old[base + 1]!;
      const c = old[base + 2]!;
      if (a !== 0 || b !== 0 || c !== 0) this.insert(this.slots, a, b, c, width === 4 ? old[base + 3]! : 0);
    }
  }
}

/**
 * The 96-bit fingerprint of `text` written to `into` at `at`, `at + 1` and `at + 2`: for comparing
 * values without keeping them (two different texts share one with probability about 2^-96).
 */
export function fingerprintInto(text: string, into: Uint32Array, at: number): void {
  fingerprint(text);
  into[at] = h1;
  into[at + 1] = h2;
  into[at + 2] = h3;
}

// The last fingerprint computed; module-level so hashing allocates nothing.
let h1 = 0;
let h2 = 0;
let h3 = 0;

/** Three MurmurHash3-style 32-bit hashes of the string's UTF-16 code units, with different seeds. */
function fingerprint(id: string): void {
  let a = 0x9747b28c ^ id.length;
  let b = 0x5bd1e995 ^ id.length;
  let c = 0x1b873593 ^ id.length;
  for (let i = 0; i < id.length; i += 1) {
    const unit = id.charCodeAt(i);
    a = Math.imul(rotl(a ^ Math.imul(unit, 0xcc9e2d51), 15), 0x1b873593);
    b = Math.imul(rotl(b ^ Math.imul(unit, 0x85ebca6b), 13), 0xc2b2ae35);
    c = Math.imul(rotl(c ^ Math.imul(unit, 0x27d4eb2f), 17), 0x165667b1);
  }
  a = finalMix(a);
  b = finalMix(b);
  c = finalMix(c);
  h1 = a >>> 0;
  h2 = b >>> 0;
  h3 = c >>> 0;
  if (h1 === 0 && h2 === 0 && h3 === 0) h1 = 1;
}

const rotl = (value: number, bits: number): number => (value << bits) | (value >>> (32 - bits));

function finalMix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
