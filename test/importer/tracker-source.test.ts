/**
 * A Tracker organization as a live source, tried against Timeport's own server: more worklogs than
 * Tracker's 10,000 cap are read whole by splitting the createdAt window, authors come back as
 * logins, and an import from one organization into another keeps every entry once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SEARCH_CAP, TrackerSource } from '../../src/importer/live/tracker.js';
import { type Target, importFiles, seedEntries, startTarget, storedWorklogs } from './helpers.js';

const ENTRIES = SEARCH_CAP + 500;

describe('Tracker as a live source', () => {
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

  const live = () => new TrackerSource({ client: source.client, orgLabel: 'org 1', toMs: Date.UTC(2026, 0, 1) });

  test('more worklogs than the cap are read whole, each window below it', async () => {
    const reader = live();
    await reader.check();
    const ids = new Set<number>();
    for await (const record of reader.records()) ids.add(record.line);
    assert.equal(ids.size, ENTRIES);
    assert.ok(reader.windows.length >= 2, `split into ${reader.windows.length} windows`);
    for (const window of reader.windows) assert.ok(window.total < SEARCH_CAP, `a window of ${window.total}`);
    assert.equal(
      reader.windows.reduce((sum, window) => sum + window.total, 0),
      ENTRIES,
      'the windows do not overlap',
    );
  });

  test('an import from one organization into another keeps every entry once, with its author, start and duration', async () => {
    const options = { files: [], live: live(), userMap: undefined, journalPath: path.join(target.dir, 'tracker.journal.ndjson') };
    const first = await importFiles(target, [], options);
    assert.equal(first.summary.created, ENTRIES, first.out.join('\n'));
    const issues = ['MIG-1', 'MIG-2', 'MIG-3'];
    const [from, to] = [await storedWorklogs(source, issues, 1000), await storedWorklogs(target, issues, 1000)];
    const shape = (worklogs: typeof from) =>
      worklogs
        .map((worklog) => [worklog.issue, worklog.login, worklog.start, worklog.createdAt, worklog.duration, worklog.comment].join('|'))
        .sort();
    assert.deepEqual(shape(to), shape(from));
    const again = await importFiles(target, [], { ...options, live: live(), journalPath: path.join(target.dir, 'fresh.journal.ndjson') });
    assert.deepEqual([again.summary.created, again.summary.alreadyPresent], [0, ENTRIES]);
  });

  test('a refused token is an error before anything is read', async () => {
    const { TrackerClient } = await import('../../src/client/tracker-client.js');
    const client = new TrackerClient({ baseUrl: source.url, token: 'tpt_wrong_wrong_wrong_wrong', orgId: '1', retries: 0 });
    await assert.rejects(new TrackerSource({ client, orgLabel: 'org 1' }).check(), /401/);
  });
});
