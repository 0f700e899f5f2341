/**
 * `timeport sync` from a real Redmine 5 (scripts/redmine.sh; .ci/run starts it) into Timeport,
 * driven as plain Tracker (--api tracker) and through Timeport's extension (--api timeport): an
 * entry created, one edited and one deleted in Redmine over three runs, each plan printed; a fourth
 * run plans nothing, one after the local state is removed creates nothing, and rolling back the
 * second run removes what it created and restores what it changed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RedmineSource } from '../../src/importer/live/redmine.js';
import { runRollback } from '../../src/importer/rollback.js';
import { runsDirectory } from '../../src/importer/run-log.js';
import { type SyncSummary } from '../../src/importer/sync.js';
import { RedmineAdmin, REDMINE_URL, redmineKey, skipWithoutRedmine } from '../../support/redmine.js';
import { type Target, startTarget, syncInto, importRedmineIssues, planLine, storedLines } from './helpers.js';

const skip = await skipWithoutRedmine();

for (const api of ['tracker', 'timeport'] as const)
  describe(`sync from Redmine into Timeport (--api ${api})`, { skip }, () => {
    let admin: RedmineAdmin;
    let project: Awaited<ReturnType<RedmineAdmin['project']>>;
    let activityId: number;
    let target: Target;
    const ids: number[] = [];

    before(async () => {
      admin = new RedmineAdmin();
      project = await admin.project(['kate', 'liam'], 2);
      activityId = await admin.activityId();
      const log = (issue: number, login: string, spentOn: string, hours: number, comments: string) =>
        admin.logTime({ issueId: project.issueIds[issue]!, userId: project.userIds.get(login)!, spentOn, hours, comments, activityId });
      ids.push(
        await log(0, 'kate', '2024-03-01', 1.5, 'first'),
        await log(1, 'liam', '2024-03-02', 2, 'second'),
        await log(0, 'liam', '2024-03-03', 0.25, 'third'),
      );
      target = await startTarget([], ['kate', 'liam']);
      // Entries written after these issues were made come over with --move-issue-updates (point 8).
      await importRedmineIssues(target, project.issueIds.length);
    });
    after(() => target?.close());

    const sync = async (stateDir: string, applyDeletes = false): Promise<{ summary: SyncSummary; out: string[] }> => {
      const live = new RedmineSource({ url: REDMINE_URL, apiKey: redmineKey()!, project: project.identifier, http: { baseDelayMs: 10 } });
      await live.check();
      return syncInto(target, {
        files: [],
        live,
        zone: 'Europe/Berlin',
        userMap: new Map([...project.userIds.keys()].map((login) => [`${login}-${project.identifier.slice(4)}`, login])),
        issueRule: { map: new Map(project.issueIds.map((id, index) => [String(id), `RED-${index + 1}`])) },
        sourceLabel: live.label,
        stateDir,
        applyDeletes,
        moveIssueUpdates: true,
        api,
      });
    };
    const plan = planLine;
    const stored = () => storedLines(target, ['RED-1', 'RED-2']);

    test('an entry created, one edited and one deleted in Redmine, over three runs', async () => {
      const stateDir = path.join(target.dir, 'state');
      const one = await sync(stateDir);
      assert.equal(one.summary.api, api);
      assert.equal(
        plan(one),
        'Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
        one.out.join('\n'),
      );
      assert.equal(one.summary.created, 3, one.out.join('\n'));
      assert.deepEqual(await stored(), [
        'RED-1 kate 2024-02-29T23:00:00.000+0000 PT1H30M first',
        'RED-1 liam 2024-03-02T23:00:00.000+0000 PT15M third',
        'RED-2 liam 2024-03-01T23:00:00.000+0000 PT2H second',
      ]);

      // Created, and edited (hours and day).
      ids.push(
        await admin.logTime({
          issueId: project.issueIds[1]!,
          userId: project.userIds.get('kate')!,
          spentOn: '2024-03-04',
          hours: 3,
          comments: 'fourth',
          activityId,
        }),
      );
      await admin.editTime(ids[0]!, { hours: 2.5, spentOn: '2024-03-05' });
      // The test app's clock stands where it was set; it moves past the new entries' created_on.
      target.t.clock.now = Date.now();
      const two = await sync(stateDir);
      assert.equal(
        plan(two),
        'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts, 0 ambiguous',
        two.out.join('\n'),
      );
      assert.deepEqual([two.summary.created, two.summary.updated, two.summary.failed], [1, 1, 0], two.out.join('\n'));
      assert.deepEqual(await stored(), [
        'RED-1 kate 2024-03-04T23:00:00.000+0000 PT2H30M first',
        'RED-1 liam 2024-03-02T23:00:00.000+0000 PT15M third',
        'RED-2 kate 2024-03-03T23:00:00.000+0000 PT3H fourth',
        'RED-2 liam 2024-03-01T23:00:00.000+0000 PT2H second',
      ]);

      // Deleted.
      await admin.deleteTime(ids[1]!);
      const three = await sync(stateDir, true);
      assert.equal(
        plan(three),
        'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
        three.out.join('\n'),
      );
      assert.equal(three.summary.deleted, 1);
      const final = [
        'RED-1 kate 2024-03-04T23:00:00.000+0000 PT2H30M first',
        'RED-1 liam 2024-03-02T23:00:00.000+0000 PT15M third',
        'RED-2 kate 2024-03-03T23:00:00.000+0000 PT3H fourth',
      ];
      assert.deepEqual(await stored(), final);

      const four = await sync(stateDir, true);
      assert.equal(plan(four), 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');

      // The same sync with its state lost: every entry is found in the target (as an exact match,
      // or in Timeport's ledger of what this source put there), nothing is created.
      const runsDir = runsDirectory(stateDir);
      const kept = path.join(target.dir, `runs-${api}`);
      fs.renameSync(runsDir, kept);
      fs.rmSync(stateDir, { recursive: true });
      const lost = await sync(stateDir, true);
      assert.equal(
        plan(lost),
        api === 'tracker'
          ? 'Plan: 0 creates, 0 updates, 0 deletes, 3 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous'
          : 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
      );
      assert.deepEqual(await stored(), final);

      // The second run rolled back: what it created is removed, what it changed restored.
      const undo = await runRollback({
        client: target.client,
        runsDir: kept,
        target: target.url,
        org: '1',
        runId: two.summary.runId!,
        force: false,
        dryRun: false,
        out: () => undefined,
      });
      assert.deepEqual([undo.deleted, undo.restored, undo.rolledBack], [1, 1, true]);
      assert.deepEqual(await stored(), [
        'RED-1 kate 2024-02-29T23:00:00.000+0000 PT1H30M first',
        'RED-1 liam 2024-03-02T23:00:00.000+0000 PT15M third',
      ]);
    });
  });
