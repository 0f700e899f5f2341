/**
 * Entries written after their issue's last update (issue 18 point 8): Tracker's import refuses
 * them, so without --move-issue-updates the sync says why they fail; with it, each such issue's
 * last update is moved first through the documented worklog API, and every entry lands with its
 * original author and times, the issue's time spent exact, no helper worklog left behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type SyncOptions } from '../../src/importer/sync.js';
import { type Target, ISSUE_LIFETIME, startTarget, storedWorklogs, syncInto } from './helpers.js';

describe('sync: entries written after their issue last changed', () => {
  let target: Target;
  let file: string;
  beforeEach(async () => {
    target = await startTarget();
    // The issues were last updated at ISSUE_LIFETIME.updatedAt (2025-01-01); now is a year later.
    target.t.clock.now = Date.parse('2026-01-15T12:00:00Z');
    file = path.join(target.dir, 'late.ndjson');
    const lines = [
      {
        externalId: 'on-time',
        issue: 'MIG-1',
        createdBy: 'alice',
        createdAt: '2024-12-01T10:00:00Z',
        start: '2024-12-01T09:00:00Z',
        duration: 'PT1H',
        comment: 'on time',
      },
      {
        externalId: 'late-1',
        issue: 'MIG-1',
        createdBy: 'alice',
        createdAt: '2025-06-01T10:00:00Z',
        start: '2025-06-01T09:00:00Z',
        duration: 'PT2H',
        comment: 'late 1',
      },
      {
        externalId: 'late-2',
        issue: 'MIG-1',
        createdBy: 'bob',
        createdAt: '2026-01-10T10:00:00Z',
        start: '2026-01-10T09:00:00Z',
        duration: 'PT30M',
        comment: 'late 2',
      },
    ];
    fs.writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  });
  afterEach(() => target.close());

  const sync = async (overrides: Partial<SyncOptions> = {}) => {
    const run = await syncInto(target, { files: [file], sourceLabel: file, stateDir: path.join(target.dir, 'state'), ...overrides });
    return { summary: run.summary, out: run.out.join('\n') };
  };
  const issue = async () =>
    (await target.t.request({ method: 'GET', url: '/v3/issues/MIG-1' })).json() as { updatedAt: string; spent?: string };

  test('without --move-issue-updates: the late entries fail, and the sync says why and what to give', async () => {
    const run = await sync();
    assert.match(
      run.out,
      /2 entries were written after their issue's last update, which Tracker's import refuses: MIG-1 \(2, last updated 2025-01-01T00:00:00\.000\+0000\); give --move-issue-updates/,
    );
    assert.deepEqual([run.summary.created, run.summary.failed], [1, 2]);
    assert.equal((await issue()).updatedAt, ISSUE_LIFETIME.updatedAt);
  });

  test('a dry run says so and moves nothing', async () => {
    const run = await sync({ dryRun: true, moveIssueUpdates: true });
    assert.match(run.out, /2 entries were written after their issue's last update: MIG-1 .*; each issue's last update is moved first/);
    assert.equal((await issue()).updatedAt, ISSUE_LIFETIME.updatedAt);
  });

  test("with --move-issue-updates: the issue's last update moves, every entry lands as written, nothing else stays", async () => {
    const run = await sync({ moveIssueUpdates: true });
    assert.match(run.out, /Moved the last update of MIG-1 from 2025-01-01T00:00:00\.000\+0000 to 2026-01-15T12:00:00\.000\+0000/);
    assert.deepEqual([run.summary.created, run.summary.failed], [3, 0], run.out);
    const stored = await storedWorklogs(target, ['MIG-1'], 100);
    assert.deepEqual(stored.map((worklog) => [worklog.comment, worklog.login, worklog.createdAt, worklog.start, worklog.duration]).sort(), [
      ['late 1', 'alice', '2025-06-01T10:00:00.000+0000', '2025-06-01T09:00:00.000+0000', 'PT2H'],
      ['late 2', 'bob', '2026-01-10T10:00:00.000+0000', '2026-01-10T09:00:00.000+0000', 'PT30M'],
      ['on time', 'alice', '2024-12-01T10:00:00.000+0000', '2024-12-01T09:00:00.000+0000', 'PT1H'],
    ]);
    assert.equal((await issue()).spent, 'PT3H30M', 'the helper worklog left no time behind');
    const again = await sync({ moveIssueUpdates: true });
    assert.doesNotMatch(again.out, /Moved the last update/);
    assert.equal(again.summary.created, 0);
  });
});
