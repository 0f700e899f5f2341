/**
 * Clockify as a live source, against a local server answering as Clockify's reference shows
 * (test/helpers/hosted-sources.ts, fixtures in test/fixtures/live/clockify/): the key and the
 * workspace are checked first, the detailed report is paged until its entriesCount, 429 is waited
 * out, running entries are skipped and reported, there is no changesSince (Clockify lists no
 * deletions), and a sync runs the create/edit/delete cycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { ClockifySource, type ClockifySourceOptions } from '../../src/importer/live/clockify.js';
import type { LiveSource } from '../../src/importer/live/types.js';
import { ClockifyServer } from '../helpers/hosted-sources.js';
import { createEditDeleteCycle, seedMarchEntries } from './hosted-cycle.js';
import { type Target, startTarget, collect } from './helpers.js';

describe('Clockify as a live source', () => {
  let server: ClockifyServer;
  let ids: string[];
  let running: string;

  before(async () => {
    server = await new ClockifyServer().start();
    ({ ids, running } = seedMarchEntries(server, 'bob'));
    server.add({ description: 'outside the window', start: '2024-04-02T09:00:00Z', minutes: 5 });
  });
  after(() => server.close());

  const source = (options: Partial<ClockifySourceOptions> = {}, notes: string[] = [], waits: number[] = []) =>
    new ClockifySource({
      url: server.url,
      apiKey: server.apiKey,
      workspace: server.workspace,
      window: { from: '2024-03-01', to: '2024-03-31' },
      report: (line) => notes.push(line),
      http: { baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) },
      ...options,
    });

  test('the key and the workspace are checked first', async () => {
    await source().check();
    await assert.rejects(source({ apiKey: 'wrong' }).check(), /Clockify refused the API key \(401\)/);
    await assert.rejects(source({ workspace: 'nope' }).check(), /Clockify has no workspace nope whose reports this key may read \(403\)/);
  });

  test('every entry of the window once, across pages; the running one skipped and reported; no changesSince', async () => {
    const notes: string[] = [];
    const reader = source({ pageSize: 3 }, notes);
    server.seen.length = 0;
    const records = await collect(reader.records());
    assert.deepEqual(
      records.map((record) => (record.kind === 'json' ? record.path[1] : undefined)),
      ids,
      'in the order of their start',
    );
    assert.deepEqual(reader.running, [running]);
    assert.match(notes.join('\n'), new RegExp(`entry ${running} of Bob Example is still running \\(no end yet\\): skipped`));
    assert.deepEqual(
      server.seen.map((request) => (request.body as { detailedFilter: { page: number } }).detailedFilter.page),
      [1, 2, 3],
      'eight entries in pages of three: the third page ends at entriesCount',
    );
    assert.equal((reader as LiveSource).changesSince, undefined, 'Clockify lists no deleted entries');

    const converted = reader.format.convert(records[1]!, { durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok, JSON.stringify(converted));
    assert.equal(converted.value.sourceId, `clockify:${ids[1]}`, 'the id the detailed report CSV reader gives too');
    assert.equal(converted.value.durationSeconds, 31 * 60);
    assert.deepEqual(converted.value.user, { id: '5a0ab5acb07987125438b002', name: 'Bob Example', email: 'bob@example.com' });
  });

  test('429 is waited out for Retry-After', async () => {
    const waits: number[] = [];
    server.queued.push({ status: 429, headers: { 'retry-after': '3' }, body: { message: 'Too many requests', code: 429 } });
    assert.equal((await collect(source({}, [], waits).records())).length, 7);
    assert.deepEqual(waits, [3000]);
  });
});

describe('sync from Clockify into Timeport', () => {
  let server: ClockifyServer;
  let target: Target;
  before(async () => {
    server = await new ClockifyServer().start();
    target = await startTarget();
  });
  after(async () => {
    await server.close();
    await target?.close();
  });

  test('an entry created, one edited and one deleted in Clockify, over three runs', async () => {
    const notes: string[] = [];
    await createEditDeleteCycle(
      target,
      server,
      () =>
        new ClockifySource({
          url: server.url,
          apiKey: server.apiKey,
          workspace: server.workspace,
          window: { from: '2024-03-01', to: '2024-03-31' },
          report: (line) => notes.push(line),
        }),
      notes,
    );
  });
});
