/**
 * `timeport sync` against Timeport test targets, through the documented worklog API only: native
 * files changed between runs (create, edit, delete), conflicts with edits made in the target,
 * --delete, --dry-run, --plan, adoption of exact matches when the state is lost, and a run stopped
 * mid-way then run again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { formatBusinessDuration, parseBusinessDuration } from '../../src/domain/duration.js';
import { type SyncOptions, type SyncSummary } from '../../src/importer/sync.js';
import { stateDirectory } from '../../src/importer/journal.js';
import { TrackerSource } from '../../src/importer/live/tracker.js';
import {
  AmbiguousWriteError,
  TrackerClient,
  type TrackerWorklog,
  type WorklogChangesRequest,
  type WorklogImportBody,
} from '../../src/client/tracker-client.js';
import { ADMIN_TOKEN } from '../../support/app.js';
import { type NativeLine, type Target, startTarget, storedWorklogs, syncInto, planLine, storedLines } from './helpers.js';

const entry = (index: number, changes: Partial<NativeLine> = {}): NativeLine => ({
  externalId: `src-${index}`,
  issue: `MIG-${(index % 3) + 1}`,
  createdBy: index % 2 === 0 ? 'alice' : 'bob',
  start: `2024-05-${String(index + 1).padStart(2, '0')}T09:00:00.000+0000`,
  duration: `PT${index + 1}H`,
  comment: `work ${index}`,
  ...changes,
});

interface Run {
  summary: SyncSummary;
  out: string[];
}

describe('timeport sync', () => {
  let target: Target;
  let file: string;
  let stateDir: string;

  beforeEach(async () => {
    target = await startTarget();
    file = path.join(target.dir, 'entries.ndjson');
    stateDir = path.join(target.dir, 'state');
  });
  afterEach(() => target.close());

  const write = (lines: NativeLine[]) =>
    fs.writeFileSync(file, lines.map((line) => JSON.stringify({ ...line, createdAt: line.start })).join('\n') + '\n');

  const sync = (overrides: Partial<SyncOptions> = {}): Promise<Run> =>
    syncInto(target, { files: [file], sourceLabel: file, stateDir, ...overrides });

  /** The target's worklogs as comparable lines, and the source's. */
  const stored = () => storedLines(target);
  const expected = (lines: NativeLine[]) => {
    // Durations come back in Tracker's business form (8 h is P1D, 90 min is PT1H30M).
    const business = (text: string) => {
      const seconds = parseBusinessDuration(text);
      assert.ok(seconds.ok);
      return formatBusinessDuration(seconds.value);
    };
    return lines.map((line) => `${line.issue} ${line.createdBy} ${line.start} ${business(line.duration)} ${line.comment ?? ''}`).sort();
  };

  for (const api of ['tracker', 'timeport'] as const)
    test(`--api ${api}: create, edit and delete over three runs, each plan printed; a fourth run plans nothing`, async () => {
      const first = [entry(0), entry(1), entry(2), entry(3)];
      write(first);
      const one = await sync({ api });
      assert.equal(one.summary.api, api);
      assert.equal(
        planLine(one),
        'Plan: 4 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
        one.out.join('\n'),
      );
      assert.equal(one.summary.created, 4);
      assert.deepEqual(await stored(), expected(first));

      // Edited: 1's duration, 2's start and 3's comment; 0 deleted; 4 new.
      const second = [
        entry(1, { duration: 'PT90M' }),
        entry(2, { start: '2024-05-03T13:30:00.000+0000' }),
        entry(3, { comment: 'reworded' }),
        entry(4),
      ];
      write(second);
      const two = await sync({ api });
      assert.match(
        planLine(two)!,
        /^Plan: 1 creates, 3 updates, 1 deletes \(1 not applied without --delete\), 0 adopted from the target, 0 unchanged, 0 conflicts/,
      );
      assert.ok(
        two.out.some((line) => /^ {2}src-0: worklog \d+ on MIG-1 alice 2024-05-01T09:00:00.000\+0000 PT1H$/.test(line)),
        two.out.join('\n'),
      );
      assert.deepEqual([two.summary.created, two.summary.updated, two.summary.deleted, two.summary.deletesNotApplied], [1, 3, 0, 1]);
      assert.deepEqual(await stored(), [...expected(second), ...expected([entry(0)])].sort(), 'the deletion waits for --delete');

      const three = await sync({ api, applyDeletes: true });
      assert.match(planLine(three)!, /^Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 4 unchanged, 0 conflicts/);
      assert.equal(three.summary.deleted, 1);
      assert.deepEqual(await stored(), expected(second));

      const four = await sync({ api, applyDeletes: true });
      assert.equal(
        planLine(four),
        'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 4 unchanged, 0 conflicts, 0 ambiguous',
      );
    });

  test('--api timeport: with the state removed, a re-run creates nothing and still sees updates, deletes and target edits', async () => {
    write([entry(0), entry(1), entry(2), entry(3)]);
    const one = await sync({ api: 'auto' });
    assert.equal(one.summary.api, 'timeport', 'auto chooses the extension Timeport offers');
    assert.equal(one.summary.created, 4);
    const edited = (await storedWorklogs(target)).find((worklog) => worklog.comment === 'work 2')!;
    await target.client.editWorklog(edited.issue, edited.id, { duration: 'PT5M' });
    fs.rmSync(stateDir, { recursive: true });

    write([entry(1, { duration: 'PT90M' }), entry(2), entry(3)]);
    const lost = await sync({ api: 'timeport', applyDeletes: true });
    assert.equal(
      planLine(lost),
      'Plan: 0 creates, 1 updates, 1 deletes, 0 adopted from the target, 1 unchanged, 1 conflicts, 0 ambiguous',
      lost.out.join('\n'),
    );
    assert.ok(
      lost.out.some((line) => line.includes(`src-2: worklog ${edited.id} on MIG-3: changed in the target since the last sync`)),
      lost.out.join('\n'),
    );
    assert.deepEqual(await stored(), expected([entry(1, { duration: 'PT90M' }), entry(2, { duration: 'PT5M' }), entry(3)]));
    // The unchanged entry, known from the ledger alone, is in the new state again.
    const stateLines = fs
      .readdirSync(stateDir)
      .filter((name) => name.startsWith('sync-') && name.endsWith('.ndjson'))
      .flatMap((name) => fs.readFileSync(path.join(stateDir, name), 'utf8').trim().split('\n'))
      .map((line) => JSON.parse(line) as { s?: string; id?: number });
    assert.ok(
      stateLines.some((line) => line.s === 'src-3' && typeof line.id === 'number'),
      JSON.stringify(stateLines),
    );
    const preferred = await sync({ api: 'timeport', preferSource: true });
    assert.equal(preferred.summary.updated, 1);
    assert.deepEqual(await stored(), expected([entry(1, { duration: 'PT90M' }), entry(2), entry(3)]));
    assert.equal(
      planLine(await sync({ api: 'timeport' })),
      'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
    );
  });

  test('--api timeport: a worklog edited in the target between the plan and the write fails its change (412); the others are applied', async () => {
    write([entry(0), entry(1), entry(2)]);
    await sync({ api: 'timeport' });
    const worklogs = await storedWorklogs(target);
    const raced = worklogs.find((worklog) => worklog.comment === 'work 1')!;
    /** Edits one worklog in the target just before the changes are sent, as another user might. */
    class RacingClient extends TrackerClient {
      raced = false;
      override async worklogChanges(request: WorklogChangesRequest, path?: string) {
        if (!this.raced) {
          this.raced = true;
          await target.client.editWorklog(raced.issue, raced.id, { comment: 'edited meanwhile' });
        }
        return super.worklogChanges(request, path);
      }
    }
    const client = new RacingClient({ baseUrl: target.url, token: ADMIN_TOKEN, orgId: '1', retries: 2, baseDelayMs: 10 });
    write([entry(0, { duration: 'PT2H' }), entry(1, { duration: 'PT3H' }), entry(2, { duration: 'PT4H' })]);
    const run = await sync({ api: 'timeport', client });
    assert.match(planLine(run)!, /^Plan: 0 creates, 3 updates, /);
    assert.deepEqual([run.summary.updated, run.summary.failed], [2, 1], run.out.join('\n'));
    assert.ok(
      run.out.some((line) => line.startsWith('failed: src-1 (MIG-2): 412: ')),
      run.out.join('\n'),
    );
    const after = await storedWorklogs(target);
    assert.equal(after.find((worklog) => worklog.id === raced.id)!.comment, 'edited meanwhile', 'not overwritten');
    assert.deepEqual(
      after
        .filter((worklog) => worklog.id !== raced.id)
        .map((worklog) => worklog.duration)
        .sort(),
      ['PT2H', 'PT4H'],
    );
    // The next run sees the edit as a conflict.
    const next = await sync({ api: 'timeport' });
    assert.match(planLine(next)!, /^Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 1 conflicts/);
  });

  test('an issue or author changed in the source is a delete and a create, applied without --delete', async () => {
    write([entry(0), entry(1)]);
    await sync();
    const moved = [entry(0, { issue: 'MIG-3' }), entry(1, { createdBy: 'alice' })];
    write(moved);
    const run = await sync();
    assert.match(planLine(run)!, /^Plan: 2 creates, 0 updates, 2 deletes, /);
    assert.deepEqual([run.summary.created, run.summary.deleted, run.summary.deletesNotApplied], [2, 2, 0]);
    assert.deepEqual(await stored(), expected(moved));
  });

  test('a worklog edited in the target is a conflict, left alone unless --prefer source', async () => {
    write([entry(0), entry(1), entry(2)]);
    await sync();
    const worklogs = await storedWorklogs(target);
    const edited = worklogs.find((worklog) => worklog.comment === 'work 1')!;
    await target.client.editWorklog(edited.issue, edited.id, { duration: 'PT5M' });
    // The source changes the same entry: the target's edit is not overwritten.
    write([entry(0), entry(1, { duration: 'PT3H' }), entry(2)]);
    const plan = path.join(target.dir, 'plan.ndjson');
    const run = await sync({ planFile: plan });
    assert.match(planLine(run)!, /0 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 1 conflicts/);
    assert.ok(
      run.out.some((line) => line.includes(`src-1: worklog ${edited.id} on MIG-2: changed in the target since the last sync`)),
      run.out.join('\n'),
    );
    assert.equal(run.summary.conflicts, 1);
    assert.equal((await storedWorklogs(target)).find((worklog) => worklog.id === edited.id)!.duration, 'PT5M');
    const [line] = fs
      .readFileSync(plan, 'utf8')
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    assert.deepEqual(line, {
      action: 'conflict',
      sourceId: 'src-1',
      issue: 'MIG-2',
      worklogId: edited.id,
      reason: 'changed in the target since the last sync',
      before: { issue: 'MIG-2', login: 'bob', start: '2024-05-02T09:00:00.000+0000', duration: 'PT2H', comment: 'work 1' },
      target: { issue: 'MIG-2', login: 'bob', start: '2024-05-02T09:00:00.000+0000', duration: 'PT5M', comment: 'work 1' },
      after: { issue: 'MIG-2', login: 'bob', start: '2024-05-02T09:00:00.000+0000', duration: 'PT3H', comment: 'work 1' },
    });

    const preferred = await sync({ preferSource: true });
    assert.match(planLine(preferred)!, /1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts/);
    assert.equal((await storedWorklogs(target)).find((worklog) => worklog.id === edited.id)!.duration, 'PT3H');
    assert.match(planLine(await sync())!, /^Plan: 0 creates, 0 updates, 0 deletes, .* 3 unchanged, 0 conflicts/);
  });

  test('a worklog deleted in the target is a conflict; --prefer source creates it again', async () => {
    const lines = [entry(0), entry(1)];
    write(lines);
    await sync();
    const removed = (await storedWorklogs(target)).find((worklog) => worklog.comment === 'work 0')!;
    assert.equal(await target.client.deleteWorklog(removed.issue, removed.id), true);
    const run = await sync();
    assert.match(planLine(run)!, /^Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 1 unchanged, 1 conflicts/);
    assert.ok(
      run.out.some((line) => line.includes(`src-0: worklog ${removed.id} on MIG-1: deleted in the target since the last sync`)),
      run.out.join('\n'),
    );
    assert.equal((await storedWorklogs(target)).length, 1);
    const preferred = await sync({ preferSource: true });
    assert.match(planLine(preferred)!, /^Plan: 1 creates, 0 updates, 0 deletes, 0 adopted from the target, 1 unchanged, 0 conflicts/);
    assert.deepEqual(await stored(), expected(lines));
  });

  test('a source entry that cannot be synced stops the sync before anything is planned: nothing is deleted', async () => {
    write([entry(0), entry(1)]);
    await sync();
    write([entry(0), entry(1, { createdBy: 'nobody' })]);
    const run = await sync({ applyDeletes: true });
    assert.equal(run.summary.blocked, true);
    assert.equal(planLine(run), undefined, run.out.join('\n'));
    assert.ok(
      run.out.some((line) => line.startsWith('Nothing was planned or written: 1 source entries cannot be synced')),
      run.out.join('\n'),
    );
    assert.deepEqual(await stored(), expected([entry(0), entry(1)]));
  });

  test('--dry-run prints the plan and writes nothing, not even the state', async () => {
    write([entry(0), entry(1)]);
    const run = await sync({ dryRun: true });
    assert.match(planLine(run)!, /^Plan: 2 creates, /);
    assert.deepEqual(await stored(), []);
    assert.equal(fs.existsSync(stateDir), false);
  });

  test('--plan lists every change with its source id, issue, worklog id and values', async () => {
    write([entry(0), entry(1), entry(2)]);
    await sync();
    const ids = new Map((await storedWorklogs(target)).map((worklog) => [worklog.comment, worklog.id]));
    write([entry(1, { duration: 'PT30M' }), entry(2), entry(5)]);
    const plan = path.join(target.dir, 'plan.ndjson');
    await sync({ planFile: plan, dryRun: true });
    const lines = fs
      .readFileSync(plan, 'utf8')
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    assert.deepEqual(
      lines.sort((a, b) => String(a.sourceId).localeCompare(String(b.sourceId))),
      [
        {
          action: 'delete',
          sourceId: 'src-0',
          issue: 'MIG-1',
          worklogId: ids.get('work 0'),
          before: { issue: 'MIG-1', login: 'alice', start: '2024-05-01T09:00:00.000+0000', duration: 'PT1H', comment: 'work 0' },
          applied: false,
        },
        {
          action: 'update',
          sourceId: 'src-1',
          issue: 'MIG-2',
          worklogId: ids.get('work 1'),
          before: { issue: 'MIG-2', login: 'bob', start: '2024-05-02T09:00:00.000+0000', duration: 'PT2H', comment: 'work 1' },
          after: { issue: 'MIG-2', login: 'bob', start: '2024-05-02T09:00:00.000+0000', duration: 'PT30M', comment: 'work 1' },
        },
        {
          action: 'create',
          sourceId: 'src-5',
          issue: 'MIG-3',
          after: { issue: 'MIG-3', login: 'bob', start: '2024-05-06T09:00:00.000+0000', duration: 'PT6H', comment: 'work 5' },
        },
      ],
    );
  });

  test('with the state removed, a re-run adopts the exact matches and creates nothing', async () => {
    const lines = [entry(0), entry(1), entry(2, { comment: undefined }), entry(3)];
    write(lines);
    await sync();
    fs.rmSync(stateDir, { recursive: true });
    const again = await sync();
    assert.match(planLine(again)!, /^Plan: 0 creates, 0 updates, 0 deletes, 4 adopted from the target, 0 unchanged/);
    assert.deepEqual([again.summary.created, again.summary.adopted], [0, 4]);
    assert.deepEqual(await stored(), expected(lines));
    // Adopted entries are known from now on: an edit in the source updates them.
    write([entry(0, { duration: 'PT4H' }), entry(1), entry(2, { comment: undefined }), entry(3)]);
    const edit = await sync();
    assert.match(planLine(edit)!, /^Plan: 0 creates, 1 updates, 0 deletes, 0 adopted from the target, 3 unchanged/);
  });

  test('two exact matches in the target are reported, neither adopted nor a third created', async () => {
    for (let copy = 0; copy < 2; copy++) {
      await target.client.importWorklog('MIG-1', {
        createdBy: 'alice',
        createdAt: '2024-05-01T09:00:00.000+0000',
        start: '2024-05-01T09:00:00.000+0000',
        duration: 'PT1H',
        comment: 'work 0',
      });
    }
    write([entry(0), entry(1)]);
    const run = await sync();
    assert.match(planLine(run)!, /^Plan: 1 creates, .* 1 ambiguous$/);
    assert.deepEqual([run.summary.created, run.summary.failed], [1, 1]);
    assert.ok(
      run.out.some((line) => /^failed: src-0 \(MIG-1\): 2 worklogs on MIG-1 match it exactly/.test(line)),
      run.out.join('\n'),
    );
    assert.equal((await storedWorklogs(target, ['MIG-1'])).length, 2);
  });

  for (const api of ['tracker', 'timeport'] as const)
    test(`--api ${api}: a run stopped mid-way, even between a write and its state line, ends equal when run again`, async () => {
      const lines = Array.from({ length: 9 }, (_, index) => entry(index));
      write(lines);
      let writes = 0;
      await assert.rejects(
        sync({
          api,
          // Batches of 3 through Timeport's extension, one at a time: the fifth write is in the
          // second, stored whole, and the third is not sent.
          batchSize: 3,
          batchesInFlight: 1,
          afterWrite: () => {
            if (++writes === 5) throw new Error('stopped');
          },
        }),
        /stopped/,
      );
      const stored5 = api === 'tracker' ? 5 : 6;
      assert.equal((await storedWorklogs(target)).length, stored5);
      // As if killed after the fifth worklog was stored but before the state recorded it.
      const [stateFile] = fs.readdirSync(stateDir).filter((name) => name.startsWith('sync-'));
      const state = fs.readFileSync(path.join(stateDir, stateFile!), 'utf8').trimEnd().split('\n');
      fs.writeFileSync(path.join(stateDir, stateFile!), state.slice(0, -1).join('\n') + '\n');
      const again = await sync({ api });
      assert.match(
        planLine(again)!,
        api === 'tracker'
          ? /^Plan: 4 creates, 0 updates, 0 deletes, 1 adopted from the target, 4 unchanged/
          : /^Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 6 unchanged/,
      );
      assert.deepEqual(await stored(), expected(lines));
    });

  test('--api timeport: a run stopped at a write while the next batch is in flight ends equal when run again', async () => {
    const lines = Array.from({ length: 12 }, (_, index) => entry(index));
    write(lines);
    let writes = 0;
    await assert.rejects(
      sync({
        api: 'timeport',
        batchSize: 3,
        afterWrite: () => {
          if (++writes === 5) throw new Error('stopped');
        },
      }),
      /stopped/,
    );
    // The batch in flight when the run stopped finished: more is stored than was recorded.
    const storedAfterStop = (await storedWorklogs(target)).length;
    assert.ok(storedAfterStop >= 6 && storedAfterStop < 12, String(storedAfterStop));
    const again = await sync({ api: 'timeport' });
    assert.match(
      planLine(again)!,
      new RegExp(`^Plan: ${12 - storedAfterStop} creates, 0 updates, 0 deletes, 0 adopted from the target, ${storedAfterStop} unchanged`),
    );
    assert.deepEqual(await stored(), expected(lines));
  });

  test('an import whose answer was lost is found on the issue, not sent again', async () => {
    /** Stores the first worklog, then loses the answer as a broken connection would. */
    class LosingClient extends TrackerClient {
      lost = 0;
      override async importWorklog(issueKey: string, body: WorklogImportBody): Promise<TrackerWorklog> {
        const worklog = await super.importWorklog(issueKey, body);
        if (this.lost++ === 0) throw new AmbiguousWriteError(`POST /v3/issues/${issueKey}/worklogs/_import`, new Error('socket hang up'));
        return worklog;
      }
    }
    const client = new LosingClient({ baseUrl: target.url, token: ADMIN_TOKEN, orgId: '1', retries: 2, baseDelayMs: 10 });
    const lines = [entry(0), entry(1)];
    write(lines);
    const run = await sync({ client });
    assert.equal(client.lost, 2);
    assert.deepEqual([run.summary.created, run.summary.failed], [2, 0], run.out.join('\n'));
    assert.deepEqual(await stored(), expected(lines));
    assert.match(planLine(await sync())!, /^Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 2 unchanged/);
  });

  test('the state directory: $XDG_STATE_HOME/timeport, else ~/.local/state/timeport', () => {
    assert.equal(stateDirectory({ XDG_STATE_HOME: '/var/state' }, '/home/u'), '/var/state/timeport');
    assert.equal(stateDirectory({}, '/home/u'), '/home/u/.local/state/timeport');
    assert.equal(
      stateDirectory({ XDG_STATE_HOME: 'relative' }, '/home/u'),
      '/home/u/.local/state/timeport',
      'the XDG spec ignores a relative path',
    );
  });
});

describe('timeport sync from one organization (Tracker as a source) into another', () => {
  let source: Target;
  let target: Target;
  before(async () => {
    source = await startTarget();
    target = await startTarget();
  });
  after(async () => {
    await source.close();
    await target.close();
  });

  const shape = async (of: Target) =>
    (await storedWorklogs(of))
      .map(
        (worklog) => `${worklog.issue} ${worklog.login} ${worklog.start} ${worklog.createdAt} ${worklog.duration} ${worklog.comment ?? ''}`,
      )
      .sort();

  test('follows a worklog created, one edited and one deleted in the source over three runs', async () => {
    const stateDir = path.join(target.dir, 'state');
    const log = (issue: string, createdBy: string, day: number, duration: string, comment: string) => {
      const at = `2024-06-${String(day).padStart(2, '0')}T10:00:00.000+0000`;
      return source.client.importWorklog(issue, { createdBy, createdAt: at, start: at, duration, comment });
    };
    const sync = async (applyDeletes: boolean) => {
      const live = new TrackerSource({ client: source.client, orgLabel: 'org 1', toMs: Date.UTC(2026, 0, 1) });
      await live.check();
      const { summary, out } = await syncInto(target, { files: [], live, sourceLabel: live.label, stateDir, applyDeletes });
      return { summary, out, plan: out.find((line) => line.startsWith('Plan: ')) };
    };
    await log('MIG-1', 'alice', 1, 'PT1H', 'kept');
    const edited = await log('MIG-2', 'bob', 2, 'PT2H', 'edited');
    const deleted = await log('MIG-3', 'alice', 3, 'PT3H', 'deleted');
    const one = await sync(false);
    assert.equal(
      one.plan,
      'Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
      one.out.join('\n'),
    );
    assert.deepEqual(await shape(target), await shape(source));

    await log('MIG-1', 'bob', 4, 'PT4H', 'created');
    await source.client.editWorklog('MIG-2', edited.id, { duration: 'PT2H30M', comment: 'edited again' });
    const two = await sync(false);
    assert.equal(
      two.plan,
      'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts, 0 ambiguous',
      two.out.join('\n'),
    );
    assert.deepEqual(await shape(target), await shape(source));

    assert.equal(await source.client.deleteWorklog('MIG-3', deleted.id), true);
    const three = await sync(true);
    assert.equal(
      three.plan,
      'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
      three.out.join('\n'),
    );
    assert.deepEqual(await shape(target), await shape(source));
    assert.equal((await shape(target)).length, 3);
  });
});
