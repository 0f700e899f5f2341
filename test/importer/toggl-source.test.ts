/**
 * Toggl Track as a live source, against a local server answering as Toggl's reference shows
 * (test/helpers/hosted-sources.ts, fixtures in test/fixtures/live/toggl/): the token and the
 * workspace are checked first and the cost of a run said, the detailed report is paged by its
 * cursor, 402 (quota) and 429 are waited out, running entries are skipped and reported, the owner's
 * changes since a time come with the deleted ids, and a sync runs the create/edit/delete cycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { TogglSource, type TogglSourceOptions } from '../../src/importer/live/toggl.js';
import { TogglServer } from '../helpers/hosted-sources.js';
import { createEditDeleteCycle, seedMarchEntries } from './hosted-cycle.js';
import { type Target, startTarget, collect } from './helpers.js';

describe('Toggl Track as a live source', () => {
  let server: TogglServer;
  let ids: number[];
  let running: number;
  let elsewhere: number;

  before(async () => {
    server = await new TogglServer().start();
    server.now = () => Date.parse('2024-04-01T00:00:00Z');
    ({ ids, running } = seedMarchEntries(server, 'alice'));
    elsewhere = server.add({ user: 'alice', description: 'other workspace', start: '2024-03-21T09:00:00Z', minutes: 10, workspace: 99 });
  });
  after(() => server.close());

  const source = (options: Partial<TogglSourceOptions> = {}, notes: string[] = [], waits: number[] = []) =>
    new TogglSource({
      url: server.url,
      token: server.token,
      workspace: String(server.workspace),
      window: { from: '2024-03-01', to: '2024-03-31' },
      report: (line) => notes.push(line),
      http: { baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) },
      ...options,
    });

  test('the token and the workspace are checked first, and the cost of a run is said', async () => {
    const notes: string[] = [];
    await source({}, notes).check();
    assert.match(notes.join('\n'), /50 entries a request .*the workspace's quota has 30 requests left, resetting in 1800 s/);
    await assert.rejects(source({ token: 'wrong' }).check(), /Toggl refused the API token \(403\)/);
    await assert.rejects(source({ workspace: '999' }).check(), /Toggl has no workspace 999 this token may read \(403\)/);
    await assert.rejects(
      source({ url: 'http://127.0.0.1:9' }).check(),
      /Toggl: GET \/api\/v9\/me: .*is http:\/\/127\.0\.0\.1:9 Toggl Track\?/,
    );
  });

  test('every entry of the window once, across pages of the cursor; the running one skipped and reported', async () => {
    const notes: string[] = [];
    const reader = source({ pageSize: 3 }, notes);
    server.seen.length = 0;
    const records = await collect(reader.records());
    assert.deepEqual(records.map((record) => record.line).sort(), [...ids].sort(), 'seven stopped entries, none from another workspace');
    assert.ok(!records.some((record) => record.line === elsewhere));
    assert.deepEqual(reader.running, [running]);
    assert.match(notes.join('\n'), new RegExp(`entry ${running} of Alice Example is still running \\(no stop yet\\): skipped`));
    const bodies = server.seen.map((request) => request.body as { first_row_number?: number; page_size: number });
    assert.deepEqual(
      bodies.map((body) => body.first_row_number),
      [undefined, 4, 7],
      'eight rows in pages of three, each next page from X-Next-Row-Number',
    );
    assert.equal(reader.requests, 3);

    const converted = reader.format.convert(records[0]!, { durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok, JSON.stringify(converted));
    assert.equal(converted.value.sourceId, `toggl:${ids[0]}`, 'the id the detailed report CSV reader gives too');
    assert.equal(converted.value.durationSeconds, 1800);
    assert.equal(new Date(converted.value.startMs).toISOString(), '2024-03-01T09:00:00.000Z');
    assert.deepEqual(converted.value.user, { id: '7100001', name: 'Alice Example', email: undefined });
  });

  test('402 (the hourly quota) is waited out for X-Toggl-Quota-Resets-In, 429 for Retry-After', async () => {
    const notes: string[] = [];
    const waits: number[] = [];
    server.queued.push(
      { status: 402, headers: { 'x-toggl-quota-remaining': '0', 'x-toggl-quota-resets-in': '7' }, body: 'Quota exceeded' },
      { status: 429, headers: { 'retry-after': '2' }, body: 'Too Many Requests' },
    );
    const records = await collect(source({}, notes, waits).records());
    assert.equal(records.length, 7);
    assert.deepEqual(waits, [7000, 2000]);
    assert.match(notes.join('\n'), /hourly request quota is used up \(402\); waiting 7 s/);

    server.queued.push({
      status: 402,
      headers: { 'x-toggl-quota-remaining': '0', 'x-toggl-quota-resets-in': '3000' },
      body: 'Quota exceeded',
    });
    await assert.rejects(
      collect(source({ maxQuotaWaitMs: 60_000 }).records()),
      /Toggl: POST \/reports\/api\/v3\/workspace\/4242\/search\/time_entries: 402/,
    );
  });

  test("with ownEntries the window holds only the token owner's entries, with the owner's e-mail", async () => {
    const own = source({ ownEntries: true });
    await own.check();
    server.seen.length = 0;
    const records = await collect(own.records());
    assert.deepEqual(
      records.map((record) => record.line),
      ids.filter((_, index) => index % 2 === 0),
      "Alice's four",
    );
    assert.deepEqual((server.seen[0]!.body as { user_ids?: number[] }).user_ids, [7100001]);
    const converted = own.format.convert(records[0]!, { durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok);
    assert.equal(converted.value.user.email, 'alice@example.com', 'the same user fields as the changes give');
  });

  test("changes since a time: only with the owner's entries, the edited entry and the deleted id", async () => {
    assert.equal(source().changesSince, undefined, 'a whole workspace has no list of deletions');
    const own = source({ ownEntries: true });
    await own.check();
    server.now = () => Date.parse('2024-04-02T12:00:00Z');
    server.edit(ids[0]!, { minutes: 45 });
    server.delete(ids[2]!);
    server.edit(ids[1]!, { minutes: 50 }); // Bob's: not the owner's
    const changes = own.changesSince!(new Date('2024-04-02T00:00:00Z'));
    const records = await collect(changes.records);
    const deleted: string[] = [];
    for await (const id of changes.deleted) deleted.push(id);
    assert.deepEqual(
      records.map((record) => record.line),
      [ids[0]],
    );
    const converted = own.format.convert(records[0]!, { durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok);
    assert.equal(converted.value.durationSeconds, 2700);
    assert.deepEqual(converted.value.user, { id: '7100001', name: 'Alice Example', email: 'alice@example.com' });
    assert.deepEqual(deleted, [`toggl:${ids[2]}`]);
    assert.ok(
      server.seen.some((request) => request.path === `/api/v9/me/time_entries?since=${Date.parse('2024-04-02T00:00:00Z') / 1000}`),
      'since is UNIX seconds',
    );
  });
});

describe('sync from Toggl Track into Timeport', () => {
  let server: TogglServer;
  let target: Target;
  before(async () => {
    server = await new TogglServer().start();
    target = await startTarget();
  });
  after(async () => {
    await server.close();
    await target?.close();
  });

  test('an entry created, one edited and one deleted in Toggl, over three runs', async () => {
    const notes: string[] = [];
    await createEditDeleteCycle(
      target,
      server,
      () =>
        new TogglSource({
          url: server.url,
          token: server.token,
          workspace: String(server.workspace),
          window: { from: '2024-03-01', to: '2024-03-31' },
          report: (line) => notes.push(line),
        }),
      notes,
    );
  });
});
