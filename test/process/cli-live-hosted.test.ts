/**
 * `timeport sync --source jira` and `timeport import --source tempo` as a user runs them, against
 * local Jira and Tempo servers built from their references (test/helpers/jira-server.ts,
 * tempo-server.ts) and a Timeport server process: the credentials from the environment, a plan
 * printed, and the entries in the target with their authors and times.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeJira } from '../helpers/jira-server.js';
import { FakeTempo } from '../helpers/tempo-server.js';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, call, createQueue, expectStatus, listWorklogs } from './tracker.js';

const TOKEN = 'cli-live-hosted-token-0001';
const ADMIN: As = { token: TOKEN, org: '1' };
const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

describe('timeport sync from Jira and import from Tempo', { timeout: 180_000 }, () => {
  const box = new Sandbox('timeport-cli-hosted-');
  const jira = new FakeJira({ deployment: 'Cloud', email: 'mia@example.com', token: 'jira-token', projects: ['MIG'] });
  const tempo = new FakeTempo('tempo-token');
  let server: ServerProcess;
  let userMap: string;

  before(async () => {
    await jira.start();
    await tempo.start();
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ADMIN, 'MIG');
    const body = {
      queue: 'MIG',
      summary: 'From Jira',
      createdAt: '2020-01-01T00:00:00.000+0000',
      createdBy: 'admin',
      updatedAt: new Date().toISOString().replace('Z', '+0000'),
      updatedBy: 'admin',
    };
    for (const _issue of [1, 2]) expectStatus(await call(server, ADMIN, '/v3/issues/_import', { method: 'POST', body }), 200);
    expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'nina' } }), 201);
    userMap = path.join(box.dataDir, 'users.csv');
    fs.writeFileSync(userMap, 'source,login\nacc-nina,nina\n');
  });
  after(async () => {
    await box.dispose();
    await jira.close();
    await tempo.close();
  });

  const targetOf = () => ['--url', server.url, '--token', TOKEN, '--org', '1'];

  it('sync --source jira creates, then deletes with --delete, each run printing its plan', async () => {
    jira.addIssue('MIG-1');
    const nina = { accountId: 'acc-nina', displayName: 'Nina' };
    jira.addWorklog({ issue: 'MIG-1', author: nina, started: '2024-05-06T07:00:00.000Z', seconds: 2700, comment: 'kept' });
    const gone = jira.addWorklog({ issue: 'MIG-1', author: nina, started: '2024-05-07T07:00:00.000Z', seconds: 600, comment: 'gone' });
    jira.later();
    const args = [
      'sync',
      '--source',
      'jira',
      '--source-url',
      jira.url,
      '--source-project',
      'MIG',
      '--user-map',
      userMap,
      '--state-dir',
      path.join(box.dataDir, 'state'),
      // Worklogs come stamped with Jira's clock, which is now: after the target issue's last update.
      '--move-issue-updates',
      ...targetOf(),
    ];
    const env = { env: { TIMEPORT_SOURCE_TOKEN: 'jira-token', TIMEPORT_SOURCE_EMAIL: 'mia@example.com' } };
    const first = await box.cli(args, env);
    assert.equal(first.code, 0, show(first));
    assert.match(first.stdout, /Plan: 2 creates, 0 updates, 0 deletes/, show(first));
    jira.deleteWorklog(gone);
    jira.later();
    const second = await box.cli([...args, '--delete'], env);
    assert.equal(second.code, 0, show(second));
    assert.match(second.stdout, /Plan: 0 creates, 0 updates, 1 deletes, 0 adopted from the target, 1 unchanged/, show(second));
    const worklogs = await listWorklogs(server, ADMIN, 'MIG-1');
    assert.deepEqual(
      worklogs.map((worklog) => [worklog.start, worklog.duration, worklog.comment]),
      [['2024-05-06T07:00:00.000+0000', 'PT45M', 'kept']],
    );

    const refused = await box.cli(args, { env: { TIMEPORT_SOURCE_TOKEN: 'wrong', TIMEPORT_SOURCE_EMAIL: 'mia@example.com' } });
    assert.equal(refused.code, 1, show(refused));
    assert.ok(!hasStackTrace(refused.stderr), show(refused));
    assert.match(refused.stderr, /Jira refused the e-mail and API token \(401\)/, show(refused));
  });

  it('import --source tempo looks issue keys up in Jira and reads start times in --timezone', async () => {
    const issueId = jira.addIssue('MIG-2');
    tempo.add({ issueId, accountId: 'acc-nina', startDate: '2024-05-08', startTime: '09:15:00', seconds: 1800, description: 'from tempo' });
    const result = await box.cli(
      [
        'import',
        '--source',
        'tempo',
        '--source-url',
        tempo.url,
        '--source-jira-url',
        jira.url,
        '--source-email',
        'mia@example.com',
        '--timezone',
        'Europe/Berlin',
        '--user-map',
        userMap,
        '--journal',
        path.join(box.dataDir, 'tempo.journal.ndjson'),
        '--failures-dir',
        box.dataDir,
        ...targetOf(),
      ],
      { env: { TIMEPORT_SOURCE_TOKEN: 'tempo-token', TIMEPORT_SOURCE_JIRA_TOKEN: 'jira-token' } },
    );
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /Preflight: 1 entries \(tempo: 1\)/, show(result));
    const worklogs = await listWorklogs(server, ADMIN, 'MIG-2');
    assert.deepEqual(
      worklogs.map((worklog) => [worklog.start, worklog.duration, worklog.comment]),
      [['2024-05-08T07:15:00.000+0000', 'PT30M', 'from tempo']],
    );
  });
});
