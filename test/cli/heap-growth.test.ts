import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heapGrowthGivenToNode } from '../../src/cli/heap-growth.js';

describe("the import's heap growth limit", () => {
  it('leaves a heap growing percent given to node alone, in either spelling', () => {
    assert.equal(heapGrowthGivenToNode(['--heap-growing-percent=50']), true);
    assert.equal(heapGrowthGivenToNode(['--heap_growing_percent=0']), true);
    assert.equal(heapGrowthGivenToNode(['--heap-growing-percent']), true);
    assert.equal(heapGrowthGivenToNode(['--import', 'tsx', '--heap-growing-percent=10']), true);
  });

  it('sets its own otherwise, also beside other V8 options and lookalikes', () => {
    assert.equal(heapGrowthGivenToNode([]), false);
    assert.equal(heapGrowthGivenToNode(['--max-old-space-size=64', '--max-semi-space-size=2']), false);
    assert.equal(heapGrowthGivenToNode(['--heap-growing-percentage=5', '--no-heap-growing-percent-x']), false);
  });
});
