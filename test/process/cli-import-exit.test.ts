/**
 * `timeport import` and `timeport reconcile` as a script sees them (issue 5): the exit code of
 * each outcome, and failures files that always describe the latest run.
 *
 *   0  everything imported (reconcile: no differences)
 *   1  the command could not run: bad arguments, an unreadable file, an unreachable server, a refused token
 *   2  best effort: some entries failed and are in the failures file, the others were imported
 *   3  reconcile: differences
 *   4  nothing stored: the preflight found entries that cannot be imported, or --atomic found invalid ones
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, Sandbox, type ServerProcess, freePort, hasStackTrace } from '../../support/harness.js';
import { type As, call, createQueue, expectStatus, importIssue, listWorklogs } from './tracker.js';

const TOKEN = 'cli-import-exit-token-0001';
const ADMIN: As = { token: TOKEN, org: '1' };
const HEADER = 'issue,createdBy,createdAt,start,duration,comment,externalId';

/** A native CSV row inside the test issues' lifetime (2025-01-10 to 2025-02-20). */
const row = (id: string, fields: { issue?: string; user?: string; createdAt?: string; duration?: string } = {}): string =>
  [
    fields.issue ?? 'MIG-1',
    fields.user ?? 'alice',
    fields.createdAt ?? '2025-02-01T10:00:00Z',
    '2025-02-01T09:00:00Z',
    fields.duration ?? 'PT1H',
    `entry ${id}`,
    id,
  ].join(',');
/** createdAt after the issue's last update: the server refuses the entry (best effort goes on). */
const TOO_LATE = '2026-01-01T10:00:00Z';

const show = (result: CliResult): string =>
  `exit ${result.code}${result.signal === null ? '' : ` (${result.signal})`}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

function expectExit(result: CliResult, code: number): CliResult {
  assert.equal(result.code, code, show(result));
  assert.ok(!hasStackTrace(result.stderr), `no stack trace:\n${show(result)}`);
  return result;
}

/** A refused or failed command: the exit code, and `timeport <command>: <message>` as the last stderr line. */
function expectError(result: CliResult, message: RegExp, command = 'import'): void {
  expectExit(result, 1);
  const lines = result.stderr.trim().split('\n');
  assert.match(lines[lines.length - 1]!, new RegExp(`^timeport ${command}: `), show(result));
  assert.match(result.stderr, message, show(result));
}

describe('timeport import and reconcile: exit codes and failures files', { timeout: 180_000 }, () => {
  const box = new Sandbox('timeport-cli-exit-');
  let server: ServerProcess;
  let journals = 0;
  const dir = box.dataDir;

  /** Writes a CSV into the sandbox and returns its path. */
  const csv = (name: string, rows: string[], header = HEADER): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
    return file;
  };
  const target = (url = server.url) => ['--url', url, '--token', TOKEN, '--org', '1'];
  /** `timeport import`, with a journal of its own unless one is given (never the default one in the working directory). */
  const runImport = (files: string[], extra: string[] = [], journal = path.join(dir, `journal-${++journals}.ndjson`)) =>
    box.cli(['import', ...files, ...target(), '--journal', journal, ...extra], { env: { LOG_LEVEL: 'warn' } });
  const runReconcile = (files: string[], extra: string[] = []) => box.cli(['reconcile', ...files, ...target(), ...extra]);
  const comments = async (issue: string) => (await listWorklogs(server, ADMIN, issue)).map((worklog) => worklog.comment).sort();

  before(async () => {
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ADMIN, 'MIG');
    for (let i = 0; i < 4; i += 1) await importIssue(server, ADMIN, 'MIG');
    expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'alice' } }), 201);
  });
  after(() => box.dispose());

  it('0: everything imported; a second run finds everything done and exits 0 again', async () => {
    const file = csv('all-good.csv', [row('good-1'), row('good-2', { duration: 'PT30M' })]);
    const journal = path.join(dir, 'all-good.journal.ndjson');
    const first = expectExit(await runImport([file], [], journal), 0);
    assert.match(first.stdout, /Import finished in [\d.]+ s: created 2, already present 0, failed 0, skipped \(in the journal\) 0/);
    assert.doesNotMatch(first.stdout, /Failures:/);
    assert.ok(!fs.existsSync(path.join(dir, 'all-good.failures.csv')), 'no failures file');
    assert.deepEqual(await comments('MIG-1'), ['entry good-1', 'entry good-2']);
    const again = expectExit(await runImport([file], [], journal), 0);
    assert.match(again.stdout, /created 0, already present 0, failed 0, skipped \(in the journal\) 2/);
  });

  it('2: best effort with some entries refused by the server: the rest imported, the refused ones in the failures file', async () => {
    const file = csv('partly.csv', [row('partly-1', { issue: 'MIG-2' }), row('partly-2', { issue: 'MIG-2', createdAt: TOO_LATE })]);
    const result = expectExit(await runImport([file]), 2);
    assert.match(result.stdout, /Import finished in [\d.]+ s: created 1, already present 0, failed 1/);
    const failures = path.join(dir, 'partly.failures.csv');
    assert.match(result.stdout, new RegExp(`Failures: ${failures.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(1 rows\\)`));
    const lines = fs.readFileSync(failures, 'utf8').trim().split('\n');
    assert.equal(lines.length, 2, 'the header and the refused row');
    assert.match(lines[1]!, /^MIG-2,alice,2026-01-01T10:00:00Z,.*,partly-2,".*outside the issue's lifetime/);
    assert.deepEqual(await comments('MIG-2'), ['entry partly-1']);
  });

  it('4: the preflight refuses users missing on the target and missing issues: nothing is sent, the failures file lists them', async () => {
    const file = csv('refused.csv', [
      row('refused-1', { issue: 'MIG-3' }),
      row('refused-2', { issue: 'MIG-3', user: 'nobody' }),
      row('refused-3', { issue: 'MIG-99' }),
    ]);
    const result = expectExit(await runImport([file]), 4);
    assert.match(result.stdout, /users missing on the target: 1\n {4}nobody \(1 entries\)/);
    assert.match(result.stdout, /issues missing on the target: 1\n {4}MIG-99 \(1 entries\)/);
    assert.match(result.stdout, /Nothing was sent: 2 entries cannot be imported/);
    assert.match(result.stdout, /Import stopped in/);
    const failures = fs.readFileSync(path.join(dir, 'refused.failures.csv'), 'utf8');
    assert.match(failures, /refused-2,user nobody does not exist on the target/);
    assert.match(failures, /refused-3,issue MIG-99 does not exist on the target/);
    assert.doesNotMatch(failures, /refused-1/);
    assert.deepEqual(await comments('MIG-3'), [], 'the valid entry was not sent either');

    // --skip-invalid sends the rest: then it is best effort, exit 2.
    const skipping = expectExit(await runImport([file], ['--skip-invalid']), 2);
    assert.match(skipping.stdout, /created 1, already present 0, failed 2/);
    assert.deepEqual(await comments('MIG-3'), ['entry refused-1']);
  });

  it('4: the preflight refuses unmapped users (a Toggl export without --user-map)', async () => {
    const file = csv(
      'toggl.csv',
      ['Zed Unknown,zed@example.com,ACME,Migration,,MIG-4 work,Yes,2025-02-01,09:00:00,2025-02-01,10:00:00,01:00:00,,'],
      'User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount (EUR)',
    );
    const args = ['--timezone', 'UTC', '--issue-regex', 'MIG-\\d+'];
    const result = expectExit(await runImport([file], args), 4);
    assert.match(result.stdout, /unmapped users: 1\n {4}Zed Unknown <zed@example.com> \(1 entries\)/);
    assert.match(fs.readFileSync(path.join(dir, 'toggl.failures.csv'), 'utf8'), /unmapped user: add it to the --user-map file/);
    assert.deepEqual(await comments('MIG-4'), []);

    // Mapped, it imports, and the failures file of the refused run is gone.
    const users = csv('toggl-users.csv', ['zed@example.com,alice'], 'source,login');
    const mapped = expectExit(await runImport([file], [...args, '--user-map', users]), 0);
    assert.match(mapped.stdout, /Removed .*toggl\.failures\.csv: an earlier run's failures; this run had none for that input/);
    assert.ok(!fs.existsSync(path.join(dir, 'toggl.failures.csv')));
    assert.equal((await comments('MIG-4')).length, 1);
  });

  it('4: --atomic with one invalid entry stores nothing and lists it', async () => {
    const file = csv('atomic.csv', [row('atomic-1', { issue: 'MIG-4' }), row('atomic-2', { issue: 'MIG-4', createdAt: TOO_LATE })]);
    const before = await comments('MIG-4');
    const result = expectExit(await runImport([file], ['--atomic']), 4);
    assert.match(result.stdout, /Nothing was stored: 1 entries fail validation \(--atomic\)/);
    assert.match(fs.readFileSync(path.join(dir, 'atomic.failures.csv'), 'utf8'), /atomic-2,".*outside the issue's lifetime/);
    assert.deepEqual(await comments('MIG-4'), before, 'nothing stored');
  });

  it('1: bad arguments, each with a message and no stack trace, before anything is sent', async () => {
    const file = csv('args.csv', [row('args-1', { issue: 'MIG-4' })]);
    const journal = path.join(dir, 'args.journal.ndjson');
    const results = await Promise.all([
      box.cli(['import', file, ...target(), '--journal', journal, '--bogus']),
      box.cli(['import', file, '--token', TOKEN, '--org', '1', '--journal', journal]),
      box.cli(['import', file, ...target(), '--journal', journal, '--batch-size', '0']),
      box.cli(['import', file, ...target(), '--journal', journal, '--format', 'excel']),
      box.cli(['import', ...target()]),
      box.cli(['reconcile', file, '--url', server.url, '--token', TOKEN]),
    ]);
    const [unknownOption, noUrl, badBatch, badFormat, noFiles, reconcileNoOrg] = results as [
      CliResult,
      CliResult,
      CliResult,
      CliResult,
      CliResult,
      CliResult,
    ];
    expectExit(unknownOption, 1);
    assert.match(unknownOption.stderr, /^error: unknown option '--bogus'/);
    // --url may come from TRACKER_URL, so its absence is the command's error, not commander's.
    expectError(noUrl, /give the target with --url or TRACKER_URL/);
    expectExit(badBatch, 1);
    assert.match(badBatch.stderr, /--batch-size takes a whole number from 1 to 10000/);
    expectExit(badFormat, 1);
    assert.match(badFormat.stderr, /argument 'excel' is invalid\. Allowed choices are native, jira/);
    expectError(noFiles, /give the files to read, or --source with its options/);
    expectError(
      reconcileNoOrg,
      /give the organization with --org or TRACKER_ORG_ID \(or --cloud-org or TRACKER_CLOUD_ORG_ID\)/,
      'reconcile',
    );

    const [bothOrgs, badZone, missingFile, badRegex] = await Promise.all([
      runImport([file], ['--cloud-org', 'cloud-1']),
      runImport([file], ['--timezone', 'CEST']),
      runImport([path.join(dir, 'no-such-file.csv')]),
      runImport([file], ['--issue-regex', 'MIG-(']),
    ]);
    expectError(bothOrgs!, /give exactly one of --org and --cloud-org/);
    expectError(badZone!, /--timezone: .*CEST/);
    expectError(missingFile!, /ENOENT.*no-such-file\.csv/);
    expectError(badRegex!, /--issue-regex: Invalid regular expression/);
    assert.ok(!fs.existsSync(journal), 'no run got as far as its journal');
    assert.deepEqual(await comments('MIG-4').then((list) => list.filter((comment) => comment === 'entry args-1')), [], 'nothing was sent');
  });

  it('1: an unreachable server (after the retries) or a refused token', async () => {
    const file = csv('unreachable.csv', [row('unreachable-1', { issue: 'MIG-4' })]);
    const closedPort = `http://127.0.0.1:${await freePort()}`;
    const [importDown, reconcileDown, wrongToken] = await Promise.all([
      box.cli(['import', file, ...target(closedPort), '--retries', '1', '--journal', path.join(dir, 'unreachable.journal.ndjson')], {
        timeoutMs: 30_000,
      }),
      box.cli(['reconcile', file, ...target(closedPort), '--retries', '1'], { timeoutMs: 30_000 }),
      box.cli([
        'import',
        file,
        '--url',
        server.url,
        '--token',
        'not-a-token-of-this-server',
        '--org',
        '1',
        '--journal',
        path.join(dir, 'token.journal.ndjson'),
      ]),
    ]);
    expectError(importDown!, /ECONNREFUSED/);
    assert.match(importDown!.stderr, /retry 1 in [\d.]+ s after ECONNREFUSED/, 'it retried first');
    expectError(reconcileDown!, /ECONNREFUSED/, 'reconcile');
    expectError(wrongToken!, /401/);
  });

  it('reconcile: 0 without differences, 3 with them, each difference printed', async () => {
    const file = csv('reconcile.csv', [row('rec-1', { issue: 'MIG-1' }), row('rec-2', { issue: 'MIG-1', duration: 'PT30M' })]);
    // MIG-1 holds good-1 (1 h) and good-2 (30 min) of the first test, on the same day, by alice.
    const same = expectExit(await runReconcile([file]), 0);
    assert.match(same.stdout, /Compared 1 issue\/user\/day totals on 1 issues/);
    assert.match(same.stdout, /No differences\.\n$/);

    const other = csv('reconcile-other.csv', [row('rec-3', { issue: 'MIG-1', duration: 'PT2H' })]);
    const differs = expectExit(await runReconcile([other]), 3);
    assert.match(
      differs.stdout,
      /MIG-1 alice 2025-02-01: files 2 h in 1 entries, server 1 h 30 min in 2 entries \(server -30 min\): entries differ/,
    );
    assert.match(differs.stdout, /1 differences\.\n$/);
  });

  describe('the failures file always describes the latest run', () => {
    it('a re-run that succeeds removes it; one with fewer failures rewrites it with only those', async () => {
      const file = csv('stale.csv', [
        row('stale-1', { issue: 'MIG-2' }),
        row('stale-2', { issue: 'MIG-2', user: 'carol' }),
        row('stale-3', { issue: 'MIG-2', user: 'dave' }),
      ]);
      const failures = path.join(dir, 'stale.failures.csv');
      const journal = path.join(dir, 'stale.journal.ndjson');
      const failedIds = () =>
        fs
          .readFileSync(failures, 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((line) => line.split(',')[6]);

      const first = expectExit(await runImport([file], ['--skip-invalid'], journal), 2);
      assert.match(first.stdout, /created 1, already present 0, failed 2/);
      assert.deepEqual(failedIds(), ['stale-2', 'stale-3']);

      expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'carol' } }), 201);
      const second = expectExit(await runImport([file], ['--skip-invalid'], journal), 2);
      assert.match(second.stdout, /created 1, already present 0, failed 1, skipped \(in the journal\) 1/);
      assert.deepEqual(failedIds(), ['stale-3'], "only this run's failure, not the earlier one");
      assert.doesNotMatch(second.stdout, /Removed/);

      expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'dave' } }), 201);
      const third = expectExit(await runImport([file], ['--skip-invalid'], journal), 0);
      assert.match(third.stdout, /created 1, already present 0, failed 0, skipped \(in the journal\) 2/);
      assert.ok(!fs.existsSync(failures), 'no failures file once a run has no failures');
      assert.match(third.stdout, new RegExp(`Removed ${failures.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: an earlier run's failures`));
      assert.deepEqual(
        (await comments('MIG-2')).filter((comment) => comment?.startsWith('entry stale')),
        ['entry stale-1', 'entry stale-2', 'entry stale-3'],
      );

      // A run with nothing to do leaves no file either (and says nothing about one that is not there).
      const fourth = expectExit(await runImport([file], [], journal), 0);
      assert.ok(!fs.existsSync(failures));
      assert.doesNotMatch(fourth.stdout, /Removed|Failures:/);
    });

    it('the same with --failures-dir, and a failures file fed back as input is never removed or overwritten', async () => {
      const failuresDir = path.join(dir, 'failures');
      fs.mkdirSync(failuresDir);
      const file = csv('fed.csv', [row('fed-1', { issue: 'MIG-3' }), row('fed-2', { issue: 'MIG-3', createdAt: TOO_LATE })]);
      const journal = path.join(dir, 'fed.journal.ndjson');
      const failures = path.join(failuresDir, 'fed.failures.csv');
      expectExit(await runImport([file], ['--failures-dir', failuresDir], journal), 2);
      assert.match(fs.readFileSync(failures, 'utf8'), /fed-2/);

      // Given beside its own input, the failures file would be both: refused before anything happens.
      const beside = csv('fed.failures.csv', [row('fed-2', { issue: 'MIG-3' })]);
      const clash = await runImport([file, beside], [], journal);
      expectError(clash, /the failures file of .*fed\.csv would be .*fed\.failures\.csv, which is also an input; give --failures-dir/);
      assert.ok(fs.existsSync(beside), 'the input is still there');
      const twins = await runImport([file, path.join(dir, 'other', 'fed.csv')], ['--failures-dir', failuresDir], journal);
      expectError(twins, /would share the failures file/);

      // The row fixed and fed back (the failures file itself, with its timeport_failure column):
      // that run is clean, and so is the next run of the original file, which removes the old list.
      const fixed = fs.readFileSync(failures, 'utf8').replace(TOO_LATE, '2025-02-01T10:00:00Z');
      fs.writeFileSync(failures, fixed);
      const fedBack = expectExit(await runImport([failures], ['--failures-dir', failuresDir], journal), 0);
      assert.match(fedBack.stdout, /created 1, already present 0, failed 0/);
      assert.ok(fs.existsSync(failures), 'the input of that run is kept');
      const rerun = expectExit(await runImport([file], ['--failures-dir', failuresDir], journal), 0);
      assert.match(rerun.stdout, /created 0, already present 0, failed 0, skipped \(in the journal\) 2/);
      assert.ok(!fs.existsSync(failures), 'the original input has no failures now: its failures file is gone');
      assert.deepEqual(
        (await comments('MIG-3')).filter((comment) => comment?.startsWith('entry fed')),
        ['entry fed-1', 'entry fed-2'],
      );
    });
  });

  it('the server kept running through all of it', async () => {
    assert.ok(server.child.running, server.child.transcript());
    assert.equal((await server.stop()).code, 0, server.child.transcript());
  });
});
