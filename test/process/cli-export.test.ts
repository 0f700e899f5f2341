/**
 * `timeport export` as a user runs it: a CSV file or NDJSON on standard output that `timeport
 * import` reads back into another organization, and `timeport reconcile` finds equal; bad options
 * exit 1 with one line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, createQueue, importIssue, importWorklog, listWorklogs } from './tracker.js';

const TOKEN = 'cli-export-token-00000001';
const ORG1 = { token: TOKEN, org: '1' } satisfies As;
type OrgAs = typeof ORG1;
const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

describe('timeport export', { timeout: 120_000 }, () => {
  const box = new Sandbox('timeport-cli-export-');
  let server: ServerProcess;
  let org2: OrgAs;

  before(async () => {
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ORG1, 'EXP');
    await importIssue(server, ORG1, 'EXP');
    for (const [index, start] of [
      '2025-01-20T08:00:00.000+0000',
      '2025-02-01T23:30:00.000+0000',
      '2025-02-10T12:00:00.000+0000',
    ].entries()) {
      await importWorklog(server, ORG1, 'EXP-1', { start, createdAt: start, duration: `PT${index + 1}H30M`, comment: `entry ${index}` });
    }
    // A second organization with the same queue, issue and user, to import into.
    const created = await box.cli(['org', 'create', '2', '--admin', 'admin']);
    assert.equal(created.code, 0, show(created));
    org2 = { token: created.stdout.trim(), org: '2' };
    await createQueue(server, org2, 'EXP');
    await importIssue(server, org2, 'EXP');
  });
  after(() => box.dispose());

  const target = (as: OrgAs) => ['--url', server.url, '--token', as.token, '--org', as.org];

  it('writes CSV that import reads back into another organization, and reconcile finds equal', async () => {
    const file = path.join(box.dataDir, 'exported.csv');
    const exported = await box.cli(['export', ...target(ORG1), '--format', 'csv', '--output', file]);
    assert.equal(exported.code, 0, show(exported));
    assert.match(exported.stderr, /Export finished in [\d.]+ s: 3 worklogs written to .*exported\.csv/);
    assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, 4, 'the header and three rows');
    const imported = await box.cli(['import', file, ...target(org2), '--journal', path.join(box.dataDir, 'journal.ndjson')]);
    assert.equal(imported.code, 0, show(imported));
    assert.match(imported.stdout, /created 3, already present 0, failed 0/);
    const shape = async (as: OrgAs) =>
      (await listWorklogs(server, as, 'EXP-1')).map((worklog) => [worklog.start, worklog.duration, worklog.comment].join(' ')).sort();
    assert.deepEqual(await shape(org2), await shape(ORG1));
    const reconciled = await box.cli(['reconcile', file, ...target(org2)]);
    assert.equal(reconciled.code, 0, show(reconciled));
    assert.match(reconciled.stdout, /No differences\./);
  });

  it('writes NDJSON to standard output, only the days asked for', async () => {
    const result = await box.cli(['export', ...target(ORG1), '--from', '2025-02-01', '--to', '2025-02-05', '--timezone', 'Europe/Moscow']);
    assert.equal(result.code, 0, show(result));
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { comment: string; createdBy: string });
    // 2025-02-01T23:30Z is the 2nd in Moscow: inside; 2025-01-20 and 2025-02-10 are outside.
    assert.deepEqual(
      rows.map((row) => [row.comment, row.createdBy]),
      [['entry 1', 'admin']],
    );
  });

  it('bad options and a refused token exit 1 with one line', async () => {
    for (const [args, message] of [
      [['export', ...target(ORG1), '--from', '2025-02-10', '--to', '2025-02-01'], /--from 2025-02-10 is after --to 2025-02-01/],
      [['export', ...target(ORG1), '--timezone', 'CET'], /--timezone: "CET" is a time-zone abbreviation/],
      [['export', ...target(ORG1), '--from', '2025-02-30'], /--from takes a day such as 2024-03-14/],
      [['export', ...target({ token: 'tpt_not_a_valid_token_at_all_00000', org: '1' })], /401/],
    ] as const) {
      const result = await box.cli([...args]);
      assert.equal(result.code, 1, show(result));
      assert.ok(!hasStackTrace(result.stderr), show(result));
      assert.match(result.stderr, message, show(result));
    }
  });
});
