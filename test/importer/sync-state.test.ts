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
import { SyncState, SyncStateError, fingerprintValues } from '../../src/importer/sync-state.js';
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
    assert.equal(first.size, 0);
    first.open();
    first.recordAll([0, 1, 2].map((index) => ({ sourceId: `src-${index}`, entry: { worklogId: 100 + index, fp: fp(index) } })));
    first.forget('src-1');
    first.record('src-3', { worklogId: 103, fp: fp(3) });
    first.finishRun('2026-12-06T10:00:00.000Z');
    first.close();
    fs.appendFileSync(file, '{"s":"src-4","id":10');

    const second = SyncState.load(file, KEY);
    assert.equal(second.lastRunAt, '2026-12-06T10:00:00.000Z');
    assert.equal(second.size, 3);
    assert.deepEqual(
      [...second.entries()],
      [
        ['src-0', { worklogId: 100, fp: fp(0) }],
        ['src-2', { worklogId: 102, fp: fp(2) }],
        ['src-3', { worklogId: 103, fp: fp(3) }],
      ],
    );
    // What the plan reads of each entry, kept in columns, and the entry read back from the file.
    const row = second.index.rowOf('src-2');
    assert.equal(second.worklogIdAt(row), 102);
    assert.equal(second.codes.name(second.issueAt(row)), fp(2).issue);
    assert.equal(second.codes.name(second.loginAt(row)), fp(2).login);
    const values = new Uint32Array(3);
    fingerprintValues(fp(2), values);
    assert.ok(second.valuesAre(row, values));
    fingerprintValues({ ...fp(2), comment: fp(2).comment + ' ' }, values);
    assert.ok(!second.valuesAre(row, values));
    assert.deepEqual(second.entryAt(row), { sourceId: 'src-2', entry: { worklogId: 102, fp: fp(2) } });
    assert.equal(second.has(second.index.rowOf('src-1')), false, 'forgotten');
    assert.equal(second.get('src-1'), undefined);
    assert.equal(second.get('src-9'), undefined, 'never written');
    // Opening rewrites the file as one header and one line an entry, and lets what was loaded go.
    second.open();
    assert.throws(() => second.get('src-0'), /what was loaded is gone/);
    second.close();
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.deepEqual(JSON.parse(lines[0]!), { sync: 1, ...KEY, lastRunAt: '2026-12-06T10:00:00.000Z' });
    const third = SyncState.load(file, KEY);
    assert.deepEqual(
      [...third.entries()].map(([sourceId]) => sourceId),
      ['src-0', 'src-2', 'src-3'],
    );
    third.close();
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
    assert.equal(loaded.size, count);
    assert.deepEqual(loaded.get(`src-${count - 1}`), { worklogId: count, fp: fp(count - 1) });
    loaded.open();
    loaded.close();
    const again = SyncState.load(file, KEY);
    assert.equal(again.size, count);
    assert.deepEqual(again.get('src-12345'), { worklogId: 12346, fp: fp(12345) });
    again.close();
  });

  test('the rewrite keeps one line an entry, the last written, and peek counts the lines and finds the last run', () => {
    const state = SyncState.load(file, KEY);
    state.open();
    state.recordAll([0, 1, 2].map((index) => ({ sourceId: `src-${index}`, entry: { worklogId: 100 + index, fp: fp(index) } })));
    state.finishRun('2026-12-06T10:00:00.000Z');
    state.record('src-1', { worklogId: 101, fp: fp(11) });
    state.forget('src-0');
    state.record('src-0', { worklogId: 200, fp: fp(20) });
    state.forget('src-2');
    state.finishRun('2026-12-06T11:00:00.000Z');
    state.close();
    assert.deepEqual(SyncState.peek(file, KEY), { lastRunAt: '2026-12-06T11:00:00.000Z', lines: 10 });
    assert.deepEqual(SyncState.peek(path.join(temp.dir, 'none.ndjson'), KEY), { lastRunAt: undefined, lines: 0 });

    const loaded = SyncState.load(file, KEY);
    assert.equal(loaded.size, 2);
    assert.deepEqual(loaded.get('src-1'), { worklogId: 101, fp: fp(11) });
    assert.deepEqual(loaded.get('src-0'), { worklogId: 200, fp: fp(20) });
    assert.equal(loaded.get('src-2'), undefined);
    loaded.open();
    loaded.close();
    const lines = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { s?: string; id?: number });
    assert.deepEqual(
      lines.slice(1).map((line) => [line.s, line.id]),
      [
        ['src-1', 101],
        ['src-0', 200],
      ],
    );
    const again = SyncState.load(file, KEY);
    assert.equal(again.lastRunAt, '2026-12-06T11:00:00.000Z');
    again.close();
  });
});
