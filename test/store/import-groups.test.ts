/**
 * Single imports written in groups on PostgreSQL (store/import-groups.ts): the imports that come
 * together share one statement and one commit, each answered with its own row; a group the server
 * refuses is written again import by import, so only the one at fault fails; a group whose
 * connection fails is not written again. On both databases: concurrent imports over HTTP each land
 * once, with their own audit event, and `spent` stays exact.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import { ImportGroups } from '../../src/store/import-groups.js';
import { openPostgresPool, postgresKysely } from '../../src/store/postgres.js';
import { adminUid, singleImportEntry } from './single-import-entries.js';
import { type TestApp, buildTestApp, testBackend } from '../../support/app.js';
import {
  type IssueBody,
  NOW,
  type WorklogBody,
  buildAppWithIssue,
  createQueue,
  expectStatus,
  importIssue,
  postWorklog,
  worklogBody,
} from '../api/fixtures.js';

/** Every worklog of the issue, with the comment its import's audit event records for it. */
async function storedImports(t: TestApp, issueId: string) {
  const { rows } = await sql<{ id: number; comment: string; durationSeconds: number; details: { after: { comment?: string } } | null }>`
    select w.id, w.comment, w.duration_seconds, a.details
    from worklogs w left join audit_events a on a.worklog_id = w.id and a.action = 'worklog.import'
    where w.issue_id = ${issueId}`.execute(t.store.db);
  return rows.map(({ details, ...row }) => ({
    ...row,
    id: Number(row.id),
    durationSeconds: Number(row.durationSeconds),
    eventComment: details?.after.comment,
  }));
}

describe('single imports, concurrent, over HTTP', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
  });
  after(() => t.close());

  it('land once each, with their own audit event, and spent is their exact sum', async () => {
    const issues = [await importIssue(t), await importIssue(t)];
    const sent = Array.from({ length: 40 }, (_, index) => ({
      key: issues[index % 2]!.key,
      body: worklogBody({ comment: `concurrent ${index}`, duration: `PT${index + 1}M` }),
    }));
    const answers = await Promise.all(sent.map(({ key, body }) => postWorklog(t, key, body)));
    const worklogs = answers.map((answer) => expectStatus<WorklogBody>(answer, 200));
    assert.deepEqual(
      worklogs.map((worklog) => worklog.comment),
      sent.map(({ body }) => body.comment),
      'each answer is its own request',
    );
    assert.equal(new Set(worklogs.map((worklog) => worklog.id)).size, sent.length);
    for (const issue of issues) {
      const stored = await storedImports(t, issue.id);
      const mine = worklogs.filter((worklog) => worklog.issue.key === issue.key);
      assert.deepEqual(
        stored.map((row) => row.id).sort((a, b) => a - b),
        mine.map((worklog) => worklog.id).sort((a, b) => a - b),
      );
      for (const row of stored) assert.equal(row.eventComment, row.comment, `the audit event of worklog ${row.id} names it`);
      const answered = expectStatus<{ spent?: string }>(await t.request({ method: 'GET', url: `/v3/issues/${issue.key}` }), 200);
      assert.equal(answered.spent, formatBusinessDuration(stored.reduce((sum, row) => sum + row.durationSeconds, 0)));
    }
  });
});

describe(
  'import groups',
  { skip: testBackend() === 'sqlite' ? 'PostgreSQL only: SQLite shares commits through its group commit' : false },
  () => {
    let t: TestApp;
    let issueId: string;
    let author: number;
    before(async () => {
      let issue: IssueBody;
      ({ t, issue } = await buildAppWithIssue());
      issueId = issue.id;
      author = await adminUid(t);
    });
    after(() => t.close());

    const entry = (comment: string, durationSeconds: number, issue = issueId) => singleImportEntry(author, issue, comment, durationSeconds);
    const spentSeconds = async () => {
      const { rows } = await sql<{ seconds: number }>`
      select i.spent_seconds + coalesce((select sum(s.seconds) from issue_spent_shards s where s.issue_id = i.id), 0) as seconds
      from issues i where i.id = ${issueId}`.execute(t.store.db);
      return Number(rows[0]!.seconds);
    };

    it('writes the imports of one turn with one statement, each answered with its own row', async () => {
      const groups = t.store.singleImports as ImportGroups;
      const before = { ...groups.stats };
      const spentBefore = await spentSeconds();
      const written = await Promise.all(
        Array.from({ length: 20 }, (_, index) => groups.write(...entry(`grouped ${index}`, 60 * (index + 1)))),
      );
      assert.equal(groups.stats.groups - before.groups, 1, 'one statement');
      assert.equal(groups.stats.writes - before.writes, 20);
      assert.deepEqual(
        written.map((worklog) => worklog.comment),
        Array.from({ length: 20 }, (_, index) => `grouped ${index}`),
      );
      const stored = new Map((await storedImports(t, issueId)).map((row) => [row.id, row]));
      for (const worklog of written) {
        assert.equal(stored.get(worklog.id)?.comment, worklog.comment);
        assert.equal(stored.get(worklog.id)?.eventComment, worklog.comment, 'its audit event names it');
      }
      assert.equal((await spentSeconds()) - spentBefore, 60 * ((20 * 21) / 2));
    });

    it('writes a refused group again import by import: only the one at fault fails', async () => {
      const groups = t.store.singleImports as ImportGroups;
      const before = { ...groups.stats };
      const spentBefore = await spentSeconds();
      const outcomes = await Promise.allSettled([
        groups.write(...entry('fine 1', 60)),
        groups.write(...entry('no such issue', 120, 'no-such-issue')),
        groups.write(...entry('fine 2', 180)),
      ]);
      assert.equal(outcomes[0].status, 'fulfilled');
      assert.equal(outcomes[2].status, 'fulfilled');
      assert.equal(outcomes[1].status, 'rejected');
      assert.equal((outcomes[1] as PromiseRejectedResult).reason.code, '23503', 'the foreign key to the issue');
      assert.equal(groups.stats.refusedGroups - before.refusedGroups, 1);
      assert.equal((await spentSeconds()) - spentBefore, 240);
      const comments = (await storedImports(t, issueId)).map((row) => row.comment);
      assert.ok(comments.includes('fine 1') && comments.includes('fine 2'));
    });

    it('fails a group whose connection fails, and writes none of it again', async () => {
      // Nothing listens on port 1 of the loopback: the driver fails without an SQLSTATE, as it does
      // when a connection breaks, and the group's fate is then unknown.
      const options = { poolSize: 1, statementTimeoutMs: 1_000, connectTimeoutMs: 1_000 };
      const db = postgresKysely(openPostgresPool('postgres://postgres@127.0.0.1:1/test', options), options);
      try {
        const groups = new ImportGroups(db);
        const outcomes = await Promise.allSettled([groups.write(...entry('a', 60)), groups.write(...entry('b', 60))]);
        for (const outcome of outcomes) {
          assert.equal(outcome.status, 'rejected');
          assert.equal((outcome as PromiseRejectedResult).reason.code, 'ECONNREFUSED');
        }
        assert.deepEqual(groups.stats, { groups: 1, writes: 0, refusedGroups: 0 });
      } finally {
        await db.destroy();
      }
    });
  },
);
