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
  private slots: Uint32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 1024) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Uint32Array(capacity * 3);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  has(id: string): boolean {
    fingerprint(id);
    return this.find(h1, h2, h3) >= 0;
  }

  /** Adds the id; answers false when it was there already. */
  add(id: string): boolean {
    fingerprint(id);
    const slot = this.find(h1, h2, h3);
    if (slot >= 0) return false;
    this.insert(h1, h2, h3);
    this.count += 1;
    // At most half full: probes stay short.
    if (this.count * 2 > this.mask + 1) this.grow();
    return true;
  }

  /** The slot holding the fingerprint, or -1. */
  private find(a: number, b: number, c: number): number {
    const slots = this.slots;
    for (let index = a & this.mask; ; index = (index + 1) & this.mask) {
      const base = index * 3;
      const x = slots[base]!;
      const y = slots[base + 1]!;
      const z = slots[base + 2]!;
      if (x === 0 && y === 0 && z === 0) return -1;
      if (x === a && y === b && z === c) return index;
    }
  }

  private insert(a: number, b: number, c: number): void {
    const slots = this.slots;
    for (let index = a & this.mask; ; index = (index + 1) & this.mask) {
      const base = index * 3;
      if (slots[base] === 0 && slots[base + 1] === 0 && slots[base + 2] === 0) {
        slots[base] = a;
        slots[base + 1] = b;
        slots[base + 2] = c;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let base = 0; base < old.length; base += 3) {
      const a = old[base]!;
      const b = old[base + 1]!;
      const c = old[base + 2]!;
      if (a !== 0 || b !== 0 || c !== 0) this.insert(a, b, c);
    }
  }
}

/**
 * Source ids to row numbers (0, 1, 2, ... in the order ids are first added), on the same 96-bit
 * fingerprints as `SourceIdSet`: 16 bytes a slot, at most three quarters of the slots used, so
 * about 21 bytes an id when sized for them from the start (`expected`). The sync keeps what it
 * knows of millions of entries in columns by row (sync-state.ts, sync-ledger.ts) instead of a
 * `Map` of objects. The id itself is not kept; whoever needs it back keeps where to read it.
 */
export class SourceIdIndex {
  /** Per slot: the three fingerprint words, then the row + 1 (0: empty slot). */
  private slots: Uint32Array;
  private capacity: number;
  private count = 0;

  constructor(expected = 1024) {
    this.capacity = Math.max(16, Math.ceil((expected * 4) / 3) + 1);
    this.slots = new Uint32Array(this.capacity * 4);
  }

  /** Rows given out so far. */
  get size(): number {
    return this.count;
  }

  /** The id's row, or -1 when it was never added. */
  rowOf(id: string): number {
    fingerprint(id);
    const slot = this.find(h1, h2, h3);
    return slot < 0 ? -1 : this.slots[slot * 4 + 3]! - 1;
  }

  /** The id's row, given out now if the id is new. */
  add(id: string): number {
    fingerprint(id);
    const slot = this.find(h1, h2, h3);
    if (slot >= 0) return this.slots[slot * 4 + 3]! - 1;
    const row = this.count;
    this.insert(h1, h2, h3, row + 1);
    this.count += 1;
    // At most three quarters full: probes stay short.
    if (this.count * 4 > this.capacity * 3) this.grow();
    return row;
  }

  /** The first slot to probe: the fingerprint's first word scaled to the capacity, which need not be a power of two. */
  private home(a: number): number {
    return Math.floor((a / 4294967296) * this.capacity);
  }

  private find(a: number, b: number, c: number): number {
    const slots = this.slots;
    for (let index = this.home(a); ; index = index + 1 === this.capacity ? 0 : index + 1) {
      const base = index * 4;
      if (slots[base + 3] === 0) return -1;
      if (slots[base] === a && slots[base + 1] === b && slots[base + 2] === c) return index;
    }
  }

  private insert(a: number, b: number, c: number, rowPlusOne: number): void {
    const slots = this.slots;
    for (let index = this.home(a); ; index = index + 1 === this.capacity ? 0 : index + 1) {
      const base = index * 4;
      if (slots[base + 3] === 0) {
        slots[base] = a;
        slots[base + 1] = b;
        slots[base + 2] = c;
        slots[base + 3] = rowPlusOne;
        return;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * 4);
    for (let base = 0; base < old.length; base += 4)
      if (old[base + 3] !== 0) this.insert(old[base]!, old[base + 1]!, old[base + 2]!, old[base + 3]!);
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
