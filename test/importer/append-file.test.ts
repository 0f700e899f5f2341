/**
 * The append-only NDJSON file under the journal, the run log and the sync state
 * (src/importer/append-file.ts): lines given together are one write, a sync with nothing written
 * since the last one does not reach the disk, close syncs what is left, and a closed file refuses
 * lines with what it is. Torn lines are skipped when read back (file-lines.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AppendFile } from '../../src/importer/append-file.js';
import { parsedLines, readLines } from '../../src/importer/file-lines.js';
import { tempDir } from '../../support/app.js';

describe('AppendFile', () => {
  let temp: ReturnType<typeof tempDir>;
  const calls = { writes: 0, syncs: 0 };
  const original = { writeSync: fs.writeSync, fdatasyncSync: fs.fdatasyncSync };
  beforeEach(() => {
    temp = tempDir('timeport-append-file-');
    calls.writes = 0;
    calls.syncs = 0;
    fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
      calls.writes++;
      return (original.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync;
    fs.fdatasyncSync = (fd) => {
      calls.syncs++;
      original.fdatasyncSync(fd);
    };
  });
  afterEach(() => {
    fs.writeSync = original.writeSync;
    fs.fdatasyncSync = original.fdatasyncSync;
    temp.remove();
  });

  test('one write for the lines given together; a sync only when something was written since the last', () => {
    const file = path.join(temp.dir, 'log.ndjson');
    const out = AppendFile.open(file, 'the test log', 'wx');
    out.append([{ a: 1 }, { b: 'é\n' }, { c: [3] }]);
    assert.deepEqual(calls, { writes: 1, syncs: 0 });
    out.sync();
    out.sync();
    assert.deepEqual(calls, { writes: 1, syncs: 1 });
    out.append([{ d: 4 }], true);
    out.append([]);
    out.sync();
    assert.deepEqual(calls, { writes: 2, syncs: 2 });
    out.append([{ e: 5 }]);
    out.close();
    out.close();
    assert.deepEqual(calls, { writes: 3, syncs: 3 });
    assert.throws(() => out.append([{ f: 6 }]), /^Error: the test log is closed$/);
    assert.throws(() => AppendFile.open(file, 'the test log', 'wx'), /EEXIST/);

    fs.appendFileSync(file, '\n{"torn":');
    assert.deepEqual([...parsedLines(readLines(file))], [{ a: 1 }, { b: 'é\n' }, { c: [3] }, { d: 4 }, { e: 5 }]);
  });
});
