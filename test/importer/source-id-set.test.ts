import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SourceIdIndex, SourceIdSet } from '../../src/importer/source-id-set.js';

describe('SourceIdSet', () => {
  it('answers as a Set<string> does, for any sequence of adds and lookups', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.boolean(),
            fc.oneof(
              fc.string({ maxLength: 6 }),
              fc.string({ unit: 'binary', maxLength: 40 }),
              fc.constantFrom('', 'a', 'A', 'aa', 'é', '\u0000'),
            ),
          ),
          { maxLength: 300 },
        ),
        (operations) => {
          const model = new Set<string>();
          const set = new SourceIdSet(1);
          for (const [isAdd, id] of operations) {
            if (isAdd) {
              const isNew = !model.has(id);
              model.add(id);
              assert.equal(set.add(id), isNew);
            } else assert.equal(set.has(id), model.has(id));
          }
          assert.equal(set.size, model.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps 1,000,000 distinct source ids apart (no id taken for another) as it grows', () => {
    const set = new SourceIdSet();
    for (let n = 0; n < 1_000_000; n += 1) assert.equal(set.add(`bench-${n}`), true, `bench-${n} looked present before it was added`);
    assert.equal(set.size, 1_000_000);
    for (let n = 0; n < 1_000_000; n += 997) assert.equal(set.has(`bench-${n}`), true);
    for (let n = 1_000_000; n < 1_100_000; n += 1) assert.equal(set.has(`bench-${n}`), false);
    assert.equal(set.has('bench-'), false);
  });
});

describe('SourceIdIndex', () => {
  it('answers as a Map from each id to the order it was first added, whatever the size it was made for', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 40 }),
        fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 30 }))), {
          maxLength: 300,
        }),
        (expected, operations) => {
          const model = new Map<string, number>();
          const index = new SourceIdIndex(expected);
          for (const [isAdd, id] of operations) {
            if (isAdd) {
              if (!model.has(id)) model.set(id, model.size);
              assert.equal(index.add(id), model.get(id));
            } else assert.equal(index.rowOf(id), model.get(id) ?? -1);
          }
          assert.equal(index.size, model.size);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives 1,000,000 distinct ids their own rows, sized for them or grown to them', () => {
    for (const expected of [1_000_000, 1000]) {
      const index = new SourceIdIndex(expected);
      for (let n = 0; n < 1_000_000; n += 1) assert.equal(index.add(`bench-${n}`), n);
      for (let n = 0; n < 1_000_000; n += 991) assert.equal(index.rowOf(`bench-${n}`), n);
      for (let n = 1_000_000; n < 1_050_000; n += 1) assert.equal(index.rowOf(`bench-${n}`), -1);
    }
  });
});
