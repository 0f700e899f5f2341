import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Sandbox, type ServerProcess } from '../../support/harness.js';

const TOKEN = 'runs-admin-token-0001';

/**
 * `timeport runs` and `timeport rollback` as a user runs them, through bin/timeport.js against a
 * server process: the run id in the import's summary, `runs --json`, a dry run, the exit codes
 * (3 while a worklog changed since the run is left alone, 0 once forced, 1 for a second rollback
 * and an unknown run), with the run logs in the default state directory ($XDG_STATE_HOME).
 */
describe('timeport runs and timeport rollback', { timeout: 110_000 }, () => {
  const sandbox = new Sandbox('timeport-runs-');
  let server: ServerProcess;
  const as = { token: TOKEN, org: '1' };
  const file = path.join(sandbox.dataDir, 'entries.ndjson');
  const target = () => ['--url', server.url, '--token', TOKEN, '--org', '1'];

  before(async () => {
    server = await sandbox.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    const ok = async (answer: Promise<{ status: number; text: string }>) => {
      const response = await answer;
      assert.ok(response.status < 300, response.text);
    };
    await ok(server.request('/v3/queues/', { ...as, method: 'POST', body: { key: 'RUN', name: 'Runs', lead: 'admin' } }));
    await ok(
      server.request('/v3/issues/_import', {
        ...as,
        method: 'POST',
        body: {
          queue: 'RUN',
          summary: 'Issue',
          createdAt: '2020-01-01T00:00:00Z',
          createdBy: 'admin',
          updatedAt: '2024-12-31T00:00:00Z',
          updatedBy: 'admin',
        },
      }),
    );
  });
  after(() => sandbox.dispose());

  const stored = () => {
    const db = new BetterSqlite3(sandbox.databaseFile, { readonly: true });
    try {
      return db.prepare('select id, comment from worklogs order by id').all() as { id: number; comment: string }[];
    } finally {
      db.close();
    }
  };
  const importRun = async (prefix: string, count: number, api: 'tracker' | 'auto') => {
    fs.writeFileSync(
      file,
      Array.from({ length: count }, (_, index) =>
        JSON.stringify({
          issue: 'RUN-1',
          createdBy: 'admin',
          createdAt: `2023-05-${String(index + 1).padStart(2, '0')}T17:00:00Z`,
          start: `2023-05-${String(index + 1).padStart(2, '0')}T09:00:00Z`,
          duration: `PT${index + 1}H`,
          comment: `${prefix} ${index}`,
          externalId: `${prefix}-${index}`,
        }),
      ).join('\n') + '\n',
    );
    const run = await sandbox.cli(['import', file, '--api', api, ...target()], { timeoutMs: 60_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const id = /^Run: (\S+) \(timeport rollback \1 undoes it\)$/m.exec(run.stdout)?.[1];
    assert.ok(id !== undefined, run.stdout);
    return id;
  };
  const runsJson = async () => {
    const runs = await sandbox.cli(['runs', '--json', ...target()]);
    assert.equal(runs.code, 0, runs.stderr);
    return JSON.parse(runs.stdout) as {
      id: string;
      startedAt: string;
      command: string;
      source: string;
      target: string;
      counts: { created: number; updated: number; deleted: number };
      rolledBack: boolean;
    }[];
  };

  test('an import listed by runs --json, rolled back (dry run first), then refused a second time', async () => {
    const id = await importRun('first', 4, 'auto');
    assert.equal(stored().length, 4);
    const [run, ...others] = await runsJson();
    assert.deepEqual(others, []);
    assert.equal(run!.id, id);
    assert.equal(run!.command, 'import');
    assert.equal(run!.source, 'entries.ndjson');
    assert.equal(run!.target, server.url);
    assert.deepEqual(run!.counts, { created: 4, updated: 0, deleted: 0 });
    assert.equal(run!.rolledBack, false);
    assert.ok(!Number.isNaN(Date.parse(run!.startedAt)));
    assert.ok(fs.existsSync(path.join(sandbox.dataDir, 'state', 'timeport', 'runs', `${id}.ndjson`)), 'in $XDG_STATE_HOME/timeport/runs');

    const dry = await sandbox.cli(['rollback', id, '--dry-run', ...target()]);
    assert.equal(dry.code, 0, `${dry.stdout}\n${dry.stderr}`);
    assert.match(dry.stdout, /^Dry run \(nothing written\): would delete 4, /m);
    assert.equal(stored().length, 4);

    const undo = await sandbox.cli(['rollback', id, ...target()]);
    assert.equal(undo.code, 0, `${undo.stdout}\n${undo.stderr}`);
    assert.match(undo.stdout, new RegExp(`^Rollback: deleted 4, .*; run ${id} is marked rolled back$`, 'm'));
    assert.deepEqual(stored(), []);
    assert.equal((await runsJson())[0]!.rolledBack, true);

    const twice = await sandbox.cli(['rollback', id, ...target()]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, new RegExp(`^timeport rollback: run ${id} was already rolled back at `, 'm'));
    const unknown = await sandbox.cli(['rollback', '20200101T000000Z-000000', ...target()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no run 20200101T000000Z-000000/);
  });

  test('a worklog changed since the run: exit 3 and listed, then --force undoes it (exit 0); runs lists newest first', async () => {
    const id = await importRun('second', 3, 'tracker');
    const [edited] = stored();
    const patch = await server.request(`/v3/issues/RUN-1/worklog/${edited!.id}`, { ...as, method: 'PATCH', body: { comment: 'edited' } });
    assert.equal(patch.status, 200, patch.text);

    const runs = await runsJson();
    assert.equal(runs[0]!.id, id, 'newest first');
    assert.equal(runs.length, 2);

    const left = await sandbox.cli(['rollback', id, ...target()]);
    assert.equal(left.code, 3, `${left.stdout}\n${left.stderr}`);
    assert.match(
      left.stdout,
      new RegExp(`^left alone: worklog ${edited!.id} on RUN-1 \\(created by the run\\): changed in the target`, 'm'),
    );
    assert.deepEqual(
      stored().map((worklog) => worklog.comment),
      ['edited'],
    );
    const listed = await sandbox.cli(['runs', ...target()]);
    assert.match(listed.stdout, new RegExp(`^${id}  \\S+  import  entries.ndjson  created 3, updated 0, deleted 0, 2 undone$`, 'm'));

    const forced = await sandbox.cli(['rollback', id, '--force', ...target()]);
    assert.equal(forced.code, 0, `${forced.stdout}\n${forced.stderr}`);
    assert.deepEqual(stored(), []);
  });
});
