/**
 * Single imports on a SQLite file, written by a thread of their own (store/sqlite-import-writer.ts):
 * what the thread writes is what the API answers and reads back, other writes run between its
 * groups without either connection failing on the other's lock, an import the thread cannot write
 * fails alone with the driver's own error, and when the thread is gone the imports are written on
 * the store's connection instead.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { formatBusinessDuration } from '../../src/domain/duration.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import type { Worklog } from '../../src/store/schema.js';
import { SqliteImportWriter } from '../../src/store/sqlite-import-writer.js';
import { insertImportedWorklogWithAudit } from '../../src/store/worklogs.js';
import { adminUid, singleImportEntry } from './single-import-entries.js';
import { type TestApp, tempDir, testBackend } from '../../support/app.js';
import {
  type IssueBody,
  type WorklogBody,
  buildAppWithIssue,
  expectStatus,
  getIssue,
  listAllWorklogs,
  postWorklog,
  worklogBody,
  durationSeconds,
} from '../api/fixtures.js';

describe('the SQLite import writer thread', { skip: testBackend() === 'postgres' ? 'SQLite only' : false }, () => {
  let t: TestApp;
  let key: string;
  let issueId: string;
  let author: number;
  before(async () => {
    let issue: IssueBody;
    ({ t, issue } = await buildAppWithIssue());
    ({ key, id: issueId } = issue);
    author = await adminUid(t);
  });
  after(() => t.close());

  const entry = (comment: string, issue = issueId) => singleImportEntry(author, issue, comment);

  it('writes concurrent imports over HTTP, and the store reads each back at once', async () => {
    const stats = t.store.singleImports!.stats;
    const before = { ...stats };
    const commitsBefore = t.store.groupCommitStats!();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => postWorklog(t, key, worklogBody({ comment: `threaded ${index}` }))),
    );
    const worklogs = answers.map((answer) => expectStatus<WorklogBody>(answer, 200));
    assert.equal(stats.writes - before.writes, 30, 'every one written by the thread');
    assert.ok(stats.groups - before.groups < 30, 'in groups');
    const commits = t.store.groupCommitStats!();
    assert.equal(commits.writes - commitsBefore.writes, 30, "the thread's commits count in the store's");
    assert.ok(commits.groups - commitsBefore.groups < 30, 'fewer commits than imports');
    for (const worklog of worklogs) {
      const read = await t.request({ method: 'GET', url: `/v3/issues/${key}/worklog/${worklog.id}` });
      assert.equal(expectStatus<WorklogBody>(read, 200).comment, worklog.comment);
    }
  });

  it('runs other writes between its groups: every write lands and spent is exact', async () => {
    // Without a wait for the other connection's lock, a write that met the thread's transaction
    // would fail at once (503) instead of waiting inside SQLite, with the event loop stopped.
    await sql`pragma busy_timeout = 0`.execute(t.store.db);
    const imports = Array.from({ length: 40 }, (_, index) => postWorklog(t, key, worklogBody({ comment: `mixed ${index}` })));
    const logged = Array.from({ length: 10 }, (_, index) =>
      t.request({
        method: 'POST',
        url: `/v3/issues/${key}/worklog`,
        payload: { start: '2025-05-01T10:00:00.000+0000', duration: `PT${index + 1}M` },
      }),
    );
    for (const answer of await Promise.all(imports)) expectStatus(answer, 200);
    for (const answer of await Promise.all(logged)) expectStatus(answer, 201);
    const worklogs = await listAllWorklogs(t, key);
    const sum = worklogs.reduce((total, worklog) => total + durationSeconds(worklog.duration), 0);
    assert.equal((await getIssue(t, key)).spent, formatBusinessDuration(sum));
    await sql`pragma busy_timeout = 5000`.execute(t.store.db);
  });

  it("starts a write of its own only once the thread's groups are answered", async () => {
    // A thread whose answer the test gives: while it holds a group, the store's connection must not
    // begin a transaction (SQLite would make it wait for the lock with the event loop stopped).
    let answer: (outcomes: Awaited<ReturnType<SqliteImportWriter['write']>>) => void = () => undefined;
    const thread = {
      available: true,
      write: () => new Promise<Awaited<ReturnType<SqliteImportWriter['write']>>>((resolve) => (answer = resolve)),
    } as unknown as SqliteImportWriter;
    const committer = new GroupCommitter(t.store.db, { writer: thread });
    const hold = (comment: string) => {
      const [values, event] = entry(comment);
      return committer.transaction((): Promise<Worklog> => Promise.reject(new Error('the thread writes it')), { values, event });
    };
    // Two at once: a lone import would be written on the store's connection.
    const held = [hold('held by the thread'), hold('held too')];
    let ranAt: 'before' | 'after' | undefined;
    let answered = false;
    const local = committer.transaction(async () => {
      ranAt = answered ? 'after' : 'before';
    });
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ranAt, undefined, 'waits while the thread holds its group');
    answered = true;
    answer([{ worklogId: 1 }, { worklogId: 2 }]);
    assert.deepEqual(
      (await Promise.all(held)).map((worklog) => [worklog.id, worklog.comment]),
      [
        [1, 'held by the thread'],
        [2, 'held too'],
      ],
    );
    await local;
    assert.equal(ranAt, 'after');
  });

  it("writes a lone import on the store's connection, where the trip to the thread would cost more", async () => {
    const writer = t.store.singleImports!;
    // The thread answered the tests before this one: past the moment it counts as in use.
    await new Promise((resolve) => setTimeout(resolve, 80));
    const before = { ...writer.stats };
    const worklog = await writer.write(...entry('alone'));
    assert.equal(worklog.comment, 'alone');
    assert.deepEqual(writer.stats, before, 'not sent to the thread');
  });

  it('sends even a lone import to the thread while the thread is in use, so that no disk sync stops the event loop', async () => {
    const writer = t.store.singleImports!;
    await Promise.all([writer.write(...entry('pair 1')), writer.write(...entry('pair 2'))]);
    const before = { ...writer.stats };
    assert.equal((await writer.write(...entry('lone, right after'))).comment, 'lone, right after');
    assert.deepEqual(writer.stats, { groups: before.groups + 1, writes: before.writes + 1 }, 'written by the thread');
  });

  it('answers each import with the row it stored, the thread and the store connection alike', async () => {
    const writer = t.store.singleImports!;
    // Two at once go to the thread; the lone one after the pause is written on the store's connection.
    const threaded = await Promise.all([writer.write(...entry('row 1')), writer.write(...entry('row 2', issueId))]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    const before = { ...writer.stats };
    const local = await writer.write(...entry('row 3'));
    assert.deepEqual(writer.stats, before, 'the last one not sent to the thread');
    for (const answered of [...threaded, local]) {
      const stored = await t.store.db.selectFrom('worklogs').selectAll().where('id', '=', answered.id).executeTakeFirstOrThrow();
      assert.deepEqual(answered, stored);
    }
  });

  it('fails only the import the thread cannot write, with the driver error', async () => {
    const writer = t.store.singleImports!;
    const outcomes = await Promise.allSettled([
      writer.write(...entry('fine')),
      writer.write(...entry('no such issue', 'no-such-issue')),
      writer.write(...entry('fine too')),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((outcomes[1] as PromiseRejectedResult).reason.code, 'SQLITE_CONSTRAINT_FOREIGNKEY');
  });

  it('writes on the store connection once the thread is gone', async () => {
    const temp = tempDir();
    // The thread cannot open a file in a folder that does not exist: it fails at its start.
    const writer = new SqliteImportWriter(path.join(temp.dir, 'missing', 'timeport.sqlite'));
    try {
      const committer = new GroupCommitter(t.store.db, { writer });
      const write = (comment: string) => {
        const [values, event] = entry(comment);
        return committer.transaction((trx) => insertImportedWorklogWithAudit('sqlite', trx, values, event), { values, event });
      };
      const lost = await Promise.allSettled([write('lost with the thread'), write('lost too')]);
      assert.deepEqual(
        lost.map((outcome) => outcome.status),
        ['rejected', 'rejected'],
      );
      assert.equal(writer.available, false);
      const later = await Promise.all([write('after the thread'), write('after it too')]);
      assert.deepEqual(
        later.map((worklog) => worklog.comment),
        ['after the thread', 'after it too'],
      );
      assert.equal(writer.stats.writes, 0);
    } finally {
      await writer.close();
      temp.remove();
    }
  });
});
