/**
 * A command's scratch directory (src/importer/scratch-directory.ts): made when first asked for,
 * removed with everything in it, and the list it keeps on disk read back in order and in chunks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ScratchDirectory, SpilledList } from '../../src/importer/scratch-directory.js';
import { tempDir } from '../../support/app.js';

describe('ScratchDirectory and SpilledList', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('timeport-scratch-');
  });
  afterEach(() => temp.remove());

  it('keeps a list on disk, gives it back in order, in chunks or one by its offset, and leaves nothing behind', () => {
    const scratch = new ScratchDirectory(path.join(temp.dir, 'state'));
    const list = new SpilledList<{ id: string; n: number }>(scratch, 'list.ndjson');
    const empty = new SpilledList<number>(scratch, 'empty.ndjson');
    assert.deepEqual([...empty.chunks(10)], []);
    assert.equal(scratch.made, undefined, 'nothing pushed: no directory');
    const values = Array.from({ length: 2_345 }, (_, n) => ({ id: `src-${n} é\n`, n }));
    const offsets = values.map((value) => list.push(value));
    assert.equal(list.length, 2_345);
    // One value read back by the offset its push answered, before and after the others.
    for (const n of [2_344, 0, 1_234]) assert.deepEqual(list.at(offsets[n]!), values[n]);
    const directory = scratch.made!;
    assert.deepEqual(fs.readdirSync(directory), ['list.ndjson']);
    const chunks = [...list.chunks(1_000)];
    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [1_000, 1_000, 345],
    );
    assert.deepEqual(chunks.flat(), values);
    assert.deepEqual([...list.chunks(5_000)].flat(), values, 'read again from the start');
    list.close();
    empty.close();
    scratch.dispose();
    assert.equal(fs.existsSync(directory), false);
  });
});
