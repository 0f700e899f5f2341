/**
 * Jira as a live source, against a local Jira built from its reference (test/helpers/jira-server.ts;
 * test/fixtures/live/jira/README.md names the pages): Cloud (v3, e-mail and API token, Atlassian
 * Document Format comments) and Server (v2, personal access token); pages of 1,000 ids, 429 waited
 * out, refused credentials and scopes as clear errors, `changesSince` with edits and deletions,
 * and a create/edit/delete cycle through `timeport sync` into Timeport, then a one-shot import.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LiveSourceCliOptions, liveSourceFrom } from '../../src/cli/live-source-options.js';
import { TrackerClient } from '../../src/client/tracker-client.js';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { CHANGES_OVERLAP_MS, JiraSource, type JiraSourceOptions } from '../../src/importer/live/jira.js';
import { ClockifySource } from '../../src/importer/live/clockify.js';
import { KimaiSource } from '../../src/importer/live/kimai.js';
import { RedmineSource } from '../../src/importer/live/redmine.js';
import { TempoSource } from '../../src/importer/live/tempo.js';
import { TogglSource } from '../../src/importer/live/toggl.js';
import { TrackerSource } from '../../src/importer/live/tracker.js';
import { moveIssueUpdate } from '../../src/importer/issue-update.js';
import { LiveSourceError } from '../../src/importer/live/types.js';
import type { RawRecord } from '../../src/importer/readers.js';
import { FakeJira, type FakeJiraUser } from '../helpers/jira-server.js';
import { type Target, importFiles, startTarget, syncInto, collect, planLine, storedLines } from './helpers.js';

const EMAIL = 'mia@example.com';
const TOKEN = 'jira-api-token-0001';
const ALICE: FakeJiraUser = { accountId: 'acc-alice', displayName: 'Alice A', emailAddress: 'alice@example.com', name: 'alice.a' };
const BOB: FakeJiraUser = { accountId: 'acc-bob', displayName: 'Bob B', name: 'bob.b' };
const settings = { zone: undefined, durations: DEFAULT_DURATION_SETTINGS };

const converted = (source: JiraSource, record: RawRecord) => {
  const entry = source.format.convert(record, settings);
  assert.ok(entry.ok, JSON.stringify(entry));
  return entry.value;
};

describe('Jira Cloud as a live source', () => {
  let jira: FakeJira;
  const waits: number[] = [];
  const source = (options: Partial<JiraSourceOptions> = {}) =>
    new JiraSource({
      url: jira.url,
      email: EMAIL,
      token: TOKEN,
      http: { baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) },
      ...options,
    });

  before(async () => {
    jira = new FakeJira({ deployment: 'Cloud', email: EMAIL, token: TOKEN, projects: ['MIG', 'OPS'] });
    await jira.start();
    for (const key of ['MIG-1', 'MIG-2', 'OPS-1']) jira.addIssue(key);
  });
  after(() => jira.close());

  test("the reference's own worklog example converts: ADF comment as text, exact seconds, the author's account id", () => {
    const [example] = JSON.parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/live/jira/worklog-list.json'), 'utf8'),
    ) as unknown[];
    const entry = converted(source(), { kind: 'json', file: 'jira', line: 100028, path: ['ED-1', 'worklogs', '100028'], value: example });
    assert.deepEqual(
      [entry.sourceId, entry.issueCandidate, entry.comment, entry.durationSeconds, new Date(entry.startMs).toISOString(), entry.user.id],
      ['jira:100028', 'ED-1', 'I did some work here.', 12000, '2021-01-17T12:34:00.000Z', '5b10a2844c20165700ede21g'],
    );
  });

  test('the URL, the credentials, the project and the JQL are checked before anything is read', async () => {
    await source().check();
    await assert.rejects(source({ token: 'wrong' }).check(), /Jira refused the e-mail and API token \(401\): You are not authenticated/);
    await assert.rejects(source({ email: undefined }).check(), /Jira refused the token \(401\).*add --source-email/);
    await assert.rejects(
      source({ project: 'NOPE' }).check(),
      /Jira has no project "NOPE" this account may see \(404\): No project could be found with key 'NOPE'/,
    );
    await assert.rejects(
      source({ jql: 'status = Done' }).check(),
      /refused \(400\): Error in the JQL Query: Field 'status' does not exist.*\(the JQL was \(status = Done\)\)/,
    );
    await assert.rejects(
      source({ url: 'http://127.0.0.1:9/' }).check(),
      /Jira: GET \/rest\/api\/2\/serverInfo: .*is http:\/\/127\.0\.0\.1:9\/ a Jira\?/,
    );
    await assert.rejects(
      source({ url: `${jira.url}/not-jira` }).check(),
      /Jira: no REST API at http:\/\/127\.0\.0\.1:\d+\/not-jira \(404\)/,
    );
    jira.allowed = false;
    try {
      await assert.rejects(
        source().check(),
        (error: unknown) =>
          error instanceof LiveSourceError && /Jira refused access \(403\): You do not have the permission/.test(error.message),
      );
    } finally {
      jira.allowed = true;
    }
  });

  test('2,500 worklogs over three pages of ids and three bulk reads, each once, with issue keys; 429 waited out', async () => {
    const ids: number[] = [];
    for (let index = 0; index < 2500; index++) {
      ids.push(
        jira.addWorklog({
          issue: index % 5 === 4 ? 'OPS-1' : `MIG-${(index % 2) + 1}`,
          author: index % 3 === 0 ? BOB : ALICE,
          started: new Date(Date.UTC(2024, 4, 1 + (index % 28), 9)).toISOString(),
          seconds: 60 * (1 + (index % 90)),
          comment: `entry ${index}`,
        }),
      );
    }
    jira.later();
    jira.requests.length = 0;
    waits.length = 0;
    jira.throttle = 2;
    const reader = source();
    await reader.check();
    const records = await collect(reader.records());
    assert.equal(records.length, 2500);
    assert.deepEqual(new Set(records.map((record) => record.line)), new Set(ids));
    assert.deepEqual(waits, [1000, 1000], 'Retry-After: 1, twice');
    assert.equal(jira.requests.filter((request) => request.startsWith('GET /rest/api/3/worklog/updated')).length, 3);
    assert.equal(jira.requests.filter((request) => request === 'POST /rest/api/3/worklog/list').length, 3);
    assert.equal(jira.requests.filter((request) => request === 'POST /rest/api/3/search/jql').length, 1, 'three issues, asked once');
    assert.deepEqual(
      jira.searches.at(-1)!.reconcileIssues,
      ['MIG-1', 'MIG-2', 'OPS-1'].map((key) => jira.issueId(key)).sort(),
      'the searched ids are reconciled: Cloud search sees issues made moments ago',
    );
    const sample = converted(
      reader,
      records.find((record) => record.line === ids[2494])!,
    );
    assert.deepEqual(
      [sample.issueCandidate, sample.comment, sample.user.id, sample.user.email],
      ['OPS-1', 'entry 2494', 'acc-alice', 'alice@example.com'],
    );

    // A project, a JQL filter and a window of days narrow the source.
    const count = async (options: Partial<JiraSourceOptions>) => {
      const narrowed = source(options);
      await narrowed.check();
      return (await collect(narrowed.records())).length;
    };
    assert.equal(await count({ project: 'MIG' }), 2000);
    assert.equal(await count({ project: 'MIG', jql: 'key in (MIG-2)' }), 1000);
    assert.equal(await count({ window: { from: '2024-05-01', to: '2024-05-02' } }), 180, 'days 1 and 2 of 28: 90 each');
  });
});

describe('Jira changes since a time', () => {
  let jira: FakeJira;
  before(async () => {
    jira = new FakeJira({ deployment: 'Cloud', email: EMAIL, token: TOKEN, projects: ['MIG'] });
    await jira.start();
    for (const key of ['MIG-1', 'MIG-2', 'OPS-1']) jira.addIssue(key);
  });
  after(() => jira.close());

  test('the edited worklog, and the ids of the deleted one and of one moved out of the project', async () => {
    const day = (n: number) => `2024-05-0${n}T09:00:00.000Z`;
    const [kept, edited, deleted, moved] = [1, 2, 3, 4].map((n) =>
      jira.addWorklog({ issue: 'MIG-1', author: ALICE, started: day(n), seconds: 3600, comment: `w${n}` }),
    );
    jira.later(10 * 60_000);
    const lastRun = new Date(jira.now);
    jira.later(10 * 60_000);
    jira.editWorklog(edited!, { seconds: 5400, comment: 'w2, longer' });
    jira.deleteWorklog(deleted!);
    jira.editWorklog(moved!, { issue: 'OPS-1' });
    const reader = new JiraSource({ url: jira.url, email: EMAIL, token: TOKEN, project: 'MIG' });
    await reader.check();

    // Within the minute Jira leaves out, nothing shows yet.
    const early = reader.changesSince(lastRun);
    assert.deepEqual([(await collect(early.records)).length, (await collect(early.deleted)).length], [0, 0]);

    jira.later();
    const changes = reader.changesSince(lastRun);
    const records = await collect(changes.records);
    assert.deepEqual(
      records.map((record) => converted(reader, record)).map((entry) => [entry.sourceId, entry.durationSeconds, entry.comment]),
      [[`jira:${edited}`, 5400, 'w2, longer']],
      'the untouched worklog is not read again',
    );
    assert.deepEqual(await collect(changes.deleted), [`jira:${deleted}`, `jira:${moved}`]);
    assert.ok(
      jira.requests.some((request) => request === `GET /rest/api/3/worklog/updated?since=${lastRun.getTime() - CHANGES_OVERLAP_MS}`),
      'asked from a little before the last run',
    );

    // Deleted ids asked for first read the changes themselves.
    const reversed = reader.changesSince(lastRun);
    assert.deepEqual(await collect(reversed.deleted), [`jira:${deleted}`, `jira:${moved}`]);
    assert.equal((await collect(reversed.records)).length, 1);

    const full = await collect(reader.records());
    assert.deepEqual(full.map((record) => record.line).sort(), [kept, edited].sort(), 'a full read agrees');
  });

  test('an issue gone between the worklog read and the key search does not stop the read', async () => {
    const orphan = jira.addIssue('MIG-9');
    const lost = jira.addWorklog({ issue: 'MIG-9', author: BOB, started: '2024-05-09T09:00:00.000Z', seconds: 60, comment: 'orphan' });
    jira.later();
    jira.issues.delete(orphan);
    jira.refuseUnknownIds = true;
    try {
      const reader = new JiraSource({ url: jira.url, email: EMAIL, token: TOKEN });
      await reader.check();
      const records = await collect(reader.records());
      const entry = converted(
        reader,
        records.find((record) => record.line === lost)!,
      );
      assert.equal(entry.issueCandidate, String(orphan), 'its issue keeps its id (for --issue-map, else the preflight lists it)');
      assert.ok(
        records.some((record) => converted(reader, record).issueCandidate === 'MIG-1'),
        'the other issues have their keys',
      );
    } finally {
      jira.refuseUnknownIds = false;
    }
  });
});

describe('Jira Server (REST v2, personal access token) as a live source', () => {
  let jira: FakeJira;
  before(async () => {
    jira = new FakeJira({ deployment: 'Server', token: 'server-pat-0001' });
    await jira.start();
    jira.addIssue('MIG-1');
  });
  after(() => jira.close());

  test('v2 paths, a Bearer token, plain comments, and the user name as login', async () => {
    const id = jira.addWorklog({ issue: 'MIG-1', author: BOB, started: '2024-05-03T08:00:00.000Z', seconds: 900, comment: 'plain text' });
    jira.later();
    const reader = new JiraSource({ url: jira.url, token: 'server-pat-0001' });
    await reader.check();
    const [record] = await collect(reader.records());
    const entry = converted(reader, record!);
    assert.deepEqual(
      [entry.sourceId, entry.issueCandidate, entry.comment, entry.user.login],
      [`jira:${id}`, 'MIG-1', 'plain text', 'bob.b'],
    );
    assert.ok(jira.requests.includes('POST /rest/api/2/search'));
    assert.ok(!jira.requests.some((request) => request.includes('/rest/api/3/')));
    await assert.rejects(new JiraSource({ url: jira.url, token: 'wrong' }).check(), /Jira refused the token \(401\)/);
    await assert.rejects(
      new JiraSource({ url: jira.url, email: EMAIL, token: 'server-pat-0001' }).check(),
      /Jira refused the e-mail and API token \(401\)/,
    );
  });
});

describe('sync and import from Jira into Timeport', () => {
  let jira: FakeJira;
  let target: Target;
  const userMap = new Map([
    ['acc-alice', 'alice'],
    ['acc-bob', 'bob'],
  ]);
  before(async () => {
    jira = new FakeJira({ deployment: 'Cloud', email: EMAIL, token: TOKEN, projects: ['MIG'] });
    await jira.start();
    for (const key of ['MIG-1', 'MIG-2', 'MIG-3', 'OPS-1']) jira.addIssue(key);
    target = await startTarget();
  });
  after(async () => {
    await jira.close();
    await target?.close();
  });

  const live = async () => {
    const reader = new JiraSource({ url: jira.url, email: EMAIL, token: TOKEN, project: 'MIG', http: { baseDelayMs: 10 } });
    await reader.check();
    return reader;
  };
  const sync = async (stateDir: string, applyDeletes = false) => {
    const reader = await live();
    // Worklogs are stamped with Jira's clock, which is now: after the target issues' last update.
    return syncInto(target, {
      files: [],
      live: reader,
      userMap,
      sourceLabel: reader.label,
      stateDir,
      applyDeletes,
      moveIssueUpdates: true,
    });
  };
  const plan = planLine;
  const stored = () => storedLines(target);

  test('a worklog created, one edited and one deleted in Jira, over three syncs (the third with --delete)', async () => {
    const stateDir = path.join(target.dir, 'jira-state');
    const ids = [
      jira.addWorklog({ issue: 'MIG-1', author: ALICE, started: '2024-05-01T09:00:00.000Z', seconds: 5400, comment: 'first' }),
      jira.addWorklog({ issue: 'MIG-2', author: BOB, started: '2024-05-02T10:00:00.000Z', seconds: 7200, comment: 'second\nline two' }),
      jira.addWorklog({ issue: 'MIG-1', author: BOB, started: '2024-05-03T11:30:00.000Z', seconds: 900 }),
      jira.addWorklog({ issue: 'OPS-1', author: BOB, started: '2024-05-03T11:30:00.000Z', seconds: 900, comment: 'not in MIG' }),
    ];
    jira.later();
    const one = await sync(stateDir);
    assert.equal(
      plan(one),
      'Plan: 3 creates, 0 updates, 0 deletes, 0 adopted from the target, 0 unchanged, 0 conflicts, 0 ambiguous',
      one.out.join('\n'),
    );
    assert.equal(one.summary.created, 3, one.out.join('\n'));
    assert.deepEqual(await stored(), [
      'MIG-1 alice 2024-05-01T09:00:00.000+0000 PT1H30M first',
      'MIG-1 bob 2024-05-03T11:30:00.000+0000 PT15M ',
      'MIG-2 bob 2024-05-02T10:00:00.000+0000 PT2H second\nline two',
    ]);

    jira.addWorklog({ issue: 'MIG-3', author: ALICE, started: '2024-05-04T08:00:00.000Z', seconds: 600, comment: 'fourth' });
    jira.editWorklog(ids[0]!, { seconds: 6300, comment: 'first, longer' });
    jira.later();
    const two = await sync(stateDir);
    assert.equal(
      plan(two),
      'Plan: 1 creates, 1 updates, 0 deletes, 0 adopted from the target, 2 unchanged, 0 conflicts, 0 ambiguous',
      two.out.join('\n'),
    );
    assert.deepEqual([two.summary.created, two.summary.updated, two.summary.failed], [1, 1, 0], two.out.join('\n'));

    jira.deleteWorklog(ids[1]!);
    jira.later();
    const three = await sync(stateDir, true);
    assert.equal(
      plan(three),
      'Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous',
      three.out.join('\n'),
    );
    assert.equal(three.summary.deleted, 1);
    const final = [
      'MIG-1 alice 2024-05-01T09:00:00.000+0000 PT1H45M first, longer',
      'MIG-1 bob 2024-05-03T11:30:00.000+0000 PT15M ',
      'MIG-3 alice 2024-05-04T08:00:00.000+0000 PT10M fourth',
    ];
    assert.deepEqual(await stored(), final);
    const four = await sync(stateDir, true);
    assert.equal(plan(four), 'Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, 3 unchanged, 0 conflicts, 0 ambiguous');

    // A one-shot import of the same Jira into another Timeport: the same entries, by the same source ids.
    const other = await startTarget();
    try {
      // The worklogs were written now, after the new target's issues last changed: move those first, as sync's --move-issue-updates does.
      for (const key of ['MIG-1', 'MIG-3']) await moveIssueUpdate(other.client, key, jira.now);
      const first = await importFiles(other, [], {
        files: [],
        live: await live(),
        userMap,
        journalPath: path.join(other.dir, 'jira.journal.ndjson'),
      });
      assert.equal(first.summary.created, 3, first.out.join('\n'));
      assert.match(first.out.join('\n'), /jira: 3/);
      assert.deepEqual(await storedLines(other), final);
      const again = await importFiles(other, [], {
        files: [],
        live: await live(),
        userMap,
        journalPath: path.join(other.dir, 'fresh.journal.ndjson'),
      });
      assert.deepEqual([again.summary.created, again.summary.alreadyPresent], [0, 3], 'the server knows each entry by its Jira id');
    } finally {
      await other.close();
    }
  });
});

describe('the --source jira and --source tempo options', () => {
  const lib = { RedmineSource, TrackerSource, TrackerClient, JiraSource, TempoSource, TogglSource, ClockifySource, KimaiSource };
  const refuse = (message: string) => new Error(message);
  const from = (options: LiveSourceCliOptions) => liveSourceFrom(lib, [], options, refuse);
  const jiraOptions: LiveSourceCliOptions = { source: 'jira', sourceUrl: 'https://example.atlassian.net', sourceToken: 't' };

  test('a Jira source with its project and JQL; options that do not fit are refused', () => {
    const source = from({ ...jiraOptions, sourceEmail: 'a@example.com', sourceProject: 'MIG', sourceJql: 'key in (MIG-1)' });
    assert.ok(source instanceof JiraSource);
    assert.equal(source.label, 'Jira https://example.atlassian.net (project MIG, JQL key in (MIG-1))');
    assert.throws(() => from({ ...jiraOptions, sourceOrg: '1' }), /--source-org do not apply to --source jira/);
    assert.throws(() => from({ ...jiraOptions, sourceJiraUrl: 'https://x' }), /--source-jira-url do not apply to --source jira/);
  });

  test('a Tempo source, with a Jira to look keys up in only when its URL and token are given', () => {
    const tempo: LiveSourceCliOptions = { source: 'tempo', sourceUrl: 'https://api.tempo.io', sourceToken: 't' };
    assert.ok(from(tempo) instanceof TempoSource);
    assert.ok(
      from({ ...tempo, sourceJiraUrl: 'https://example.atlassian.net', sourceJiraToken: 'j', sourceEmail: 'a@example.com' }) instanceof
        TempoSource,
    );
    assert.throws(() => from({ ...tempo, sourceJiraToken: 'j' }), /--source-jira-token and --source-email need --source-jira-url/);
    assert.throws(
      () => from({ ...tempo, sourceJiraUrl: 'https://example.atlassian.net' }),
      /--source-jira-url needs --source-jira-token or TIMEPORT_SOURCE_JIRA_TOKEN/,
    );
    assert.throws(() => from({ ...tempo, sourceProject: 'MIG' }), /--source-project do not apply to --source tempo/);
  });
});
