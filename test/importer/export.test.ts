/**
 * `timeport export` (in-process): a target's worklogs, past Tracker's 10,000 cap, written in the
 * native format; imported into another organization and reconciled, the totals per issue, user
 * and day are exact; CSV and NDJSON alike; --from/--to keep the days of work asked for.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { runExport } from '../../src/importer/export.js';
import { SEARCH_CAP } from '../../src/importer/live/tracker.js';
import { reconcile } from '../../src/importer/reconcile.js';
import { type Target, importFiles, seedEntries, startTarget } from './helpers.js';

const ENTRIES = SEARCH_CAP + 300;

describe('export, then import elsewhere, then reconcile', () => {
  let source: Target;
  let target: Target;
  before(async () => {
    source = await startTarget();
    target = await startTarget();
    await seedEntries(source, ENTRIES);
  });
  after(async () => {
    await source.close();
    await target.close();
  });

  const exportTo = async (file: string, format: 'ndjson' | 'csv', days: { fromDay?: string; toDay?: string; zone?: string } = {}) => {
    const out = fs.openSync(file, 'w');
    try {
      return await runExport({
        client: source.client,
        orgLabel: 'org 1',
        format,
        zone: 'UTC',
        ...days,
        write: async (text) => void fs.writeSync(out, text),
      });
    } finally {
      fs.closeSync(out);
    }
  };
  const reconcileWith = (file: string, against: Target) =>
    reconcile({ files: [file], durations: DEFAULT_DURATION_SETTINGS, issueRule: {} }, against.client);

  test('every worklog, past the cap, comes back unchanged: exact totals on both sides', async () => {
    const file = path.join(source.dir, 'export.ndjson');
    const summary = await exportTo(file, 'ndjson');
    assert.equal(summary.written, ENTRIES);
    assert.ok(summary.windows >= 2, `${summary.windows} windows`);
    const imported = await importFiles(target, [file], { journalPath: path.join(target.dir, 'export.journal.ndjson') });
    assert.equal(imported.summary.created, ENTRIES, imported.out.join('\n'));
    for (const side of [source, target]) {
      const result = await reconcileWith(file, side);
      assert.deepEqual([result.differences, result.skipped], [[], 0]);
      assert.ok(result.groups > 300, `${result.groups} groups compared`);
    }
  });

  test('CSV reads back the same, and importing it again creates nothing', async () => {
    const file = path.join(source.dir, 'export.csv');
    assert.equal((await exportTo(file, 'csv')).written, ENTRIES);
    assert.match(fs.readFileSync(file, 'utf8').split('\n')[0]!, /^issue,createdBy,createdAt,start,duration,comment,externalId$/);
    assert.deepEqual((await reconcileWith(file, target)).differences, []);
    const again = await importFiles(target, [file], { journalPath: path.join(target.dir, 'csv.journal.ndjson') });
    assert.deepEqual([again.summary.created, again.summary.alreadyPresent], [0, ENTRIES]);
  });

  test('--from and --to keep the days of work asked for, in the zone given', async () => {
    const file = path.join(source.dir, 'february.ndjson');
    const summary = await exportTo(file, 'ndjson', { fromDay: '2024-02-01', toDay: '2024-02-29', zone: 'Asia/Tokyo' });
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { start: string });
    // One entry every 45 minutes; February in Tokyo starts 9 hours before February in UTC.
    const first = Date.parse('2024-01-31T15:00:00Z');
    const last = Date.parse('2024-02-29T15:00:00Z');
    const base = Date.UTC(2024, 0, 1);
    const expected = Array.from({ length: ENTRIES }, (_, index) => base + index * 45 * 60_000).filter(
      (start) => start >= first && start < last,
    ).length;
    assert.equal(summary.written, expected);
    assert.equal(lines.length, expected);
    assert.ok(summary.outside > 0);
  });
});
