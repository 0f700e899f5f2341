/**
 * The compact storage the sync keeps its known entries in (src/importer/columns.ts): columns by
 * row across their chunks, the string codes, and the set of worklog ids, each against the plain
 * structure it replaces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Codes, NumberSet, float64Column, uint32Column, uint8Column } from '../../src/importer/columns.js';

describe('Column', () => {
  it('keeps what each row was given, across chunk boundaries, and reads unwritten rows as zeros', () => {
    const numbers = float64Column();
    const pairs = uint32Column(2);
    const flags = uint8Column();
    const rows = [0, 1, 65_535, 65_536, 65_537, 131_071, 131_072, 1_000_000];
    for (const row of rows) {
      numbers.set(row, row * 1.5 + 2 ** 40);
      pairs.setAll(row, [row, 4_000_000_000 - row]);
      flags.set(row, (row % 250) + 1);
    }
    for (const row of rows) {
      assert.equal(numbers.get(row), row * 1.5 + 2 ** 40);
      assert.equal(pairs.get(row, 0), row);
      assert.equal(pairs.get(row, 1), 4_000_000_000 - row);
      assert.ok(pairs.equals(row, [row, 4_000_000_000 - row]));
      assert.ok(!pairs.equals(row, [row, 4_000_000_000 - row - 1]));
      assert.equal(flags.get(row), (row % 250) + 1);
    }
    for (const row of [2, 65_534, 200_000, 999_999, 5_000_000]) {
      assert.equal(numbers.get(row), 0);
      assert.ok(pairs.equals(row, [0, 0]));
    }
  });
});

describe('Codes', () => {
  it('gives each string one code from 1 up, and the code back its string', () => {
    const codes = new Codes();
    assert.equal(codes.find('MIG-1'), 0);
    const first = codes.codeOf('MIG-1');
    assert.equal(first, 1);
    assert.equal(codes.codeOf('alice'), 2);
    assert.equal(codes.codeOf('MIG-1'), first);
    assert.equal(codes.find('MIG-1'), first);
    assert.equal(codes.name(2), 'alice');
    assert.throws(() => codes.name(0), RangeError);
    assert.throws(() => codes.name(3), RangeError);
  });
});

describe('NumberSet', () => {
  it('answers as a Set<number> of ids does, 0 and ids beyond 32 bits included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat(), fc.integer({ min: 2 ** 32 - 5, max: 2 ** 32 + 5 }), fc.constant(0)),
          ),
          { maxLength: 400 },
        ),
        (operations) => {
          const model = new Set<number>();
          const set = new NumberSet();
          for (const [isAdd, id] of operations) {
            if (isAdd) {
              model.add(id);
              set.add(id);
            } else assert.equal(set.has(id), model.has(id));
          }
          assert.equal(set.size, model.size);
          assert.deepEqual(
            [...set].sort((a, b) => a - b),
            [...model].sort((a, b) => a - b),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('holds 1,000,000 ids that follow each other', () => {
    const set = new NumberSet();
    for (let id = 1; id <= 1_000_000; id++) set.add(id);
    assert.equal(set.size, 1_000_000);
    for (let id = 1; id <= 1_000_000; id += 997) assert.ok(set.has(id));
    assert.ok(!set.has(0));
    assert.ok(!set.has(1_000_001));
  });
});
