/**
 * Secrets and state where users expect them (issue 16): `timeport import` and `reconcile` take
 * their target from TRACKER_URL, TRACKER_TOKEN, TRACKER_ORG_ID and TRACKER_CLOUD_ORG_ID when the
 * options are absent (the option wins), `--token -` reads the token from standard input, `.env` in
 * the working directory fills in what the environment lacks, and the journal's default home is the
 * user's state directory, so two runs of one import from two directories share it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, Sandbox, type ServerProcess, hasStackTrace } from '../../support/harness.js';
import { type As, createQueue, importIssue, listWorklogs } from './tracker.js';

const TOKEN = 'cli-environment-token-0001';
const ADMIN: As = { token: TOKEN, org: '1' };
const HEADER = 'issue,createdBy,createdAt,start,duration,comment,externalId';
const row = (id: string, issue = 'ENV-1'): string =>
  [issue, 'admin', '2025-02-01T10:00:00Z', '2025-02-01T09:00:00Z', 'PT1H', `entry ${id}`, id].join(',');

const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

function expectExit(result: CliResult, code: number): CliResult {
  assert.equal(result.code, code, show(result));
  assert.ok(!hasStackTrace(result.stderr), `no stack trace:\n${show(result)}`);
  return result;
}

describe('timeport import: target from the environment, .env, the journal in the state directory', { timeout: 180_000 }, () => {
  const box = new Sandbox('timeport-cli-env-');
  let server: ServerProcess;
  let files = 0;
  const state = path.join(box.dataDir, 'state');
  const comments = async (issue: string) => (await listWorklogs(server, ADMIN, issue)).map((worklog) => worklog.comment).sort();
  /** A directory of its own in the sandbox (a working directory for the command). */
  const directory = (name: string): string => {
    const dir = path.join(box.dataDir, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };
  /** Writes a native CSV and returns its path. */
  const csv = (rows: string[]): string => {
    const file = path.join(directory('input'), `entries-${++files}.csv`);
    fs.writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
    return file;
  };
  const journals = () => (fs.existsSync(path.join(state, 'timeport')) ? fs.readdirSync(path.join(state, 'timeport')) : []);

  before(async () => {
    server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    await createQueue(server, ADMIN, 'ENV');
    for (let i = 0; i < 6; i += 1) await importIssue(server, ADMIN, 'ENV');
  });
  after(() => box.dispose());

  it('imports with the token from TRACKER_TOKEN (and URL and organization from the environment), no --token', async () => {
    const file = csv([row('env-1')]);
    const result = expectExit(
      await box.cli(['import', file], { env: { TRACKER_URL: server.url, TRACKER_TOKEN: TOKEN, TRACKER_ORG_ID: '1' } }),
      0,
    );
    assert.match(result.stdout, /created 1, already present 0, failed 0/);
    assert.deepEqual(await comments('ENV-1'), ['entry env-1']);
  });

  it('says which variable to set when neither the option nor the variable gives the token', async () => {
    const result = expectExit(
      await box.cli(['import', csv([row('none-1')])], { env: { TRACKER_URL: server.url, TRACKER_ORG_ID: '1' } }),
      1,
    );
    assert.match(result.stderr, /^timeport import: give the token with TRACKER_TOKEN, or --token - to read it from standard input$/m);
  });

  it('the option wins over the variable: --org 1 with TRACKER_ORG_ID=999, --cloud-org with TRACKER_ORG_ID set', async () => {
    const file = csv([row('option-1', 'ENV-2')]);
    const env = { TRACKER_URL: server.url, TRACKER_TOKEN: TOKEN, TRACKER_ORG_ID: '999' };
    expectExit(await box.cli(['import', file, '--org', '1'], { env }), 0);
    assert.deepEqual(await comments('ENV-2'), ['entry option-1']);
    // Organization 999 does not exist: a refusal from the server proves --cloud-org replaced TRACKER_ORG_ID,
    // not a complaint that both were given.
    const cloud = expectExit(await box.cli(['import', file, '--cloud-org', 'bpf-none'], { env }), 1);
    assert.doesNotMatch(cloud.stderr, /exactly one of --org and --cloud-org/);
    // An empty variable counts as unset: TRACKER_ORG_ID= beside --cloud-org is not "both given".
    const emptyOrg = expectExit(await box.cli(['import', file, '--cloud-org', 'bpf-none'], { env: { ...env, TRACKER_ORG_ID: '' } }), 1);
    assert.doesNotMatch(emptyOrg.stderr, /exactly one of --org and --cloud-org/);
    const wrongToken = expectExit(await box.cli(['import', file, '--token', 'not-the-token'], { env: { ...env, TRACKER_ORG_ID: '1' } }), 1);
    assert.match(wrongToken.stderr, /401|not authorized|token/i);
  });

  it('--token - reads the token from standard input', async () => {
    const file = csv([row('stdin-1', 'ENV-3')]);
    const env = { TRACKER_URL: server.url, TRACKER_ORG_ID: '1', TRACKER_TOKEN: 'not-the-token' };
    expectExit(await box.cli(['import', file, '--token', '-'], { env, stdin: `${TOKEN}\n` }), 0);
    assert.deepEqual(await comments('ENV-3'), ['entry stdin-1']);
    const empty = expectExit(await box.cli(['import', file, '--token', '-'], { env, stdin: '' }), 1);
    assert.match(empty.stderr, /--token -: standard input held no token/);
  });

  it('reads .env in the working directory; the environment wins over it', async () => {
    const cwd = directory('with-dot-env');
    fs.writeFileSync(path.join(cwd, '.env'), `# the target\nTRACKER_URL=${server.url}\nTRACKER_TOKEN="${TOKEN}"\nTRACKER_ORG_ID=999\n`);
    const file = csv([row('dotenv-1', 'ENV-4')]);
    expectExit(await box.cli(['import', file], { cwd, env: { TRACKER_ORG_ID: '1' } }), 0);
    assert.deepEqual(await comments('ENV-4'), ['entry dotenv-1']);
    // Without the environment's TRACKER_ORG_ID, the file's 999 is used: the server refuses it.
    expectExit(await box.cli(['import', file], { cwd }), 1);
  });

  it('two runs of the same import from two working directories share one journal in $XDG_STATE_HOME/timeport', async () => {
    const file = csv([row('journal-1', 'ENV-5'), row('journal-2', 'ENV-5')]);
    const env = { TRACKER_URL: server.url, TRACKER_TOKEN: TOKEN, TRACKER_ORG_ID: '1' };
    const before = journals();
    const first = expectExit(await box.cli(['import', file], { cwd: directory('first'), env }), 0);
    assert.match(first.stdout, /created 2, already present 0, failed 0, skipped \(in the journal\) 0/);
    const journal = /^Journal: (.+)$/m.exec(first.stdout)?.[1];
    assert.ok(journal !== undefined, `the summary names the journal:\n${show(first)}`);
    assert.equal(path.dirname(journal), path.join(state, 'timeport'));
    assert.ok(fs.existsSync(journal));
    const second = expectExit(await box.cli(['import', file], { cwd: directory('second'), env }), 0);
    assert.match(
      second.stdout,
      /created 0, already present 0, failed 0, skipped \(in the journal\) 2/,
      "the second run found the first run's journal",
    );
    assert.match(second.stdout, new RegExp(`^Journal: ${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.deepEqual(await comments('ENV-5'), ['entry journal-1', 'entry journal-2']);
    assert.ok(!fs.readdirSync(directory('first')).some((name) => name.includes('journal')), 'nothing written to the working directory');
    assert.ok(journals().length > before.length || before.includes(path.basename(journal)));
  });

  it('--journal still chooses; a journal an earlier version left in the working directory is still used', async () => {
    const env = { TRACKER_URL: server.url, TRACKER_TOKEN: TOKEN, TRACKER_ORG_ID: '1' };
    const chosen = path.join(box.dataDir, 'chosen.ndjson');
    const result = expectExit(await box.cli(['import', csv([row('chosen-1', 'ENV-6')]), '--journal', chosen], { env }), 0);
    assert.match(result.stdout, new RegExp(`^Journal: ${chosen.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    // A legacy journal: the default journal's name, in the working directory, with the state directory's copy gone.
    const cwd = directory('legacy');
    const stateJournal = (await box.cli(['import', csv([row('legacy-1', 'ENV-6')])], { cwd, env })).stdout.match(/^Journal: (.+)$/m)![1]!;
    fs.renameSync(stateJournal, path.join(cwd, path.basename(stateJournal)));
    const again = expectExit(await box.cli(['import', csv([row('legacy-1', 'ENV-6')])], { cwd, env }), 0);
    assert.match(again.stdout, /skipped \(in the journal\) 1/, show(again));
    assert.match(again.stderr, /an earlier version kept in this directory/);
    assert.deepEqual(await comments('ENV-6'), ['entry chosen-1', 'entry legacy-1']);
  });
});
