/**
 * `timeport import --source toggl|clockify|kimai` as a user runs them, against local stand-ins of
 * the hosted services (test/helpers/hosted-sources.ts) and a Timeport server process: the options
 * reach the source, what a run costs and what is skipped is said on standard error, and options
 * that do not fit end with exit 1 and one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClockifyServer, KimaiServer, TogglServer } from '../helpers/hosted-sources.js';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, call, createQueue, expectStatus, listWorklogs } from './tracker.js';

const TOKEN = 'cli-hosted-source-token-0001';
const ADMIN: As = { token: TOKEN, org: '1' };
const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

describe('timeport import from Toggl Track, Clockify and Kimai', { timeout: 180_000 }, () => {
  const box = new Sandbox('timeport-cli-hosted-');
  let server: ServerProcess;
  let toggl: TogglServer;
  let clockify: ClockifyServer;
  let kimai: KimaiServer;
  let maps: string[];

  before(async () => {
    [toggl, clockify, kimai] = await Promise.all([new TogglServer().start(), new ClockifyServer().start(), new KimaiServer().start()]);
    for (const service of [toggl, clockify, kimai]) {
      service.add({ user: 'alice', description: 'MIG-1 design', start: '2024-03-01T09:00:00Z', minutes: 90 });
      service.add({ user: 'bob', description: 'MIG-1 review', start: '2024-03-02T09:00:00Z', minutes: 45 });
      service.add({ user: 'bob', description: 'MIG-1 still going', start: '2024-03-03T09:00:00Z' });
    }
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ADMIN, 'MIG');
    const body = {
      queue: 'MIG',
      summary: 'Migrated',
      createdAt: '2020-01-01T00:00:00.000+0000',
      createdBy: 'admin',
      updatedAt: '2025-01-01T00:00:00.000+0000',
      updatedBy: 'admin',
    };
    expectStatus(await call(server, ADMIN, '/v3/issues/_import', { method: 'POST', body }), 200);
    for (const login of ['alice', 'bob'])
      expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login } }), 201);
    const userMap = path.join(box.dataDir, 'users.csv');
    fs.writeFileSync(userMap, 'source,login\nAlice Example,alice\nBob Example,bob\n');
    maps = ['--user-map', userMap, '--issue-regex', '^(MIG-\\d+)'];
  });
  after(async () => {
    box.dispose();
    await Promise.all([toggl?.close(), clockify?.close(), kimai?.close()]);
  });

  const target = () => ['--url', server.url, '--token', TOKEN, '--org', '1'];
  const window = ['--source-from', '2024-03-01', '--source-to', '2024-03-31'];

  it('each imports its stopped entries and says what it skipped', async () => {
    const runs: [string, string[], RegExp][] = [
      [
        'toggl',
        ['--source', 'toggl', '--source-url', toggl.url, '--source-token', toggl.token, '--source-workspace', String(toggl.workspace)],
        /entries a request .*quota has 30 requests left[\s\S]*of Bob Example is still running \(no stop yet\): skipped/,
      ],
      [
        'clockify',
        ['--source', 'clockify', '--source-url', clockify.url, '--source-token', clockify.apiKey, '--source-workspace', clockify.workspace],
        /of Bob Example is still running \(no end yet\): skipped/,
      ],
      [
        'kimai',
        ['--source', 'kimai', '--source-url', kimai.url, '--source-token', kimai.token],
        /timesheet \d+ is still running \(no end yet\)/,
      ],
    ];
    for (const [name, source, skipped] of runs) {
      const journal = path.join(box.dataDir, `${name}.journal.ndjson`);
      const result = await box.cli([
        'import',
        ...source,
        ...window,
        ...target(),
        ...maps,
        '--journal',
        journal,
        '--failures-dir',
        box.dataDir,
      ]);
      assert.equal(result.code, 0, show(result));
      assert.match(result.stdout, new RegExp(`Preflight: 2 entries \\(${name}-api: 2\\)`), show(result));
      assert.match(result.stdout, /created 2, already present 0, failed 0/, show(result));
      assert.match(result.stderr, skipped, show(result));
    }
    const worklogs = await listWorklogs(server, ADMIN, 'MIG-1');
    assert.equal(worklogs.length, 6, 'two from each source, each known by its own source id');
  });

  it('options that do not fit end with exit 1 and one line', async () => {
    const toggled = ['--source', 'toggl', '--source-url', toggl.url, '--source-token', toggl.token];
    const cases: [string[], RegExp][] = [
      [['import', ...toggled, ...window, ...target()], /--source toggl needs --source-workspace/],
      [['import', ...toggled, '--source-workspace', '4242', ...target()], /--source toggl needs --source-from/],
      [['import', ...toggled, '--source-workspace', 'abc', ...window, ...target()], /Toggl: the workspace is a number, not "abc"/],
      [
        ['import', ...toggled, '--source-workspace', '4242', ...window, '--source-token', 'wrong', ...target()],
        /Toggl refused the API token \(403\)/,
      ],
      [
        [
          'import',
          '--source',
          'clockify',
          '--source-token',
          'k',
          '--source-workspace',
          'w',
          '--source-own-entries',
          ...window,
          ...target(),
        ],
        /--source-own-entries do not apply to --source clockify/,
      ],
      [['import', '--source', 'kimai', '--source-token', 'k', ...target()], /--source kimai needs --source-url/],
      [
        ['import', '--source', 'kimai', '--source-url', kimai.url, '--source-token', 'k', '--source-workspace', '1', ...target()],
        /--source-workspace do not apply to --source kimai/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = await box.cli(args);
      assert.equal(result.code, 1, show(result));
      assert.ok(!hasStackTrace(result.stderr), show(result));
      assert.match(result.stderr, message, show(result));
    }
  });
});
