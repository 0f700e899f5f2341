/**
 * The create/edit/delete cycle every hosted live source goes through, as the Redmine cycle test
 * does (redmine-sync.test.ts): three runs of `timeport sync` into a Timeport target, each plan
 * checked, the third with --delete, then one that plans nothing. A running entry is there from
 * the start and is never imported. Not a test file.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { LiveSource } from '../../src/importer/live/types.js';
import { type Target, syncInto, planLine, storedLines } from './helpers.js';

export interface CycleService<Id> {
  add(entry: { user?: 'alice' | 'bob'; description: string; start: string; minutes?: number }): Id;
  edit(id: Id, change: { minutes: number }): void;
  delete(id: Id): void;
}

/**
 * The entries each hosted-source suite starts from: seven finished ones in March 2024 (alice and
 * bob in turn, on MIG-1 to MIG-3, 30 to 36 minutes), then one still running. Answers their ids, the
 * finished ones in the order of their start.
 */
export function seedMarchEntries<Id>(service: Pick<CycleService<Id>, 'add'>, runningUser: 'alice' | 'bob'): { ids: Id[]; running: Id } {
  const ids = Array.from({ length: 7 }, (_, index) =>
    service.add({
      user: index % 2 === 0 ? 'alice' : 'bob',
      description: `MIG-${(index % 3) + 1} entry ${index}`,
      start: `2024-03-${String(index + 1).padStart(2, '0')}T09:00:00Z`,
      minutes: 30 + index,
    }),
  );
  const running = service.add({ user: runningUser, description: 'MIG-1 running', start: '2024-03-20T09:00:00Z' });
  return { ids, running };
}

/** Source users as the local services name them → the target's logins. */
export const CYCLE_USERS = new Map([
  ['alice example', 'alice'],
  ['bob example', 'bob'],
]);

export async function createEditDeleteCycle<Id>(
  target: Target,
  service: CycleService<Id>,
  live: () => LiveSource,
  notes: string[],
): Promise<void> {
  const stateDir = path.join(target.dir, 'state');
  const sync = async (applyDeletes = false) => {
    const source = live();
    await source.check();
    return syncInto(target, {
      files: [],
      live: source,
      userMap: CYCLE_USERS,
      issueRule: { regex: /^(MIG-\d+)/ },
      sourceLabel: source.label,
      stateDir,
      applyDeletes,
    });
  };
  const plan = planLine;
  const stored = () => storedLines(target);

  const first = service.add({ user: 'alice', description: 'MIG-1 design review', start: '2024-03-01T09:00:00Z', minutes: 90 });
  const second = service.add({ user: 'bob', description: 'MIG-2 schema', start: '2024-03-02T10:00:00Z', minutes: 120 });
  service.add({ user: 'alice', description: 'MIG-1 notes', start: '2024-03-03T08:00:00Z', minutes: 15 });
  service.add({ user: 'bob', description: 'MIG-3 still going', start: '2024-03-05T07:00:00Z' });

  const one = await sync();
  assert.equal(
    plan(one),
    'Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
    one.out.join('\n'),
  );
  assert.equal(one.summary.created, 3, one.out.join('\n'));
  assert.deepEqual(await stored(), [
    'MIG-1 alice 2024-03-01T09:00:00.000+0000 PT1H30M MIG-1 design review',
    'MIG-1 alice 2024-03-03T08:00:00.000+0000 PT15M MIG-1 notes',
    'MIG-2 bob 2024-03-02T10:00:00.000+0000 PT2H MIG-2 schema',
  ]);
  assert.ok(
    notes.some((line) => /still running \(no (stop|end) yet\): skipped/.test(line)),
    `the running entry is reported:\n${notes.join('\n')}`,
  );

  // Created, and edited (the duration).
  service.add({ user: 'alice', description: 'MIG-2 review', start: '2024-03-04T13:00:00Z', minutes: 180 });
  service.edit(first, { minutes: 150 });
  const two = await sync();
  assert.equal(
    plan(two),
    'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts, 0 ambiguous',
    two.out.join('\n'),
  );
  assert.deepEqual([two.summary.created, two.summary.updated, two.summary.failed], [1, 1, 0], two.out.join('\n'));

  // Deleted.
  service.delete(second);
  const three = await sync(true);
  assert.equal(
    plan(three),
    'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
    three.out.join('\n'),
  );
  assert.equal(three.summary.deleted, 1);
  assert.deepEqual(await stored(), [
    'MIG-1 alice 2024-03-01T09:00:00.000+0000 PT2H30M MIG-1 design review',
    'MIG-1 alice 2024-03-03T08:00:00.000+0000 PT15M MIG-1 notes',
    'MIG-2 alice 2024-03-04T13:00:00.000+0000 PT3H MIG-2 review',
  ]);

  const four = await sync(true);
  assert.equal(plan(four), 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');
}
