/**
 * Tempo (REST API 4) as a live source, against a local Tempo built from its reference
 * (test/helpers/tempo-server.ts; test/fixtures/live/tempo/README.md names the pages): pages of
 * 5,000, 429 waited out, refused tokens as clear errors, issue keys looked up in a (local) Jira or
 * mapped with --issue-map, local start times in --timezone, no `changesSince` (Tempo lists no
 * deletions), and a create/edit/delete cycle through `timeport sync` into Timeport.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { TempoSource, type TempoSourceOptions } from '../../src/importer/live/tempo.js';
import type { LiveSource } from '../../src/importer/live/types.js';
import type { RawRecord } from '../../src/importer/readers.js';
import { FakeJira } from '../helpers/jira-server.js';
import { FakeTempo } from '../helpers/tempo-server.js';
import { type Target, importFiles, startTarget, syncInto, collect, planLine, storedLines } from './helpers.js';

const TOKEN = 'tempo-token-0001';
const ZONE = 'Europe/Berlin';

const converted = (source: TempoSource, record: RawRecord) => {
  const entry = source.format.convert(record, { zone: ZONE, durations: DEFAULT_DURATION_SETTINGS });
  assert.ok(entry.ok, JSON.stringify(entry));
  return entry.value;
};

describe('Tempo as a live source', () => {
  let tempo: FakeTempo;
  const waits: number[] = [];
  const source = (options: Partial<TempoSourceOptions> = {}) =>
    new TempoSource({ url: tempo.url, token: TOKEN, http: { baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) }, ...options });

  before(async () => {
    tempo = new FakeTempo(TOKEN);
    await tempo.start();
  });
  after(() => tempo.close());

  test("the reference's example worklog converts: local start in --timezone, exact seconds, the issue id, no changesSince", () => {
    const page = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/live/tempo/worklogs-page.json'), 'utf8')) as {
      results: unknown[];
    };
    const entry = converted(source(), { kind: 'json', file: 'tempo', line: 3920, path: ['results', 0], value: page.results[0] });
    assert.deepEqual(
      [entry.sourceId, entry.issueCandidate, entry.comment, entry.durationSeconds, new Date(entry.startMs).toISOString(), entry.user.id],
      ['tempo:3920', '10991', 'asdf', 3600, '2019-11-27T15:11:15.000Z', '557058:3322bc29-17c6-493f-b4f5-1945319acf06'],
    );
    const live: LiveSource = source();
    assert.equal(live.changesSince, undefined, 'Tempo lists no deleted worklogs');
  });

  test('the token and the URL are checked before anything is read', async () => {
    await source().check();
    await assert.rejects(source({ token: 'wrong' }).check(), /Tempo refused the token \(401\)/);
    await assert.rejects(
      source({ url: `${tempo.url}/nope` }).check(),
      /Tempo: no worklog API at http:\/\/127\.0\.0\.1:\d+\/nope\/4\/worklogs \(404\)/,
    );
    await assert.rejects(
      source({ url: 'http://127.0.0.1:9/' }).check(),
      /Tempo: GET \/4\/worklogs.*is http:\/\/127\.0\.0\.1:9\/ Tempo's API/,
    );
    tempo.allowed = false;
    try {
      await assert.rejects(source().check(), /Tempo refused access \(403\)/);
    } finally {
      tempo.allowed = true;
    }
  });

  test('12,000 worklogs in three pages of 5,000, each once; 429 waited out; a window of days', async () => {
    const ids: number[] = [];
    for (let index = 0; index < 12_000; index++) {
      ids.push(
        tempo.add({
          issueId: 10_001 + (index % 3),
          accountId: `acc-${index % 2}`,
          startDate: `2024-05-${String((index % 28) + 1).padStart(2, '0')}`,
          startTime: '09:30:00',
          seconds: 60 * (1 + (index % 50)),
          description: `entry ${index}`,
        }),
      );
    }
    tempo.requests.length = 0;
    waits.length = 0;
    tempo.throttle = 1;
    const records = await collect(source().records());
    assert.equal(records.length, 12_000);
    assert.deepEqual(new Set(records.map((record) => record.line)), new Set(ids));
    assert.deepEqual(waits, [1000]);
    assert.deepEqual(
      tempo.requests
        .filter((request) => request.startsWith('GET /4/worklogs'))
        .map((request) => new URL(request.slice(4), 'http://x').searchParams.get('offset')),
      ['0', '0', '5000', '10000'],
      'the throttled request again, then each page once',
    );
    const window = await collect(source({ window: { from: '2024-05-01', to: '2024-05-01' } }).records());
    assert.equal(window.length, 429, 'day 1 of 28');
    for (const id of ids) tempo.delete(id);
  });

  test('issue keys are looked up in Jira when a Jira is given', async () => {
    const jira = new FakeJira({ deployment: 'Cloud', email: 'mia@example.com', token: 'jira-token' });
    await jira.start();
    try {
      const issueId = jira.addIssue('MIG-7');
      const id = tempo.add({
        issueId,
        accountId: 'acc-1',
        startDate: '2024-05-02',
        startTime: '08:00:00',
        seconds: 1800,
        description: 'keyed',
      });
      const other = tempo.add({
        issueId: 99_999,
        accountId: 'acc-1',
        startDate: '2024-05-02',
        startTime: '09:00:00',
        seconds: 60,
        description: 'unknown',
      });
      const reader = source({ jira: { url: jira.url, email: 'mia@example.com', token: 'jira-token' } });
      await reader.check();
      const entries = (await collect(reader.records())).map((record) => converted(reader, record));
      assert.deepEqual(
        entries.map((entry) => [entry.sourceId, entry.issueCandidate]),
        [
          [`tempo:${id}`, 'MIG-7'],
          [`tempo:${other}`, '99999'],
        ],
        'an issue Jira does not show keeps its id (for --issue-map)',
      );
      assert.deepEqual(
        jira.requests.filter((request) => request.includes('search')),
        ['POST /rest/api/3/search/jql'],
      );
      await assert.rejects(
        source({ jira: { url: jira.url, email: 'mia@example.com', token: 'wrong' } }).check(),
        /Jira refused the e-mail and API token \(401\)/,
      );
      tempo.delete(id);
      tempo.delete(other);
    } finally {
      await jira.close();
    }
  });
});

describe('sync and import from Tempo into Timeport', () => {
  let tempo: FakeTempo;
  let target: Target;
  const userMap = new Map([
    ['acc-alice', 'alice'],
    ['acc-bob', 'bob'],
  ]);
  const issueMap = new Map([
    ['10001', 'MIG-1'],
    ['10002', 'MIG-2'],
    ['10003', 'MIG-3'],
  ]);
  before(async () => {
    tempo = new FakeTempo(TOKEN);
    await tempo.start();
    target = await startTarget();
  });
  after(async () => {
    await tempo.close();
    await target?.close();
  });

  const live = async () => {
    const reader = new TempoSource({ url: tempo.url, token: TOKEN, http: { baseDelayMs: 10 } });
    await reader.check();
    return reader;
  };
  const sync = async (stateDir: string, applyDeletes = false) => {
    const reader = await live();
    return syncInto(target, {
      files: [],
      live: reader,
      zone: ZONE,
      userMap,
      issueRule: { map: issueMap },
      sourceLabel: reader.label,
      stateDir,
      applyDeletes,
    });
  };
  const plan = planLine;
  const shape = (into: Target) => storedLines(into);

  test('a worklog created, one edited and one deleted in Tempo, over three syncs (the third with --delete); then a one-shot import', async () => {
    const stateDir = path.join(target.dir, 'tempo-state');
    const ids = [
      tempo.add({
        issueId: 10001,
        accountId: 'acc-alice',
        startDate: '2024-05-01',
        startTime: '09:00:00',
        seconds: 5400,
        description: 'first',
      }),
      tempo.add({
        issueId: 10002,
        accountId: 'acc-bob',
        startDate: '2024-05-02',
        startTime: '10:15:00',
        seconds: 7200,
        description: 'second',
      }),
      tempo.add({
        issueId: 10001,
        accountId: 'acc-bob',
        startDate: '2024-05-03',
        startTime: '23:30:00',
        seconds: 900,
        description: 'late',
      }),
    ];
    const one = await sync(stateDir);
    assert.equal(
      plan(one),
      'Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
      one.out.join('\n'),
    );
    assert.deepEqual(await shape(target), [
      'MIG-1 alice 2024-05-01T07:00:00.000+0000 PT1H30M first',
      'MIG-1 bob 2024-05-03T21:30:00.000+0000 PT15M late',
      'MIG-2 bob 2024-05-02T08:15:00.000+0000 PT2H second',
    ]);

    tempo.add({
      issueId: 10003,
      accountId: 'acc-alice',
      startDate: '2024-05-04',
      startTime: '08:00:00',
      seconds: 600,
      description: 'fourth',
    });
    tempo.edit(ids[0]!, { seconds: 6300, startTime: '09:30:00' });
    const two = await sync(stateDir);
    assert.equal(
      plan(two),
      'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts, 0 ambiguous',
      two.out.join('\n'),
    );
    assert.deepEqual([two.summary.created, two.summary.updated, two.summary.failed], [1, 1, 0], two.out.join('\n'));

    tempo.delete(ids[1]!);
    const three = await sync(stateDir, true);
    assert.equal(
      plan(three),
      'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
      three.out.join('\n'),
    );
    assert.equal(three.summary.deleted, 1);
    const final = [
      'MIG-1 alice 2024-05-01T07:30:00.000+0000 PT1H45M first',
      'MIG-1 bob 2024-05-03T21:30:00.000+0000 PT15M late',
      'MIG-3 alice 2024-05-04T06:00:00.000+0000 PT10M fourth',
    ];
    assert.deepEqual(await shape(target), final);

    const other = await startTarget();
    try {
      const options = { files: [], zone: ZONE, userMap, issueRule: { map: issueMap } };
      const first = await importFiles(other, [], {
        ...options,
        live: await live(),
        journalPath: path.join(other.dir, 'tempo.journal.ndjson'),
      });
      assert.equal(first.summary.created, 3, first.out.join('\n'));
      assert.match(first.out.join('\n'), /tempo: 3/);
      assert.deepEqual(await shape(other), final);
      const again = await importFiles(other, [], {
        ...options,
        live: await live(),
        journalPath: path.join(other.dir, 'fresh.journal.ndjson'),
      });
      assert.deepEqual([again.summary.created, again.summary.alreadyPresent], [0, 3], 'the server knows each entry by its Tempo id');
    } finally {
      await other.close();
    }
  });
});
