/**
 * Redmine as a live source, against a real Redmine 5 (Debian's package, started by
 * scripts/redmine.sh; .ci/run starts it): the key and project are checked first, entries are paged
 * past Redmine's 100 a page, users come with their login and e-mail, and an import from it into
 * Timeport keeps authors, days and exact durations, and creates nothing on a second run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { RedmineSource } from '../../src/importer/live/redmine.js';
import { RedmineAdmin, REDMINE_URL, redmineKey, skipWithoutRedmine } from '../../support/redmine.js';
import { type Target, importFiles, startTarget, storedWorklogs, importRedmineIssues } from './helpers.js';

const skip = await skipWithoutRedmine();

describe('Redmine as a live source', { skip }, () => {
  let admin: RedmineAdmin;
  let project: Awaited<ReturnType<RedmineAdmin['project']>>;
  const entryIds: number[] = [];
  const ENTRIES = 130;

  before(async () => {
    admin = new RedmineAdmin();
    project = await admin.project(['kate', 'liam'], 2);
    const activityId = await admin.activityId();
    for (let index = 0; index < ENTRIES; index++) {
      entryIds.push(
        await admin.logTime({
          issueId: project.issueIds[index % 2]!,
          userId: project.userIds.get(index % 3 === 0 ? 'liam' : 'kate')!,
          spentOn: `2024-03-${String((index % 28) + 1).padStart(2, '0')}`,
          hours: index === 0 ? 0.33 : 0.25 + (index % 4) * 0.5,
          comments: `entry ${index}`,
          activityId,
        }),
      );
    }
  });

  const source = (options: Partial<ConstructorParameters<typeof RedmineSource>[0]> = {}) =>
    new RedmineSource({ url: REDMINE_URL, apiKey: redmineKey()!, project: project.identifier, http: { baseDelayMs: 10 }, ...options });

  test('the key, the REST API and the project are checked before anything is read', async () => {
    await source().check();
    await assert.rejects(source({ apiKey: 'f'.repeat(40) }).check(), /Redmine refused the API key \(401\)/);
    await assert.rejects(source({ project: 'no-such-project-here' }).check(), /Redmine has no project "no-such-project-here"/);
    await assert.rejects(
      source({ url: 'http://127.0.0.1:9/' }).check(),
      /Redmine: GET \/users\/current\.json: .*is http:\/\/127\.0\.0\.1:9\/ a Redmine\?/,
    );
  });

  test("every entry of the project once, across pages of 100, with its user's login and e-mail", async () => {
    const records = [];
    for await (const record of source().records()) records.push(record);
    assert.equal(records.length, ENTRIES);
    assert.deepEqual(
      records.map((record) => record.line).sort((a, b) => a - b),
      [...entryIds].sort((a, b) => a - b),
    );
    const first = records.find((record) => record.line === entryIds[0])!;
    const converted = source().format.convert(first, { zone: 'Europe/Berlin', durations: DEFAULT_DURATION_SETTINGS });
    assert.ok(converted.ok, JSON.stringify(converted));
    assert.equal(converted.value.sourceId, `redmine:${entryIds[0]}`);
    assert.equal(converted.value.durationSeconds, 1188, '0.33 h is 1188 s exactly');
    assert.equal(new Date(converted.value.startMs).toISOString(), '2024-02-29T23:00:00.000Z', 'midnight of spent_on in Berlin');
    assert.equal(converted.value.issueCandidate, String(project.issueIds[0]));
    assert.match(converted.value.user.login ?? '', /^liam-/);
    assert.match(converted.value.user.email ?? '', /^liam-.*@example\.com$/);
  });

  test('a window of work days reads only its days', async () => {
    const records = [];
    for await (const record of source({ window: { from: '2024-03-01', to: '2024-03-02' } }).records()) records.push(record);
    // Days 1 and 2 of 28, over 130 entries: indexes 0, 1, 28, 29, 56, 57, 84, 85, 112, 113.
    assert.equal(records.length, 10);
  });

  describe('imported into Timeport', () => {
    let target: Target;
    before(async () => {
      // Redmine stamps created_on with the real time, and an import may not be written after its
      // issue's last update: the target issues are made after the entries.
      target = await startTarget([], ['kate', 'liam']);
    });
    after(() => target.close());

    test('authors, days and exact durations are kept; a second run creates nothing', async () => {
      await importRedmineIssues(target, project.issueIds.length);
      const issueMap = new Map(project.issueIds.map((id, index) => [String(id), `RED-${index + 1}`]));
      const userMap = new Map([...project.userIds.keys()].map((login) => [`${login}-${project.identifier.slice(4)}`, login]));
      const live = source();
      await live.check();
      const options = {
        files: [],
        live,
        zone: 'Europe/Berlin',
        userMap,
        issueRule: { map: issueMap },
        journalPath: path.join(target.dir, 'redmine.journal.ndjson'),
      };
      const first = await importFiles(target, [], options);
      assert.equal(first.summary.blocked, false, first.out.join('\n'));
      assert.equal(first.summary.created, ENTRIES, first.out.join('\n'));
      assert.match(first.out.join('\n'), /redmine-api: 130/);
      const stored = await storedWorklogs(target, ['RED-1', 'RED-2']);
      assert.equal(stored.length, ENTRIES);
      const zero = stored.find((worklog) => worklog.comment === 'entry 0')!;
      assert.deepEqual([zero.issue, zero.login, zero.start, zero.duration], ['RED-1', 'liam', '2024-02-29T23:00:00.000+0000', 'PT19M48S']);
      const again = await importFiles(target, [], { ...options, journalPath: path.join(target.dir, 'fresh.journal.ndjson') });
      assert.deepEqual(
        [again.summary.created, again.summary.alreadyPresent],
        [0, ENTRIES],
        'the server knows each entry by its Redmine id',
      );
    });
  });
});
