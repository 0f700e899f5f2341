/**
 * `timeport import --source redmine` and `timeport reconcile --source redmine` as a user runs them,
 * against a real Redmine (scripts/redmine.sh) and a Timeport server process; and the usage errors
 * of the live-source options, each exit 1 with a one-line message.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedmineAdmin, REDMINE_URL, redmineKey, skipWithoutRedmine } from '../../support/redmine.js';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, call, createQueue, expectStatus, listWorklogs } from './tracker.js';

const TOKEN = 'cli-live-source-token-0001';
const ADMIN: As = { token: TOKEN, org: '1' };
const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

describe('timeport import and reconcile from a live Redmine', { timeout: 180_000, skip: await skipWithoutRedmine() }, () => {
  const box = new Sandbox('timeport-cli-live-');
  let server: ServerProcess;
  let project: Awaited<ReturnType<RedmineAdmin['project']>>;
  let maps: string[];

  before(async () => {
    const admin = new RedmineAdmin();
    project = await admin.project(['nina'], 1);
    const activityId = await admin.activityId();
    for (const [index, hours] of [1.25, 0.5, 2].entries()) {
      await admin.logTime({
        issueId: project.issueIds[0]!,
        userId: project.userIds.get('nina')!,
        spentOn: `2024-05-0${index + 1}`,
        hours,
        comments: `redmine ${index}`,
        activityId,
      });
    }
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ADMIN, 'RED');
    const now = new Date().toISOString().replace('Z', '+0000');
    const body = {
      queue: 'RED',
      summary: 'From Redmine',
      createdAt: '2020-01-01T00:00:00.000+0000',
      createdBy: 'admin',
      updatedAt: now,
      updatedBy: 'admin',
    };
    expectStatus(await call(server, ADMIN, '/v3/issues/_import', { method: 'POST', body }), 200);
    expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'nina' } }), 201);
    const userMap = path.join(box.dataDir, 'users.csv');
    fs.writeFileSync(userMap, `source,login\nnina-${project.identifier.slice(4)}@example.com,nina\n`);
    const issueMap = path.join(box.dataDir, 'issues.csv');
    fs.writeFileSync(issueMap, `source,issue\n${project.issueIds[0]},RED-1\n`);
    maps = ['--user-map', userMap, '--issue-map', issueMap, '--timezone', 'Europe/Moscow'];
  });
  after(() => box.dispose());

  const target = () => ['--url', server.url, '--token', TOKEN, '--org', '1'];
  const redmine = (key = redmineKey()!) => [
    '--source',
    'redmine',
    '--source-url',
    REDMINE_URL,
    '--source-project',
    project.identifier,
    '--source-token',
    key,
  ];

  it('imports every entry of the project with its author and day, then reconciles with no differences', async () => {
    const journal = path.join(box.dataDir, 'live.journal.ndjson');
    const result = await box.cli(['import', ...redmine(), ...target(), ...maps, '--journal', journal, '--failures-dir', box.dataDir]);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /Preflight: 3 entries \(redmine-api: 3\)/);
    assert.match(result.stdout, /created 3, already present 0, failed 0/);
    const worklogs = await listWorklogs(server, ADMIN, 'RED-1');
    assert.deepEqual(worklogs.map((worklog) => [worklog.start, worklog.duration, worklog.comment]).sort(), [
      ['2024-04-30T21:00:00.000+0000', 'PT1H15M', 'redmine 0'],
      ['2024-05-01T21:00:00.000+0000', 'PT30M', 'redmine 1'],
      ['2024-05-02T21:00:00.000+0000', 'PT2H', 'redmine 2'],
    ]);
    const reconciled = await box.cli(['reconcile', ...redmine(), ...target(), ...maps]);
    assert.equal(reconciled.code, 0, show(reconciled));
    assert.match(reconciled.stdout, /No differences\./);
  });

  it('a refused key, and options that do not fit together, end with exit 1 and one line', async () => {
    const cases: [string[], RegExp][] = [
      [['import', ...redmine('0'.repeat(40)), ...target()], /Redmine refused the API key \(401\)/],
      [['import', path.join(box.dataDir, 'users.csv'), ...redmine(), ...target()], /give files or --source redmine, not both/],
      [['import', '--source-project', 'x', ...target()], /--source-project need --source \(redmine or tracker or /],
      [['import', '--source', 'redmine', '--source-token', 'k', ...target()], /--source redmine needs --source-url/],
      [['import', ...redmine(), '--source-org', '1', ...target()], /--source-org do not apply to --source redmine/],
      [
        ['import', '--source', 'tracker', '--source-url', server.url, '--source-token', TOKEN, ...target()],
        /needs exactly one of --source-org and --source-cloud-org/,
      ],
      [['import', ...target()], /give the files to read, or --source with its options/],
    ];
    for (const [args, message] of cases) {
      const result = await box.cli(args);
      assert.equal(result.code, 1, show(result));
      assert.ok(!hasStackTrace(result.stderr), show(result));
      assert.match(result.stderr.trim().split('\n').at(-1)!, /^timeport import: /, show(result));
      assert.match(result.stderr, message, show(result));
    }
  });
});
