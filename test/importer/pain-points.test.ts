import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS, secondsFromDecimalHours, secondsFromJiraPretty } from '../../src/importer/durations.js';
import { loadMappingFile } from '../../src/importer/mapping.js';
import { reconcile } from '../../src/importer/reconcile.js';
import { parseTimeZone } from '../../src/domain/time-zone.js';
import { parseSourceTimestamp } from '../../src/importer/time.js';
import { type Target, fixture, importFiles, startTarget, storedWorklogs, forgetDoneLines } from './helpers.js';

/** One test per pain point of docs/peer-importers.md (the client's side of each). */
describe('the ten pain points of peer importers', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());

  const jiraOptions = () => ({ issueRule: { map: loadMappingFile(fixture('jira-issue-map.csv'), 'map') }, zone: 'Europe/Berlin' });

  test('pain point 1: re-running an import creates nothing new (batch API and plain Tracker API, with or without the journal)', async () => {
    const first = await importFiles(target, [fixture('native-entries.csv')]);
    assert.equal(first.summary.created, 2);
    const stored = await storedWorklogs(target);
    const again = await importFiles(target, [fixture('native-entries.csv')]);
    assert.deepEqual([again.summary.created, again.summary.skipped], [0, 2], 'the journal skips what was done');
    const withoutJournal = await importFiles(target, [fixture('native-entries.csv')], {
      journalPath: path.join(target.dir, 'fresh.ndjson'),
    });
    assert.deepEqual([withoutJournal.summary.created, withoutJournal.summary.alreadyPresent], [0, 2], 'the server knows the external ids');
    assert.deepEqual(await storedWorklogs(target), stored);
  });

  test('pain point 2: the original author is kept, mapped explicitly, never the importer', async () => {
    await importFiles(target, [fixture('jira-worklogs-MIG-1.json')], jiraOptions());
    const worklogs = (await storedWorklogs(target, ['MIG-1'])).filter((worklog) => worklog.start.startsWith('2024-03-1'));
    assert.deepEqual([...new Set(worklogs.map((worklog) => worklog.login))].sort(), ['alice', 'bob']);
  });

  test('pain point 3: original timestamps are kept, never stamped "now"', async () => {
    const worklogs = await storedWorklogs(target, ['MIG-1']);
    const late = worklogs.find((worklog) => worklog.comment === 'Late night: fixed the export job');
    assert.equal(late?.createdAt, '2024-03-15T00:05:12.345+0000');
    assert.equal(late?.start, '2024-03-14T22:30:00.000+0000');
  });

  test('pain point 4: an entry crossing midnight in Europe/Berlin stays on its original day; offsets are never guessed, abbreviations refused', async () => {
    const jira = await importFiles(target, [fixture('jira-worklogs-MIG-1.json')], jiraOptions());
    // The 23:30 entry of 90 min, and a 35-hour one.
    assert.equal(jira.summary.preflight.crossingMidnight.count, 2);
    assert.match(
      jira.out.join('\n'),
      /crossing midnight in Europe\/Berlin: 2\n.*jira-worklogs-MIG-1.json:\d+: starts 2024-03-14, ends 2024-03-15 \(kept on its start day\)/,
    );
    const result = await reconcile(
      {
        files: [fixture('jira-worklogs-MIG-1.json')],
        durations: DEFAULT_DURATION_SETTINGS,
        ...jiraOptions(),
        userMap: loadMappingFile(fixture('users.csv'), 'u'),
      },
      target.client,
    );
    // MIG-1 also holds entries of other files (other days); the Jira days match exactly.
    assert.deepEqual(
      result.differences.filter((difference) => difference.day < '2024-03-20'),
      [],
    );
    // The 23:30 entry is on the 14th in Berlin, the 00:30 one on the 15th (though the 14th in UTC).
    const days = (await storedWorklogs(target, ['MIG-1'])).filter(
      (worklog) => worklog.login === 'alice' && worklog.start.startsWith('2024-03-14'),
    );
    assert.equal(days.length, 2, 'both are on the 14th in UTC');
    const { dayInZone } = await import('../../src/domain/time-zone.js');
    assert.deepEqual(days.map((worklog) => dayInZone(Date.parse(worklog.start.replace('+0000', 'Z')), 'Europe/Berlin')).sort(), [
      '2024-03-14',
      '2024-03-15',
    ]);

    assert.equal(parseTimeZone('CEST').ok, false);
    assert.match((parseTimeZone('CEST') as { error: string }).error, /abbreviation/);
    assert.match((parseSourceTimestamp('2024-03-14 23:30 CEST', 'Europe/Berlin') as { error: string }).error, /abbreviation CEST/);
    assert.match((parseSourceTimestamp('2024-03-31 02:30', 'Europe/Berlin') as { error: string }).error, /does not exist/);
    assert.match((parseSourceTimestamp('2024-10-27 02:30', 'Europe/Berlin') as { error: string }).error, /happens twice/);
    const noZone = await importFiles(target, [fixture('toggl-detailed.csv')], { issueRule: { regex: /MIG-\d+/ } });
    assert.equal(noZone.summary.blocked, true);
    assert.match(noZone.out.join('\n'), /has no UTC offset; give --timezone <IANA name>/);
  });

  test('pain point 5: durations are exact seconds, never rounded silently (59 min 30 s, Clockify decimals, 7-hour days, P5D)', async () => {
    const settings = DEFAULT_DURATION_SETTINGS;
    assert.match(
      (secondsFromDecimalHours('1.6833', settings) as { error: string }).error,
      /not a whole number of seconds.*--round-to-second/,
    );
    assert.deepEqual(secondsFromDecimalHours('1.6833', { ...settings, roundToSecond: true }), {
      ok: true,
      value: { seconds: 6060, roundedFrom: '1.6833 h = 6059.88 s' },
    });
    assert.deepEqual(secondsFromDecimalHours('0.33', settings), { ok: true, value: { seconds: 1188 } });
    assert.deepEqual(secondsFromJiraPretty('1d 2h', { ...settings, hoursPerDay: 7 }), { ok: true, value: { seconds: 9 * 3600 } });
    const known = new Set((await storedWorklogs(target)).map((worklog) => worklog.id));
    const run = await importFiles(target, [fixture('clockify-detailed.csv')], {
      zone: 'Europe/Berlin',
      dateOrder: 'MDY',
      issueRule: { column: 'Task' },
    });
    assert.equal(run.summary.created, 2);
    const added = (await storedWorklogs(target)).filter((worklog) => !known.has(worklog.id));
    assert.ok(
      added.some((worklog) => worklog.duration === 'PT1H41M'),
      '1:41:00 (1.68 h) is 6060 s, not 6048 or 6059',
    );
    const native = await storedWorklogs(target);
    assert.ok(native.some((worklog) => worklog.duration === 'PT59M30S'));
    assert.ok(
      native.some((worklog) => worklog.duration === 'P1W'),
      'P5D comes back as P1W',
    );
  });

  test('pain point 6: unmapped users and missing users or issues are listed before anything is sent', async () => {
    const before = (await storedWorklogs(target)).length;
    const unmapped = await importFiles(target, [fixture('toggl-detailed.csv')], {
      zone: 'Europe/Berlin',
      issueRule: { regex: /MIG-\d+/ },
      userMap: undefined,
    });
    assert.equal(unmapped.summary.blocked, true);
    const text = unmapped.out.join('\n');
    assert.match(
      text,
      /unmapped users: 2\n {4}Anna Schmidt <anna.schmidt@example.com> \(2 entries\)\n {4}Ben Okafor <ben.okafor@example.com> \(1 entries\)/,
    );
    assert.match(text, /Nothing was sent/);
    const missing = await importFiles(target, [fixture('kimai-export.csv')], {
      zone: 'Europe/Berlin',
      issueRule: { regex: /MIG-\d+/, map: new Map([['mig-2', 'MIG-99']]) },
      userMap: new Map([['anna schmidt', 'carol']]),
    });
    assert.equal(missing.summary.blocked, true);
    assert.match(missing.out.join('\n'), /users missing on the target: 1\n {4}carol \(1 entries\)/);
    assert.match(missing.out.join('\n'), /issues missing on the target: 1\n {4}MIG-99 \(1 entries\)/);
    assert.equal((await storedWorklogs(target)).length, before);
    const failures = fs.readFileSync(path.join(target.dir, 'kimai-export.failures.csv'), 'utf8');
    assert.match(failures, /user carol does not exist on the target/);
  });

  test('pain point 8: atomic stores nothing on one bad entry; best effort reports each row in a failures file that can be fixed and fed back without duplicates', async () => {
    const file = path.join(target.dir, 'half.csv');
    fs.writeFileSync(
      file,
      'issue,createdBy,createdAt,start,duration,comment,externalId\n' +
        'MIG-3,alice,2024-04-01T10:00:00Z,2024-04-01T09:00:00Z,PT1H,good,half-1\n' +
        'MIG-3,alice,2026-04-01T10:00:00Z,2024-04-01T09:00:00Z,PT1H,created after the issue was closed,half-2\n',
    );
    const atomic = await importFiles(target, [file], { atomic: true });
    assert.deepEqual([atomic.summary.created, atomic.summary.failed], [0, 1]);
    assert.deepEqual(await storedWorklogs(target, ['MIG-3']), []);
    const failuresFile = path.join(target.dir, 'half.failures.csv');
    assert.match(fs.readFileSync(failuresFile, 'utf8'), /half-2,"createdAt: 2026-04-01T10:00:00.000\+0000 is outside the issue's lifetime/);

    const partial = await importFiles(target, [file]);
    assert.deepEqual([partial.summary.created, partial.summary.failed], [1, 1]);
    const fixed = fs.readFileSync(failuresFile, 'utf8').replace('2026-04-01T10:00:00Z', '2024-04-01T10:00:00Z');
    fs.writeFileSync(failuresFile, fixed);
    const fedBack = await importFiles(target, [failuresFile]);
    assert.deepEqual([fedBack.summary.created, fedBack.summary.failed], [1, 0]);
    const rerun = await importFiles(target, [file]);
    assert.equal(rerun.summary.created, 0);
    assert.equal((await storedWorklogs(target, ['MIG-3'])).length, 2);
  });

  test('pain point 9: a run cut off against plain Tracker (answers lost) resumes without sending anything twice', async () => {
    const journalPath = path.join(target.dir, 'tracker-journal.ndjson');
    const file = path.join(target.dir, 'resume.ndjson');
    fs.writeFileSync(
      file,
      [1, 2, 3]
        .map((n) =>
          JSON.stringify({
            issue: 'MIG-3',
            createdBy: 'bob',
            createdAt: `2024-05-0${n}T10:00:00Z`,
            start: `2024-05-0${n}T09:00:00Z`,
            duration: `PT${n}H`,
            externalId: `resume-${n}`,
          }),
        )
        .join('\n'),
    );
    const first = await importFiles(target, [file], { api: 'tracker', journalPath });
    assert.equal(first.summary.created, 3);
    assert.match(first.out.join('\n'), /Tracker single-entry import/);
    // A crash between the server's answer and the journal's "done" line: only "sending" survives.
    forgetDoneLines(journalPath);
    const count = (await storedWorklogs(target, ['MIG-3'])).length;
    const second = await importFiles(target, [file], { api: 'tracker', journalPath });
    assert.deepEqual([second.summary.created, second.summary.alreadyPresent], [0, 3], 'found on the server, not sent again');
    assert.equal((await storedWorklogs(target, ['MIG-3'])).length, count);
    const third = await importFiles(target, [file], { api: 'tracker', journalPath });
    assert.equal(third.summary.skipped, 3);
  });

  test('pain point 10: no side effects on the issue, and reports count the day the work was spent, not the day it was written', async () => {
    const before = (await target.t.request({ method: 'GET', url: '/v3/issues/MIG-2' })).json() as { updatedAt: string; version: number };
    const file = path.join(target.dir, 'late-written.csv');
    // Work spent on 2024-06-03, written down a week later.
    fs.writeFileSync(
      file,
      'issue,createdBy,createdAt,start,duration,externalId\nMIG-2,bob,2024-06-10T09:00:00Z,2024-06-03T09:00:00Z,PT2H,late-1\n',
    );
    await importFiles(target, [file]);
    const afterImport = (await target.t.request({ method: 'GET', url: '/v3/issues/MIG-2' })).json() as {
      updatedAt: string;
      version: number;
    };
    assert.deepEqual([afterImport.updatedAt, afterImport.version], [before.updatedAt, before.version]);
    const options = { files: [file], durations: DEFAULT_DURATION_SETTINGS, issueRule: {} };
    const clean = await reconcile(options, target.client);
    const june = clean.differences.filter((difference) => difference.day.startsWith('2024-06'));
    assert.deepEqual(june, [], 'counted on 2024-06-03 on both sides');
    // A time entry the files do not have shows up as a difference on its day.
    await target.t.request({
      method: 'POST',
      url: '/v3/issues/MIG-2/worklogs/_import',
      payload: { createdBy: 'bob', createdAt: '2024-06-10T09:00:00Z', start: '2024-06-03T15:00:00Z', duration: 'PT30M' },
    });
    const dirty = (await reconcile(options, target.client)).differences.filter((difference) => difference.day.startsWith('2024-06'));
    assert.deepEqual(dirty, [
      {
        issue: 'MIG-2',
        login: 'bob',
        day: '2024-06-03',
        fileSeconds: 7200,
        fileEntries: 1,
        serverSeconds: 9000,
        serverEntries: 2,
        cause: { kind: 'entries', failed: 0 },
      },
    ]);
  });

  test('a dry run validates everything against the target and writes nothing (batch API and Tracker API)', async () => {
    const snapshot = async () => ({
      worklogs: await storedWorklogs(target),
      ledger: (await target.t.request({ method: 'GET', url: '/timeport/v1/imports' })).body,
    });
    const before = await snapshot();
    const file = path.join(target.dir, 'dry.csv');
    fs.writeFileSync(
      file,
      'issue,createdBy,createdAt,start,duration,externalId\nMIG-1,alice,2024-07-01T10:00:00Z,2024-07-01T09:00:00Z,PT1H,dry-1\nMIG-1,alice,2019-07-01T10:00:00Z,2019-07-01T09:00:00Z,PT1H,dry-2\n',
    );
    for (const api of ['auto', 'tracker'] as const) {
      const dry = await importFiles(target, [file], { dryRun: true, api, journalPath: path.join(target.dir, `dry-${api}.ndjson`) });
      assert.deepEqual([dry.summary.created, dry.summary.failed], [1, 1], api);
      assert.equal(fs.existsSync(path.join(target.dir, `dry-${api}.ndjson`)), false, 'no journal either');
      assert.match(fs.readFileSync(path.join(target.dir, 'dry.failures.csv'), 'utf8'), /outside the issue's lifetime/);
    }
    assert.deepEqual(await snapshot(), before);
  });
});
