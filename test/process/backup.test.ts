/**
 * `timeport backup <file>` while the server is taking imports: the copy is consistent (every
 * issue's `spent` is the sum of the worklogs in the copy), holds everything acknowledged before the
 * backup began, and a server started on it serves that data.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { type CliResult, SQLITE_FILE, Sandbox, hasStackTrace } from '../../support/harness.js';
import { type As, createQueue, getIssue, importIssue, listWorklogs, postWorklog, worklogBody } from './tracker.js';

const ADMIN: As = { token: 'backup-test-admin-token-01', org: '1' };
const ENV = { TIMEPORT_ADMIN_TOKEN: ADMIN.token, TIMEPORT_PUBLIC_URL: 'http://timeport.test' };

const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

const seconds = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const parsed = parseBusinessDuration(duration);
  assert.ok(parsed.ok, duration);
  return parsed.value;
};

describe('timeport backup', { timeout: 90_000 }, () => {
  const live = new Sandbox('timeport-backup-live-');
  const restored = new Sandbox('timeport-backup-restored-');
  after(async () => {
    await live.dispose();
    await restored.dispose();
  });

  it('copies a consistent database while imports go on, and a server runs on the copy', async () => {
    const server = await live.serve({ env: ENV });
    await createQueue(server, ADMIN);
    const keys = [(await importIssue(server, ADMIN)).key, (await importIssue(server, ADMIN)).key];
    const acknowledged = async (key: string, minutes: number) => {
      const response = await postWorklog(server, ADMIN, key, worklogBody({ duration: `PT${minutes}M` }));
      assert.equal(response.status, 200, response.text);
    };
    for (let i = 1; i <= 20; i += 1) await acknowledged(keys[i % 2]!, i);
    const before = 20;

    // Writers keep importing until the backup has finished.
    let writing = true;
    let written = 0;
    const writers = [0, 1, 2, 3].map(async (writer) => {
      while (writing) {
        await acknowledged(keys[writer % 2]!, 1 + (written % 50));
        written += 1;
      }
    });
    const file = path.join(restored.dataDir, 'copy.sqlite');
    const result = await live.cli(['backup', file], { env: ENV });
    writing = false;
    await Promise.all(writers);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^Backed up 2 issues and \d+ worklogs to .*copy\.sqlite \(\d+ bytes, \d+ ms\)\.\n$/);
    assert.ok(written > 0, 'imports ran during the backup');
    const copied = Number(/and (\d+) worklogs/.exec(result.stdout)![1]);
    assert.ok(copied >= before && copied <= before + written, `copied ${copied}, acknowledged ${before} before and ${written} during`);
    assert.deepEqual(fs.readdirSync(restored.dataDir).sort(), ['copy.sqlite'], 'one self-contained file, no partial or -wal files left');

    // Restore: the copy becomes the database of a new server.
    fs.renameSync(file, path.join(restored.dataDir, SQLITE_FILE));
    const copy = await restored.serve({ env: ENV });
    let total = 0;
    for (const key of keys) {
      const worklogs = await listWorklogs(copy, ADMIN, key);
      total += worklogs.length;
      const sum = worklogs.reduce((acc, worklog) => acc + seconds(worklog.duration), 0);
      assert.equal(seconds((await getIssue(copy, ADMIN, key)).spent), sum, `${key}: spent is the sum of its worklogs in the copy`);
    }
    assert.equal(total, copied);
    assert.equal((await copy.stop()).code, 0);
    assert.equal((await server.stop()).code, 0);
  });

  it('refuses to overwrite a file, a missing folder, a missing database and PostgreSQL, in one line', async () => {
    const box = new Sandbox('timeport-backup-refusals-');
    try {
      const existing = path.join(box.dataDir, 'exists.sqlite');
      fs.writeFileSync(existing, 'keep me');
      const cases: [string[], Record<string, string>, RegExp][] = [
        [['backup', path.join(box.dataDir, 'x.sqlite')], {}, /there is no database at /],
        [['backup', existing], {}, /there is no database at |exists; choose a new file/],
        [['backup', path.join(box.dataDir, 'x.sqlite')], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' }, /pg_dump/],
      ];
      for (const [args, env, message] of cases) {
        const result = await box.cli(args, { env });
        assert.equal(result.code, 1, show(result));
        assert.match(result.stderr, message, show(result));
        assert.ok(!hasStackTrace(result.stderr), show(result));
      }
      // With a database present: an existing target is kept unless --force.
      const server = await box.serve({ env: ENV });
      assert.equal((await server.stop()).code, 0);
      const refused = await box.cli(['backup', existing], { env: ENV });
      assert.equal(refused.code, 1, show(refused));
      assert.match(refused.stderr, /exists; choose a new file or pass --force/);
      assert.equal(fs.readFileSync(existing, 'utf8'), 'keep me');
      const missingFolder = await box.cli(['backup', path.join(box.dataDir, 'no', 'such', 'x.sqlite')], { env: ENV });
      assert.equal(missingFolder.code, 1, show(missingFolder));
      assert.match(missingFolder.stderr, /does not exist/);
      const forced = await box.cli(['backup', existing, '--force'], { env: ENV });
      assert.equal(forced.code, 0, show(forced));
      assert.match(forced.stdout, /^Backed up 0 issues and 0 worklogs/);
    } finally {
      await box.dispose();
    }
  });
});
