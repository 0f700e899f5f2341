/**
 * Crash safety: 64 concurrent importers against a real server process, SIGKILL in the middle of the
 * load, a restart on the same data. Every entry answered 200 must be there exactly once, no entry
 * may be half-written or doubled, and every issue's `spent` must equal the sum of its worklogs.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { Sandbox } from './harness.js';
import { type As, type Worklog, call, createQueue, expectStatus, getIssue, importIssue, postWorklog, worklogBody } from './tracker.js';

const ADMIN: As = { token: 'crash-test-admin-token-0001', org: '1' };
const ENV = { TIMEPORT_ADMIN_TOKEN: ADMIN.token, TIMEPORT_PUBLIC_URL: 'http://timeport.test' };
const IMPORTERS = 64;
const ISSUES = 8;
/** The load is killed once this many entries were acknowledged (or after KILL_AFTER_MS). */
const KILL_AFTER_ACKNOWLEDGED = 600;
const KILL_AFTER_MS = 10_000;

const seconds = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const parsed = parseBusinessDuration(duration);
  assert.ok(parsed.ok, duration);
  return parsed.value;
};

/** Every worklog of an issue, following the `id` cursor. */
async function allWorklogs(server: Parameters<typeof call>[0], key: string): Promise<Worklog[]> {
  const worklogs: Worklog[] = [];
  let after: number | undefined;
  for (;;) {
    const page = expectStatus<Worklog[]>(
      await call(server, ADMIN, `/v3/issues/${key}/worklog?perPage=1000${after === undefined ? '' : `&id=${after}`}`),
      200,
    );
    worklogs.push(...page);
    if (page.length < 1000) return worklogs;
    after = page[page.length - 1]!.id;
  }
}

describe('crash safety', { timeout: 120_000 }, () => {
  const box = new Sandbox('timeport-crash-');
  after(() => box.dispose());

  it('SQLite: after SIGKILL under 64 concurrent importers, every acknowledged entry is there exactly once', async () => {
    const server = await box.serve({ env: ENV });
    await createQueue(server, ADMIN);
    const keys: string[] = [];
    for (let i = 0; i < ISSUES; i += 1) keys.push((await importIssue(server, ADMIN)).key);

    const acknowledged = new Map<string, { key: string; seconds: number }>();
    const attempted = new Set<string>();
    let killed = false;
    let signalKill: () => void = () => {};
    const killNow = new Promise<void>((resolve) => (signalKill = resolve));
    const importer = async (worker: number) => {
      for (let n = 0; !killed; n += 1) {
        const comment = `importer ${worker} entry ${n}`;
        const key = keys[(worker + n) % ISSUES]!;
        const minutes = 1 + ((worker * 7 + n) % 120);
        attempted.add(comment);
        try {
          const response = await postWorklog(server, ADMIN, key, worklogBody({ comment, duration: `PT${minutes}M` }));
          if (response.status === 200) {
            acknowledged.set(comment, { key, seconds: minutes * 60 });
            if (acknowledged.size >= KILL_AFTER_ACKNOWLEDGED) signalKill();
          } else {
            assert.fail(`an import during the load answered ${response.status}: ${response.text}`);
          }
        } catch {
          // The connection died with the server: the entry may or may not have been stored.
          return;
        }
      }
    };
    const load = Promise.all(Array.from({ length: IMPORTERS }, (_, worker) => importer(worker)));
    await Promise.race([killNow, new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS))]);
    killed = true;
    const exit = await server.child.kill();
    assert.equal(exit.signal, 'SIGKILL');
    await load;
    assert.ok(acknowledged.size > 0, 'some imports were acknowledged before the kill');

    // The file as the next process finds it: whole.
    const sqlite = new BetterSqlite3(box.databaseFile);
    assert.equal(sqlite.pragma('integrity_check', { simple: true }), 'ok');
    sqlite.close();

    const restarted = await box.serve({ env: ENV });
    const seen = new Map<string, number>();
    for (const key of keys) {
      const worklogs = await allWorklogs(restarted, key);
      let sum = 0;
      for (const worklog of worklogs) {
        assert.ok(worklog.comment !== undefined && attempted.has(worklog.comment), `an entry nobody sent: ${JSON.stringify(worklog)}`);
        seen.set(worklog.comment, (seen.get(worklog.comment) ?? 0) + 1);
        sum += seconds(worklog.duration);
        const sent = acknowledged.get(worklog.comment);
        if (sent !== undefined) {
          assert.equal(worklog.issue.key, sent.key, 'stored on the issue it was sent to');
          assert.equal(seconds(worklog.duration), sent.seconds, 'stored with the duration it was sent with');
        }
      }
      assert.equal(seconds((await getIssue(restarted, ADMIN, key)).spent), sum, `${key}: spent equals the sum of its worklogs`);
    }
    for (const [comment, count] of seen) assert.equal(count, 1, `${comment} is stored ${count} times`);
    const lost = [...acknowledged.keys()].filter((comment) => !seen.has(comment));
    assert.deepEqual(lost, [], 'every acknowledged entry survived the crash');
    assert.equal((await restarted.stop()).code, 0);
  });
});
