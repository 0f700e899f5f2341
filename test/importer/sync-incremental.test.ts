/**
 * `timeport sync` from a live source that can list its changes (`LiveSource.changesSince`), into
 * Timeport test targets: a second run reads only what changed, a deletion is seen (and read again
 * until applied), and `--full` compares everything, finding what a read of changes cannot see.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { TrackerClient, type TrackerWorklog } from '../../src/client/tracker-client.js';
import { nativeFormat } from '../../src/importer/formats/native.js';
import type { LiveSource, LiveSourceChanges } from '../../src/importer/live/types.js';
import type { RawRecord } from '../../src/importer/readers.js';
import type { SyncOptions } from '../../src/importer/sync.js';
import { ADMIN_TOKEN } from '../../support/app.js';
import { type NativeLine, type Target, startTarget, storedWorklogs, syncInto } from './helpers.js';

/** A source kept in memory that, like Jira's `/worklog/updated` and `/worklog/deleted`, lists what changed since a time. */
class MemorySource implements LiveSource {
  readonly label = 'memory source';
  readonly inputName = 'memory';
  readonly format = nativeFormat;
  private readonly entries = new Map<string, { entry: NativeLine; changedAt: number }>();
  private readonly deletions: { id: string; at: number }[] = [];
  /** Whole reads started (the preflight and the plan each go over the source once), and records listed as changed. */
  readCounts = { all: 0, changes: 0 };

  /** Sets an entry, changed at `at` (now unless given). */
  put(entry: NativeLine, at = Date.now()): void {
    this.entries.set(entry.externalId, { entry, changedAt: at });
  }

  delete(id: string): void {
    this.entries.delete(id);
    this.deletions.push({ id, at: Date.now() });
  }

  check(): Promise<void> {
    return Promise.resolve();
  }

  private record(entry: NativeLine, line: number): RawRecord {
    return { kind: 'json', file: this.inputName, line, value: { ...entry }, path: [line - 1] };
  }

  async *records(): AsyncGenerator<RawRecord> {
    let line = 0;
    this.readCounts.all++;
    for (const { entry } of this.entries.values()) {
      yield this.record(entry, ++line);
    }
  }

  changesSince(since: Date): LiveSourceChanges {
    const changed = [...this.entries.values()].filter((kept) => kept.changedAt >= since.getTime());
    const deleted = this.deletions.filter((deletion) => deletion.at >= since.getTime()).map((deletion) => deletion.id);
    return { records: this.listChanged(changed.map((kept) => kept.entry)), deleted: this.listDeleted(deleted) };
  }

  private async *listChanged(entries: NativeLine[]): AsyncGenerator<RawRecord> {
    let line = 0;
    for (const entry of entries) {
      this.readCounts.changes++;
      yield this.record(entry, ++line);
    }
  }

  private async *listDeleted(ids: string[]): AsyncGenerator<string> {
    yield* ids;
  }
}

/** Remembers which issues' worklogs were read. */
class CountingClient extends TrackerClient {
  readIssues: string[] = [];
  override issueWorklogs(issueKey: string, perPage?: number): AsyncGenerator<TrackerWorklog> {
    this.readIssues.push(issueKey);
    return super.issueWorklogs(issueKey, perPage);
  }
}

const entry = (index: number, changes: Partial<NativeLine> = {}): NativeLine => {
  const at = `2024-07-${String(index + 1).padStart(2, '0')}T09:00:00.000+0000`;
  return {
    externalId: `mem-${index}`,
    issue: `MIG-${(index % 3) + 1}`,
    createdBy: index % 2 === 0 ? 'alice' : 'bob',
    createdAt: at,
    start: at,
    duration: `PT${index + 1}H`,
    comment: `memory ${index}`,
    ...changes,
  };
};

for (const api of ['tracker', 'timeport'] as const)
  describe(`timeport sync --api ${api} from a source that lists its changes`, () => {
    let target: Target;
    let source: MemorySource;
    let client: CountingClient;
    let stateDir: string;
    // Entries the first run finds were last changed well before it (beyond the clock-skew overlap).
    const anHourAgo = () => Date.now() - 3_600_000;

    beforeEach(async () => {
      target = await startTarget();
      source = new MemorySource();
      client = new CountingClient({ baseUrl: target.url, token: ADMIN_TOKEN, orgId: '1', retries: 2, baseDelayMs: 10 });
      stateDir = path.join(target.dir, 'state');
      for (let index = 0; index < 4; index++) source.put(entry(index), anHourAgo());
    });
    afterEach(() => target.close());

    const sync = async (overrides: Partial<SyncOptions> = {}) => {
      source.readCounts = { all: 0, changes: 0 };
      client.readIssues = [];
      const run = await syncInto(target, { files: [], live: source, sourceLabel: source.label, stateDir, client, api, ...overrides });
      return {
        ...run,
        plan: run.out.find((line) => line.startsWith('Plan: ')),
        read: source.readCounts,
        issues: [...new Set(client.readIssues)],
      };
    };
    const stored = async () =>
      (await storedWorklogs(target)).map((worklog) => `${worklog.login} ${worklog.start} ${worklog.duration} ${worklog.comment}`).sort();

    test('a second run reads only what changed and plans it; the rest is unchanged without being read', async () => {
      const one = await sync();
      assert.equal(one.summary.api, api);
      assert.deepEqual(one.read, { all: 2, changes: 0 }, 'the first sync reads everything');
      assert.ok(one.out.includes('Source: memory source, read in full (first sync)'), one.out.join('\n'));
      assert.equal(one.summary.created, 4);

      const nothing = await sync();
      assert.deepEqual(nothing.read, { all: 0, changes: 0 });
      assert.equal(nothing.plan, 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 4 unchanged, 0 conflicts, 0 ambiguous');
      assert.deepEqual(nothing.issues, [], 'no target worklogs read either');

      // 1 (MIG-2) edited and 4 (MIG-2) new.
      source.put(entry(1, { duration: 'PT45M' }));
      source.put(entry(4));
      const two = await sync();
      assert.deepEqual(two.read, { all: 0, changes: 2 });
      assert.ok(
        two.out.some((line) =>
          /^Source: memory source, changes since \S+ \(the last sync started \S+; 15 minutes earlier for clock skew\): 2 changed, 0 deleted/.test(
            line,
          ),
        ),
        two.out.join('\n'),
      );
      assert.equal(two.plan, 'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');
      assert.deepEqual(two.issues, ['MIG-2'], 'only the issue of the changed entries is read in the target');
      assert.deepEqual(two.summary.preflight.total, 2, 'the preflight went over what was read');
      assert.deepEqual(await stored(), [
        'alice 2024-07-01T09:00:00.000+0000 PT1H memory 0',
        'alice 2024-07-03T09:00:00.000+0000 PT3H memory 2',
        'alice 2024-07-05T09:00:00.000+0000 PT5H memory 4',
        'bob 2024-07-02T09:00:00.000+0000 PT45M memory 1',
        'bob 2024-07-04T09:00:00.000+0000 PT4H memory 3',
      ]);
    });

    test('a deletion is seen, and read again until --delete applies it', async () => {
      await sync();
      source.delete('mem-0');
      const planned = await sync();
      assert.deepEqual(planned.read, { all: 0, changes: 0 });
      assert.equal(
        planned.plan,
        'Plan: 0 creates, 0 updates, 1 deletes (1 not applied without --delete), 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
      );
      assert.ok(
        planned.out.some((line) => line.startsWith('The next sync reads the source from where this one did again: 1 changes')),
        planned.out.join('\n'),
      );
      // The window did not move on: the deletion is still listed, and applied now.
      const applied = await sync({ applyDeletes: true });
      assert.equal(applied.plan, 'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');
      assert.equal(applied.summary.deleted, 1);
      assert.equal((await stored()).length, 3);
      const after = await sync({ applyDeletes: true });
      assert.equal(after.plan, 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');
    });

    test('--full reads everything and finds a change the read of changes cannot see (an edit in the target)', async () => {
      await sync();
      const edited = (await storedWorklogs(target)).find((worklog) => worklog.comment === 'memory 2')!;
      await target.client.editWorklog(edited.issue, edited.id, { duration: 'PT10M' });
      const incremental = await sync();
      assert.equal(
        incremental.plan,
        'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 4 unchanged, 0 conflicts, 0 ambiguous',
      );
      const full = await sync({ full: true });
      assert.deepEqual(full.read, { all: 2, changes: 0 });
      assert.ok(full.out.includes('Source: memory source, read in full (--full)'), full.out.join('\n'));
      assert.equal(full.plan, 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 1 conflicts, 0 ambiguous');
      assert.ok(
        full.out.some((line) => line.includes(`mem-2: worklog ${edited.id} on MIG-3: changed in the target since the last sync`)),
        full.out.join('\n'),
      );
      const preferred = await sync({ full: true, preferSource: true });
      assert.equal(preferred.summary.updated, 1);
      assert.ok((await stored()).includes('alice 2024-07-03T09:00:00.000+0000 PT3H memory 2'));
    });
  });
