import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadMappingFile } from '../../src/importer/mapping.js';
import { type Target, fixture, importFiles, startTarget, storedWorklogs } from './helpers.js';

const project = (worklogs: Awaited<ReturnType<typeof storedWorklogs>>) =>
  worklogs.map(({ issue, login, createdAt, start, duration, comment }) => ({ issue, login, createdAt, start, duration, comment }));

/** Each format, read from a realistic sample file, lands exactly as the source said. */
describe('import formats', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());

  const cases: { name: string; file: string; options: Parameters<typeof importFiles>[2]; expected: ReturnType<typeof project> }[] = [
    {
      name: 'Jira worklog JSON as the REST API returns it (issue ids mapped, ADF comments, 7-hour "1d")',
      file: 'jira-worklogs-MIG-1.json',
      options: { issueRule: { map: loadMappingFile(fixture('jira-issue-map.csv'), 'map') } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-15T00:05:12.345+0000',
          start: '2024-03-14T22:30:00.000+0000',
          duration: 'PT1H30M',
          comment: 'Late night: fixed the export job',
        },
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-15T01:00:00.000+0000',
          start: '2024-03-14T23:30:00.000+0000',
          duration: 'PT59M30S',
          comment: 'After midnight in Berlin, still the 14th in UTC',
        },
        {
          issue: 'MIG-1',
          login: 'bob',
          createdAt: '2024-03-18T16:45:00.000+0000',
          start: '2024-03-18T08:00:00.000+0000',
          duration: 'PT7H',
          comment: 'Code review',
        },
        {
          issue: 'MIG-1',
          login: 'bob',
          createdAt: '2024-03-19T17:00:00.000+0000',
          start: '2024-03-19T08:00:00.000+0000',
          duration: 'P4DT3H',
          comment: undefined,
        },
      ],
    },
    {
      name: 'Tempo worklog export (API v4, local start times, issue ids mapped)',
      file: 'tempo-worklogs-v4.json',
      options: { zone: 'Europe/Berlin', issueRule: { map: loadMappingFile(fixture('tempo-issue-map.csv'), 'map') } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-20T10:46:01.000+0000',
          start: '2024-03-20T07:15:00.000+0000',
          duration: 'PT2H30M',
          comment: 'Data mapping workshop',
        },
        {
          issue: 'MIG-2',
          login: 'bob',
          createdAt: '2024-03-31T01:45:00.000+0000',
          start: '2024-03-31T01:10:00.000+0000',
          duration: 'PT30M30S',
          comment: 'Night on-call after the clock change',
        },
      ],
    },
    {
      name: 'Toggl detailed CSV with seconds (issue keys from the description)',
      file: 'toggl-detailed.csv',
      options: { zone: 'Europe/Berlin', issueRule: { regex: /MIG-\d+/ } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-21T08:00:00.000+0000',
          start: '2024-03-21T08:00:00.000+0000',
          duration: 'PT59M30S',
          comment: 'MIG-1 import scripts',
        },
        {
          issue: 'MIG-1',
          login: 'bob',
          createdAt: '2024-03-21T22:50:00.000+0000',
          start: '2024-03-21T22:50:00.000+0000',
          duration: 'PT30M5S',
          comment: 'Standup MIG-1',
        },
        {
          issue: 'MIG-2',
          login: 'alice',
          createdAt: '2024-03-21T09:15:07.000+0000',
          start: '2024-03-21T09:15:07.000+0000',
          duration: 'PT47M41S',
          comment: 'MIG-2 schema review',
        },
      ],
    },
    {
      name: 'Clockify detailed CSV with decimal hours (MM/DD/YYYY, 12-hour times, issue from a column)',
      file: 'clockify-detailed.csv',
      options: { zone: 'Europe/Berlin', dateOrder: 'MDY', issueRule: { column: 'Task' } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-22T08:00:00.000+0000',
          start: '2024-03-22T08:00:00.000+0000',
          duration: 'PT1H41M',
          comment: 'Data cleanup',
        },
        {
          issue: 'MIG-2',
          login: 'bob',
          createdAt: '2024-03-22T12:30:00.000+0000',
          start: '2024-03-22T12:30:00.000+0000',
          duration: 'PT30M25S',
          comment: 'Report checks',
        },
      ],
    },
    {
      name: 'Redmine time-entry CSV (decimal hours, date-only entries, issue numbers mapped)',
      file: 'redmine-time-entries.csv',
      options: { zone: 'Europe/Berlin', issueRule: { map: loadMappingFile(fixture('redmine-issue-map.csv'), 'map') } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-25T17:02:00.000+0000',
          start: '2024-03-24T23:00:00.000+0000',
          duration: 'PT1H30M',
          comment: 'Wrote the importer',
        },
        {
          issue: 'MIG-1',
          login: 'bob',
          createdAt: '2024-03-26T16:40:00.000+0000',
          start: '2024-03-25T23:00:00.000+0000',
          duration: 'PT2H45M',
          comment: 'Fixed encoding',
        },
        {
          issue: 'MIG-2',
          login: 'bob',
          createdAt: '2024-03-25T17:05:00.000+0000',
          start: '2024-03-24T23:00:00.000+0000',
          duration: 'PT15M',
          comment: 'Reviewed schema',
        },
      ],
    },
    {
      name: 'Kimai CSV (seconds, an entry crossing midnight)',
      file: 'kimai-export.csv',
      options: { zone: 'Europe/Berlin', issueRule: { regex: /MIG-\d+/ } },
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-27T08:00:00.000+0000',
          start: '2024-03-27T08:00:00.000+0000',
          duration: 'PT3H30M',
          comment: 'MIG-1 batch loader',
        },
        {
          issue: 'MIG-2',
          login: 'bob',
          createdAt: '2024-03-27T22:30:00.000+0000',
          start: '2024-03-27T22:30:00.000+0000',
          duration: 'PT1H15M',
          comment: 'MIG-2 overnight import run',
        },
      ],
    },
    {
      name: 'Timeport/Tracker-native CSV (P5D comes back as P1W)',
      file: 'native-entries.csv',
      options: {},
      expected: [
        {
          issue: 'MIG-1',
          login: 'alice',
          createdAt: '2024-03-28T17:00:00.000+0000',
          start: '2024-03-28T08:00:00.000+0000',
          duration: 'P1W',
          comment: 'A whole week, sent as days',
        },
        {
          issue: 'MIG-2',
          login: 'bob',
          createdAt: '2024-03-28T17:00:00.000+0000',
          start: '2024-03-28T12:00:00.000+0000',
          duration: 'PT59M30S',
          comment: 'Not rounded',
        },
      ],
    },
  ];

  for (const testCase of cases) {
    test(testCase.name, async () => {
      const before = (await storedWorklogs(target)).map((worklog) => worklog.id);
      const { summary, out } = await importFiles(target, [fixture(testCase.file)], testCase.options);
      assert.equal(summary.blocked, false, out.join('\n'));
      assert.equal(summary.failed, 0, out.join('\n'));
      assert.equal(summary.created, testCase.expected.length);
      const added = (await storedWorklogs(target)).filter((worklog) => !before.includes(worklog.id));
      const sort = (list: ReturnType<typeof project>) => [...list].sort((a, b) => (a.issue + a.start).localeCompare(b.issue + b.start));
      assert.deepEqual(sort(project(added)), sort(testCase.expected));
    });
  }

  test('an unknown file format is refused with a clear message', async () => {
    await assert.rejects(importFiles(target, [fixture('users.csv')]), /cannot tell the format of .*users\.csv.*--format/);
  });
});

test('the --format choices of the command are the importer formats', async () => {
  const { FORMAT_NAMES } = await import('../../src/importer/formats/index.js');
  const source = (await import('node:fs')).readFileSync(new URL('../../src/cli/import-command.ts', import.meta.url), 'utf8');
  const listed = /const FORMAT_NAMES = \[([^\]]*)\]/
    .exec(source)?.[1]
    ?.split(',')
    .map((name) => name.trim().replace(/'/g, ''));
  assert.deepEqual([...(listed ?? [])].sort(), [...FORMAT_NAMES].sort());
});
