/**
 * The local state of `timeport sync` (src/importer/sync-state.ts) on its own: what is appended is
 * what loads, a line torn by a crash is ignored, `open()` rewrites the file compactly and lets the
 * loaded entries go, a file that is not this sync's state is refused with a reason, and a state
 * larger than the 1 MiB the reader takes at a time loads whole.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SyncState, SyncStateError } from '../../src/importer/sync-state.js';
import { tempDir } from '../../support/app.js';

const KEY = { source: 'entries.ndjson', target: 'http://127.0.0.1:1', org: '1' };
const fp = (index: number) => ({
  issue: `MIG-${(index % 3) + 1}`,
  login: index % 2 === 0 ? 'alice' : 'bob',
  start: Date.UTC(2024, 0, 1) + index * 3_600_000,
  seconds: 1800,
  comment: `work ${index} ${'é'.repeat(index % 7)}`,
});

describe('SyncState', () => {
  let temp: ReturnType<typeof tempDir>;
  let file: string;
  beforeEach(() => {
    temp = tempDir('timeport-sync-state-');
    file = path.join(temp.dir, 'state', 'sync-test.ndjson');
  });
  afterEach(() => temp.remove());

  test('what a run appends is what the next run loads; a torn last line is ignored', () => {
    const first = SyncState.load(file, KEY);
    assert.equal(first.entries.size, 0);
    first.open();
    first.recordAll([0, 1, 2].map((index) => ({ sourceId: `src-${index}`, entry: { worklogId: 100 + index, fp: fp(index) } })));
    first.forget('src-1');
    first.record('src-3', { worklogId: 103, fp: fp(3) });
    first.finishRun('2026-12-06T10:00:00.000Z');
    first.close();
    fs.appendFileSync(file, '{"s":"src-4","id":10');

    const second = SyncState.load(file, KEY);
    assert.equal(second.lastRunAt, '2026-12-06T10:00:00.000Z');
    assert.deepEqual(
      [...second.entries],
      [
        ['src-0', { worklogId: 100, fp: fp(0) }],
        ['src-2', { worklogId: 102, fp: fp(2) }],
        ['src-3', { worklogId: 103, fp: fp(3) }],
      ],
    );
    // Opening rewrites the file as one header and one line an entry, and lets the map go.
    second.open();
    assert.equal(second.entries.size, 0);
    second.close();
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.deepEqual(JSON.parse(lines[0]!), { sync: 1, ...KEY, lastRunAt: '2026-12-06T10:00:00.000Z' });
    assert.deepEqual([...SyncState.load(file, KEY).entries.keys()], ['src-0', 'src-2', 'src-3']);
  });

  test("a file that is not this sync's state is refused with what it is", () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not json\n');
    assert.throws(
      () => SyncState.load(file, KEY),
      (error: unknown) => {
        assert.ok(error instanceof SyncStateError);
        assert.match(error.message, /is not a sync state \(its first line is not JSON\)/);
        return true;
      },
    );
    fs.writeFileSync(file, JSON.stringify({ sync: 1, ...KEY, org: '2' }) + '\n');
    assert.throws(
      () => SyncState.load(file, KEY),
      /belongs to entries\.ndjson → http:\/\/127\.0\.0\.1:1 \(organization 2\), not this sync/,
    );
    fs.writeFileSync(file, JSON.stringify({ sync: 1, ...KEY }) + '\n' + JSON.stringify({ s: 'src-0', id: 1 }) + '\n');
    assert.throws(
      () => SyncState.load(file, KEY),
      (error: unknown) => error instanceof SyncStateError && /cannot read the sync state/.test(error.message),
    );
  });

  test('a state of more than a few MiB loads whole and is rewritten whole', () => {
    const count = 40_000; // about 5 MiB of lines: several of the reader's chunks and of the rewrite's
    const state = SyncState.load(file, KEY);
    state.open();
    state.recordAll(
      Array.from({ length: count }, (_, index) => ({ sourceId: `src-${index}`, entry: { worklogId: index + 1, fp: fp(index) } })),
    );
    state.close();
    assert.ok(fs.statSync(file).size > 4 * 1024 * 1024, String(fs.statSync(file).size));
    const loaded = SyncState.load(file, KEY);
    assert.equal(loaded.entries.size, count);
    assert.deepEqual(loaded.entries.get(`src-${count - 1}`), { worklogId: count, fp: fp(count - 1) });
    loaded.open();
    loaded.close();
    const again = SyncState.load(file, KEY);
    assert.equal(again.entries.size, count);
    assert.deepEqual(again.entries.get('src-12345'), { worklogId: 12346, fp: fp(12345) });
  });
});
