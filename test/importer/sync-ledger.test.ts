/**
 * The sync's copy of Timeport's ledger (src/importer/sync-ledger.ts): what the plan compares of
 * each worklog in columns, on the rows of the state's index, and the worklog itself read back from
 * the scratch directory when a change needs it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ExternalWorklog } from '../../src/client/tracker-client.js';
import { ScratchDirectory } from '../../src/importer/scratch-directory.js';
import { SyncLedger } from '../../src/importer/sync-ledger.js';
import { SyncState, fingerprintValues } from '../../src/importer/sync-state.js';
import { tempDir } from '../../support/app.js';

const KEY = { source: 'entries.ndjson', target: 'http://127.0.0.1:1', org: '1' };
const START = Date.UTC(2024, 0, 1, 9);

function listed(externalId: string, id: number, options: { version?: number; synced?: number; start?: string; comment?: string } = {}) {
  return {
    externalId,
    source: 'entries.ndjson',
    syncedVersion: options.synced ?? 1,
    worklog: {
      id,
      version: options.version ?? 1,
      issue: { key: 'MIG-1' },
      createdBy: { id: '7' },
      createdAt: '2024-01-01T09:00:00.000+0000',
      start: options.start ?? '2024-01-01T09:00:00.000+0000',
      duration: 'PT30M',
      comment: options.comment ?? 'work',
    },
  } as unknown as ExternalWorklog;
}

async function* listing(items: ExternalWorklog[]): AsyncGenerator<ExternalWorklog> {
  yield* items;
}

describe('SyncLedger', () => {
  let temp: ReturnType<typeof tempDir>;
  let scratch: ScratchDirectory;
  beforeEach(() => {
    temp = tempDir('timeport-sync-ledger-');
    scratch = new ScratchDirectory(temp.dir);
  });
  afterEach(() => {
    scratch.dispose();
    temp.remove();
  });

  it('keeps, by row, whether the state has the same worklog, whether it moved, and a fingerprint of its values', async () => {
    const file = path.join(temp.dir, 'state.ndjson');
    const state = SyncState.load(file, KEY);
    state.open();
    const fp = { issue: 'MIG-1', login: 'alice', start: START, seconds: 1800, comment: 'work' };
    state.recordAll([
      { sourceId: 'same', entry: { worklogId: 1, fp } },
      { sourceId: 'other-worklog', entry: { worklogId: 99, fp } },
    ]);
    state.close();
    const loaded = SyncState.load(file, KEY);
    const ledger = await SyncLedger.read(
      listing([
        listed('same', 1),
        listed('other-worklog', 2, { version: 3, synced: 2 }),
        listed('ledger-only', 3, { comment: 'changed' }),
        listed('unreadable', 4, { start: 'yesterday' }),
      ]),
      loaded.index,
      loaded,
      scratch,
    );
    try {
      const row = (id: string) => loaded.index.rowOf(id);
      assert.equal(ledger.size, 4);
      assert.deepEqual([...ledger.rows()], ['same', 'other-worklog', 'ledger-only', 'unreadable'].map(row));
      assert.ok(ledger.inState(row('same')));
      assert.ok(!ledger.inState(row('other-worklog')), 'the state has another worklog for it');
      assert.ok(!ledger.inState(row('ledger-only')));
      assert.deepEqual([...ledger.idsNotInState].sort(), [2, 3, 4]);
      assert.ok(!ledger.versionMoved(row('same')));
      assert.ok(ledger.versionMoved(row('other-worklog')));
      const values = new Uint32Array(3);
      fingerprintValues(fp, values);
      assert.ok(ledger.valuesAre(row('same'), values));
      assert.ok(!ledger.valuesAre(row('ledger-only'), values));
      fingerprintValues({ ...fp, comment: 'changed' }, values);
      assert.ok(ledger.valuesAre(row('ledger-only'), values));
      assert.ok(!ledger.readable(row('unreadable')));
      assert.ok(!ledger.has(loaded.index.add('never-listed')));
      // The worklog itself, read back from the scratch directory.
      assert.deepEqual(ledger.itemAt(row('other-worklog')), {
        sourceId: 'other-worklog',
        worklog: {
          id: 2,
          issue: 'MIG-1',
          version: 3,
          syncedVersion: 2,
          values: { start: START, seconds: 1800, comment: 'work', authorId: '7', createdAt: START },
        },
      });
      assert.equal(ledger.itemAt(row('unreadable')).worklog.values, undefined);
      assert.deepEqual(fs.readdirSync(scratch.made!), ['ledger.ndjson']);
    } finally {
      ledger.close();
      loaded.close();
    }
  });
});
