/**
 * Undo in the target: every import and sync run has a run log, `timeport runs` lists them and
 * `timeport rollback` undoes one through the documented worklog API, against Timeport test
 * targets: an import's creations (batch extension and single import), a sync's updates and
 * deletes put back from their before-images, worklogs changed since left alone unless forced,
 * and a run rolled back twice refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type RollbackOptions, runRollback } from '../../src/importer/rollback.js';
import { RunLogError, countsOf, listRuns, runsDirectory } from '../../src/importer/run-log.js';
import { type SyncOptions } from '../../src/importer/sync.js';
import { type NativeLine, type Target, writeNativeLines, importFiles, startTarget, storedWorklogs, syncInto } from './helpers.js';

const entry = (prefix: string, index: number, changes: Partial<NativeLine> = {}): NativeLine => ({
  externalId: `${prefix}-${index}`,
  issue: `MIG-${(index % 3) + 1}`,
  createdBy: index % 2 === 0 ? 'alice' : 'bob',
  start: `2024-05-${String(index + 1).padStart(2, '0')}T09:00:00.000+0000`,
  createdAt: `2024-05-${String(index + 1).padStart(2, '0')}T18:00:00.000+0000`,
  duration: `PT${index + 1}H`,
  comment: `${prefix} work ${index}`,
  ...changes,
});

describe('runs and rollback', () => {
  let target: Target;
  let stateDir: string;
  let runsDir: string;

  beforeEach(async () => {
    target = await startTarget();
    stateDir = path.join(target.dir, 'state');
    runsDir = runsDirectory(stateDir);
  });
  afterEach(() => target.close());

  const writeFile = (name: string, lines: NativeLine[]): string => writeNativeLines(path.join(target.dir, name), lines);

  /** Every worklog as a comparable line (with its id when asked), sorted. */
  const stored = async (withIds = false) =>
    (await storedWorklogs(target))
      .map(
        (worklog) =>
          `${withIds ? `${worklog.id} ` : ''}${worklog.issue} ${worklog.login} ${worklog.createdAt} ${worklog.start} ${worklog.duration} ${worklog.comment ?? ''}`,
      )
      .sort();
  const spent = async () => Promise.all(['MIG-1', 'MIG-2', 'MIG-3'].map(async (key) => (await target.client.getIssue(key))!.spent ?? null));

  const rollback = async (runId: string, overrides: Partial<RollbackOptions> = {}) => {
    const out: string[] = [];
    const summary = await runRollback({
      client: target.client,
      runsDir,
      target: target.url,
      org: '1',
      runId,
      force: false,
      dryRun: false,
      out: (line) => out.push(line),
      ...overrides,
    });
    return { summary, out };
  };

  for (const api of ['auto', 'tracker'] as const) {
    test(`an import run (--api ${api}) rolled back removes exactly what it created`, async () => {
      // Worklogs that were there before the run, from another import without a run log.
      await importFiles(
        target,
        [
          writeFile(
            'earlier.ndjson',
            [0, 1, 2].map((index) => entry('earlier', index)),
          ),
        ],
        {
          userMap: undefined,
          api,
        },
      );
      const before = await stored(true);
      const spentBefore = await spent();
      assert.equal(before.length, 3);

      const run = await importFiles(
        target,
        [
          writeFile(
            'run.ndjson',
            [0, 1, 2, 3, 4].map((index) => entry('run', index)),
          ),
        ],
        {
          userMap: undefined,
          api,
          runsDir,
        },
      );
      assert.equal(run.summary.created, 5);
      const runId = run.summary.runId!;
      assert.match(runId, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      assert.ok(run.out.includes(`Run ${runId} (timeport rollback ${runId} undoes it)`), run.out.join('\n'));
      assert.equal((await stored()).length, 8);
      assert.notDeepEqual(await spent(), spentBefore);

      const [listed] = listRuns(runsDir, target.url, '1');
      assert.equal(listed!.header.id, runId);
      assert.equal(listed!.header.command, 'import');
      assert.deepEqual(countsOf(listed!), { created: 5, updated: 0, deleted: 0 });

      const dry = await rollback(runId, { dryRun: true });
      assert.equal(dry.summary.deleted, 5);
      assert.equal((await stored()).length, 8, 'a dry run writes nothing');

      const undo = await rollback(runId);
      assert.equal(undo.summary.deleted, 5);
      assert.equal(undo.summary.leftAlone.length, 0);
      assert.ok(undo.summary.rolledBack);
      assert.deepEqual(await stored(true), before, 'the earlier worklogs are untouched, ids included');
      assert.deepEqual(await spent(), spentBefore);
      assert.ok(listRuns(runsDir, target.url, '1')[0]!.rolledBackAt !== undefined);

      await assert.rejects(rollback(runId), (error: Error) => error instanceof RunLogError && /already rolled back/.test(error.message));
      assert.deepEqual(await stored(true), before);
    });
  }

  for (const api of ['auto', 'tracker'] as const) {
    test(`an import run (--api ${api}) stopped between the target's answer and its log line is rolled back whole`, async () => {
      const file = writeFile(
        'run.ndjson',
        [0, 1, 2, 3].map((index) => entry('run', index)),
      );
      let answers = 0;
      await assert.rejects(
        importFiles(target, [file], {
          userMap: undefined,
          api,
          runsDir,
          concurrency: 1,
          beforeRecord: () => {
            if (++answers === (api === 'auto' ? 1 : 3)) throw new Error('stopped');
          },
        }),
        /stopped/,
      );
      const [run] = listRuns(runsDir, target.url, '1');
      assert.equal(run!.unconfirmed.size, api === 'auto' ? 4 : 1, 'the batch (or the third entry) was never logged');
      const stored3 = (await stored()).length;
      assert.equal(stored3, api === 'auto' ? 4 : 3);
      const undo = await rollback(run!.header.id);
      assert.equal(undo.summary.deleted, stored3, undo.out.join('\n'));
      assert.ok(undo.summary.rolledBack);
      assert.deepEqual(await stored(), []);
    });
  }

  test('a worklog edited after the run is left alone and listed; --force removes it', async () => {
    const run = await importFiles(
      target,
      [
        writeFile(
          'run.ndjson',
          [0, 1, 2].map((index) => entry('run', index)),
        ),
      ],
      {
        userMap: undefined,
        api: 'tracker',
        runsDir,
      },
    );
    const runId = run.summary.runId!;
    const [edited] = await storedWorklogs(target, ['MIG-2']);
    await target.client.editWorklog('MIG-2', edited!.id, { duration: 'PT7H' });

    const first = await rollback(runId);
    assert.equal(first.summary.deleted, 2);
    assert.deepEqual(
      first.summary.leftAlone.map((left) => [left.issue, left.id]),
      [['MIG-2', edited!.id]],
    );
    assert.ok(
      first.out.some((line) =>
        line.startsWith(`left alone: worklog ${edited!.id} on MIG-2 (created by the run): changed in the target since the run`),
      ),
      first.out.join('\n'),
    );
    assert.equal(first.summary.rolledBack, false);
    assert.deepEqual(
      (await storedWorklogs(target)).map((worklog) => worklog.id),
      [edited!.id],
    );
    assert.equal(listRuns(runsDir, target.url, '1')[0]!.rolledBackAt, undefined, 'not marked rolled back');

    const again = await rollback(runId);
    // What the first rollback undid is in the run's log and not looked at again.
    assert.deepEqual([again.summary.deleted, again.summary.nothingToDo], [0, 0]);
    assert.equal(again.summary.leftAlone.length, 1);

    const forced = await rollback(runId, { force: true });
    assert.equal(forced.summary.deleted, 1);
    assert.ok(forced.summary.rolledBack);
    assert.deepEqual(await storedWorklogs(target), []);
  });

  describe('sync runs', () => {
    let file: string;
    const write = (lines: NativeLine[]) => writeNativeLines(file, lines);
    beforeEach(() => {
      file = path.join(target.dir, 'entries.ndjson');
    });
    const sync = (overrides: Partial<SyncOptions> = {}) =>
      syncInto(target, { files: [file], sourceLabel: file, stateDir, applyDeletes: true, ...overrides });

    for (const api of ['tracker', 'timeport'] as const)
      test(`--api ${api}: a sync run with creates, updates and deletes rolled back restores the before-images, and the next sync plans it again`, async () => {
        write([0, 1, 2, 3].map((index) => entry('src', index)));
        const first = await sync({ api });
        assert.equal(first.summary.api, api);
        assert.equal(first.summary.created, 4);
        const afterFirst = await stored();

        write([entry('src', 0, { duration: 'PT30M', comment: 'shorter' }), entry('src', 1), entry('src', 2), entry('src', 4)]);
        const second = await sync({ api });
        assert.deepEqual([second.summary.created, second.summary.updated, second.summary.deleted], [1, 1, 1]);
        const runId = second.summary.runId!;
        assert.notEqual(runId, first.summary.runId);
        const runs = listRuns(runsDir, target.url, '1');
        assert.deepEqual(
          runs.map((run) => run.header.id),
          [runId, first.summary.runId],
          'newest first',
        );
        assert.deepEqual(countsOf(runs[0]!), { created: 1, updated: 1, deleted: 1 });
        assert.equal(runs[0]!.header.command, 'sync');
        assert.equal(runs[0]!.header.source, file);

        const undo = await rollback(runId);
        assert.deepEqual([undo.summary.deleted, undo.summary.restored, undo.summary.recreated], [1, 1, 1]);
        assert.ok(undo.summary.rolledBack);
        // Author, createdAt, start, duration and comment as before the run (the re-created one has a new id).
        assert.deepEqual(await stored(), afterFirst);

        // The sync's state learnt the rollback: the next run plans the same changes again, no conflicts.
        const next = await sync({ api, dryRun: true });
        assert.deepEqual(
          [next.summary.planned.create, next.summary.planned.update, next.summary.planned.delete, next.summary.planned.conflict],
          [1, 1, 1, 0],
          next.out.join('\n'),
        );
        await assert.rejects(rollback(runId), /already rolled back/);
      });

    test("rolling back a sync's first run removes its worklogs and the next sync creates them again", async () => {
      write([0, 1, 2].map((index) => entry('src', index)));
      const first = await sync();
      await rollback(first.summary.runId!);
      assert.deepEqual(await stored(), []);
      const next = await sync();
      assert.deepEqual([next.summary.created, next.summary.conflicts, next.summary.failed], [3, 0, 0], next.out.join('\n'));
    });

    /** Stops the run (as a kill would) at its `at`-th write, once the target confirmed it and before the log recorded it. */
    const stopAt = (at: number) => {
      let writes = 0;
      return () => {
        if (++writes === at) throw new Error('stopped');
      };
    };

    test('a run stopped between the target confirming a creation and its log line: rollback finds the worklog and deletes it', async () => {
      write([0, 1, 2].map((index) => entry('src', index)));
      await assert.rejects(sync({ beforeRecord: stopAt(3) }), /stopped/);
      assert.equal((await stored()).length, 3, 'the third worklog is stored, its log line never written');
      const [run] = listRuns(runsDir, target.url, '1');
      assert.deepEqual([countsOf(run!).created, run!.unconfirmed.size], [2, 1]);
      const undo = await rollback(run!.header.id);
      assert.deepEqual([undo.summary.deleted, undo.summary.leftAlone.length], [3, 0], undo.out.join('\n'));
      assert.ok(undo.summary.rolledBack);
      assert.deepEqual(await stored(), []);
      // The sync state forgot them too: the next sync creates all three.
      const next = await sync();
      assert.deepEqual([next.summary.created, next.summary.adopted, next.summary.conflicts], [3, 0, 0], next.out.join('\n'));
    });

    test('an unconfirmed update is restored, an unconfirmed deletion put back', async () => {
      write([0, 1, 2].map((index) => entry('src', index)));
      await sync();
      const before = await stored();
      write([entry('src', 0), entry('src', 1, { duration: 'PT20M' })]);
      // The deletion (first) is confirmed and logged; the update (second) is stored, not logged.
      await assert.rejects(sync({ beforeRecord: stopAt(2) }), /stopped/);
      const [run] = listRuns(runsDir, target.url, '1');
      assert.deepEqual([countsOf(run!).deleted, countsOf(run!).updated, run!.unconfirmed.size], [1, 0, 1]);
      const undo = await rollback(run!.header.id);
      assert.deepEqual([undo.summary.restored, undo.summary.recreated], [1, 1], undo.out.join('\n'));
      assert.deepEqual(await stored(), before);

      // Stopped at the deletion itself: the worklog is gone, its log line never written.
      await assert.rejects(sync({ beforeRecord: stopAt(1) }), /stopped/);
      const [again] = listRuns(runsDir, target.url, '1');
      assert.deepEqual([countsOf(again!).deleted, again!.unconfirmed.size], [0, 1]);
      const undoAgain = await rollback(again!.header.id);
      assert.equal(undoAgain.summary.recreated, 1, undoAgain.out.join('\n'));
      assert.deepEqual(await stored(), before);
    });

    test('an unconfirmed creation is never guessed between two exact matches, nor taken from another run', async () => {
      write([entry('src', 0)]);
      await assert.rejects(sync({ beforeRecord: stopAt(1) }), /stopped/);
      const stopped = listRuns(runsDir, target.url, '1')[0]!.header.id;
      // The same values, once more, by hand: two exact matches.
      const [made] = await storedWorklogs(target);
      const twin = await target.client.importWorklog('MIG-1', {
        createdBy: 'alice',
        createdAt: made!.createdAt,
        start: made!.start,
        duration: made!.duration,
        comment: made!.comment!,
      });
      const undo = await rollback(stopped);
      assert.equal(undo.summary.deleted, 0);
      assert.equal(undo.summary.rolledBack, false);
      assert.ok(
        undo.out.some((line) => line.includes(`worklogs ${made!.id}, ${twin.id} all match it exactly; none is deleted`)),
        undo.out.join('\n'),
      );
      assert.equal((await stored()).length, 2);

      // One removed by hand, the other recorded by a later run as its own creation: not this run's to delete.
      assert.equal(await target.client.deleteWorklog('MIG-1', twin.id), true);
      assert.equal(await target.client.deleteWorklog('MIG-1', made!.id), true);
      fs.rmSync(
        path.join(
          stateDir,
          fs.readdirSync(stateDir).find((name) => name.startsWith('sync-'))!,
        ),
      );
      const later = await sync();
      assert.equal(later.summary.created, 1);
      const again = await rollback(stopped);
      assert.deepEqual([again.summary.deleted, again.summary.nothingToDo], [0, 1], again.out.join('\n'));
      assert.ok(again.summary.rolledBack);
      assert.equal((await stored()).length, 1);
    });

    test('--force marks a run with an ambiguous unconfirmed creation rolled back, deleting neither match', async () => {
      write([entry('src', 0), entry('src', 1)]);
      await assert.rejects(sync({ beforeRecord: stopAt(2) }), /stopped/);
      const stopped = listRuns(runsDir, target.url, '1')[0]!.header.id;
      const made = (await storedWorklogs(target)).find((worklog) => worklog.comment === 'src work 1')!;
      await target.client.importWorklog(made.issue, {
        createdBy: 'bob',
        createdAt: made.createdAt,
        start: made.start,
        duration: made.duration,
        comment: made.comment!,
      });
      const forced = await rollback(stopped, { force: true });
      assert.deepEqual([forced.summary.deleted, forced.summary.rolledBack], [1, true], forced.out.join('\n'));
      assert.ok(
        forced.out.some((line) =>
          line.includes('all match it exactly; none is deleted (--force: the run is marked rolled back without it)'),
        ),
        forced.out.join('\n'),
      );
      assert.deepEqual(
        (await storedWorklogs(target)).map((worklog) => worklog.comment),
        ['src work 1', 'src work 1'],
      );
    });

    test('a dry run writes no run log', async () => {
      write([0, 1].map((index) => entry('src', index)));
      const dry = await sync({ dryRun: true });
      assert.equal(dry.summary.runId, undefined);
      assert.deepEqual(listRuns(runsDir, target.url, '1'), []);
      const dryImport = await importFiles(target, [file], { userMap: undefined, dryRun: true, runsDir });
      assert.equal(dryImport.summary.runId, undefined);
      assert.deepEqual(listRuns(runsDir, target.url, '1'), []);
    });
  });

  test('an unknown run, or one against another target, is refused', async () => {
    await assert.rejects(rollback('20240101T000000Z-abcdef'), /no run 20240101T000000Z-abcdef/);
    const run = await importFiles(target, [writeFile('run.ndjson', [entry('run', 0)])], { userMap: undefined, runsDir });
    await assert.rejects(rollback(run.summary.runId!, { org: '2' }), /was against .* \(organization 1\), not .* \(organization 2\)/);
    assert.equal((await stored()).length, 1);
  });

  test('a batch syncs its intents once and its confirmations with the next intents, not once per entry', async () => {
    const stamp = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');
    const lines = Array.from({ length: 600 }, (_unused, index) => {
      const start = Date.UTC(2024, 4, 1) + index * 15 * 60_000;
      return entry('many', index, { start: stamp(start), createdAt: stamp(start + 60_000) });
    });
    const file = writeFile('many.ndjson', lines);
    // Every sync of the run log (and the journal) goes through fs.fdatasyncSync: counted here.
    const original = fs.fdatasyncSync;
    let syncs = 0;
    fs.fdatasyncSync = (fd) => {
      syncs++;
      original(fd);
    };
    let run;
    try {
      run = await importFiles(target, [file], { userMap: undefined, runsDir, batchSize: 100, concurrency: 1 });
    } finally {
      fs.fdatasyncSync = original;
    }
    assert.equal(run.summary.created, 600);
    // Six batches: the header, each batch's intents and its journal lines, the last
    // confirmations at close, the journal's header and end. One sync per entry would be 600 more.
    assert.ok(syncs <= 6 * 2 + 6, `${syncs} syncs for 6 batches`);
    const [listed] = listRuns(runsDir, target.url, '1');
    assert.deepEqual(countsOf(listed!), { created: 600, updated: 0, deleted: 0 });
    assert.equal(listed!.unconfirmed.size, 0, 'every intent confirmed in the log');
  });
});
