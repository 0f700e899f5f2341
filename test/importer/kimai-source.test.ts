/**
 * Kimai 2 as a live source, against a local server answering as Kimai's API documentation shows
 * (test/helpers/hosted-sources.ts, fixtures in test/fixtures/live/kimai/): the token is checked
 * first, timesheets of every user are paged until X-Total-Pages, 429 is waited out, running
 * timesheets are skipped and reported, there is no changesSince (Kimai lists no deletions), and a
 * sync runs the create/edit/delete cycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { KimaiSource, type KimaiSourceOptions } from '../../src/importer/live/kimai.js';
import type { LiveSource } from '../../src/importer/live/types.js';
import { KimaiServer } from '../helpers/hosted-sources.js';
import { createEditDeleteCycle, seedMarchEntries } from './hosted-cycle.js';
import { type Target, startTarget, collect } from './helpers.js';

describe('Kimai as a live source', () => {
  let server: KimaiServer;
  let ids: number[];
  let running: number;

  before(async () => {
    server = await new KimaiServer().start();
    ({ ids, running } = seedMarchEntries(server, 'alice'));
    server.add({ description: 'outside the window', start: '2024-04-02T09:00:00Z', minutes: 5 });
  });
  after(() => server.close());

  const source = (options: Partial<KimaiSourceOptions> = {}, notes: string[] = [], waits: number[] = []) =>
    new KimaiSource({
      url: server.url,
      token: server.token,
      window: { from: '2024-03-01', to: '2024-03-31' },
      report: (line) => notes.push(line),
      http: { baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) },
      ...options,
    });

  test('the token is checked first', async () => {
    await source().check();
    await assert.rejects(source({ token: 'wrong' }).check(), /Kimai refused the API token \(401\)/);
    await assert.rejects(
      source({ url: 'http://127.0.0.1:9' }).check(),
      /Kimai: GET \/api\/users\/me: .*is http:\/\/127\.0\.0\.1:9 a Kimai\?/,
    );
  });

  test('every timesheet of the window once, across pages; the running one skipped and reported; no changesSince', async () => {
    const notes: string[] = [];
    const reader = source({ pageSize: 3 }, notes);
    server.seen.length = 0;
    const records = await collect(reader.records());
    assert.deepEqual(
      records.map((record) => record.line),
      ids,
    );
    assert.deepEqual(reader.running, [running]);
    assert.match(notes.join('\n'), new RegExp(`timesheet ${running} is still running \\(no end yet\\): skipped`));
    assert.deepEqual(
      server.seen.map((request) => new URL(request.path, 'http://x').searchParams.get('page')),
      ['1', '2', '3'],
      'eight timesheets in pages of three, up to X-Total-Pages',
    );
    assert.equal(
      new URL(server.seen[0]!.path, 'http://x').search,
      '?user=all&full=true&orderBy=id&order=ASC&page=1&size=3&begin=2024-03-01T00%3A00%3A00&end=2024-03-31T23%3A59%3A59',
    );
    assert.equal((reader as LiveSource).changesSince, undefined, 'Kimai lists no deleted timesheets');

    const converted = reader.format.convert(records[0]!, { durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok, JSON.stringify(converted));
    assert.equal(converted.value.sourceId, `kimai:${ids[0]}`, 'the id the timesheet CSV reader gives too');
    assert.equal(converted.value.durationSeconds, 1800);
    assert.equal(new Date(converted.value.startMs).toISOString(), '2024-03-01T09:00:00.000Z', '10:00+0100');
    assert.deepEqual(converted.value.user, { id: '2', login: 'alice', name: 'Alice Example' });
  });

  test('429 is waited out for Retry-After', async () => {
    const waits: number[] = [];
    server.queued.push({ status: 429, headers: { 'retry-after': '4' }, body: { code: 429, message: 'Too Many Requests' } });
    assert.equal((await collect(source({}, [], waits).records())).length, 7);
    assert.deepEqual(waits, [4000]);
  });
});

describe('sync from Kimai into Timeport', () => {
  let server: KimaiServer;
  let target: Target;
  before(async () => {
    server = await new KimaiServer().start();
    target = await startTarget();
  });
  after(async () => {
    await server.close();
    await target?.close();
  });

  test('an entry created, one edited and one deleted in Kimai, over three runs', async () => {
    const notes: string[] = [];
    await createEditDeleteCycle(
      target,
      server,
      () =>
        new KimaiSource({
          url: server.url,
          token: server.token,
          window: { from: '2024-03-01', to: '2024-03-31' },
          report: (line) => notes.push(line),
        }),
      notes,
    );
  });
});
