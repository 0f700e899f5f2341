/**
 * Issue 19, point 3: on PostgreSQL a single import adds its duration to one of the issue's `spent`
 * counters (`issue_spent_shards`) instead of the issue's row, so imports into one issue no longer
 * wait for each other's commit (store/worklogs.ts); every read of an issue adds the counters to
 * the issue's column (store/issues.ts). Here: every read path adds them (both databases); two
 * imports, and an import beside a PATCH or a DELETE, into one issue each finish their statements
 * while the other's transaction is still open (PostgreSQL, with a lock timeout, so a wait is an
 * error rather than a hang); and `spent` is exact after many concurrent imports mixed with PATCH,
 * DELETE, the batch import and `_changes`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Caller, ServiceContext } from '../../src/service/context.js';
import { authenticate } from '../../src/service/tokens.js';
import { deleteWorklog, editWorklog, importWorklog } from '../../src/service/worklogs.js';
import type { DbHandle } from '../../src/store/database.js';
import { findIssueById, findIssueByKey, findIssueByUnique, issuesAfter, issuesByKey, pageOfIssues } from '../../src/store/issues.js';
import { SPENT_SHARDS, changeIssueSpent, issuesById } from '../../src/store/worklogs.js';
import { ADMIN_TOKEN, type TestApp, testBackend } from '../../support/app.js';
import {
  type IssueBody,
  buildAppWithIssue,
  expectStatus,
  getIssue,
  importIssue,
  importWorklog as postImport,
  listAllWorklogs,
  postWorklog,
  worklogBody,
  durationSeconds as seconds,
} from './fixtures.js';

/** The issue's `spent` through the API, and the sum of its listed worklogs: they must be equal. */
async function spentAndSum(t: TestApp, key: string): Promise<{ spent: number; sum: number }> {
  const worklogs = await listAllWorklogs(t, key);
  return { spent: seconds((await getIssue(t, key)).spent), sum: worklogs.reduce((total, worklog) => total + seconds(worklog.duration), 0) };
}

describe('spent counters: every read adds them', () => {
  let t: TestApp;
  let issue: IssueBody;
  before(async () => {
    ({ t, issue } = await buildAppWithIssue({ unique: 'counted' }));
    await postImport(t, issue.key, { duration: 'PT1H' });
  });
  after(() => t.close());

  it('the issue by id, key, unique, keys, page, scroll and worklog search, and after a spent change', async () => {
    // Counters as a single import on PostgreSQL leaves them (written here directly, on both
    // databases: the table is the same on both; SQLite's imports never write it). The import in
    // `before` has already written one shard on PostgreSQL, chosen by its connection's process id,
    // so these add to a shard that exists rather than assume which one it is.
    await t.store.db
      .insertInto('issueSpentShards')
      .values([
        { issueId: issue.id, shard: 3, seconds: 600 },
        { issueId: issue.id, shard: 17, seconds: 45 },
      ])
      .onConflict((conflict) =>
        conflict
          .columns(['issueId', 'shard'])
          .doUpdateSet((eb) => ({ seconds: eb('issueSpentShards.seconds', '+', eb.ref('excluded.seconds')) })),
      )
      .execute();
    const expected = 3600 + 600 + 45;
    const db = t.store.db;
    const orgId = '1';
    const reads: [string, number | undefined][] = [
      ['by id', (await findIssueById(db, orgId, issue.id))?.spentSeconds],
      ['by key', (await findIssueByKey(db, orgId, issue.key))?.spentSeconds],
      ['by unique', (await findIssueByUnique(db, orgId, 'counted'))?.spentSeconds],
      ['by keys', (await issuesByKey(db, orgId, [issue.key], 10)).get(issue.key)?.spentSeconds],
      ['a page', (await pageOfIssues(db, orgId, null, 10, 0)).issues[0]?.spentSeconds],
      ['a scroll', (await issuesAfter(db, orgId, null, null, 10)).issues[0]?.spentSeconds],
      ['by ids (worklog search)', (await issuesById(db, [issue.id])).get(issue.id)?.spentSeconds],
    ];
    for (const [what, spent] of reads) assert.equal(spent, expected, what);
    assert.equal(seconds((await getIssue(t, issue.key)).spent), expected, 'GET /v3/issues/<key>');
    const changed = await t.store.inWriteTransaction((trx) => changeIssueSpent(trx, issue.id, 60, { uid: 1, at: Date.now() }));
    assert.equal(changed.spentSeconds, expected + 60, "a PATCH's or DELETE's change answers the whole spent");
    assert.equal(seconds((await getIssue(t, issue.key)).spent), expected + 60);
  });
});

/** A transaction held open until told to commit: its connection's process id, and its handle. */
interface Held {
  trx: DbHandle;
  pid: number;
  commit(): Promise<void>;
}

/** Opens a transaction that waits for at most `lockTimeout` for any lock, and keeps it open. */
function holdTransaction(t: TestApp, lockTimeout: string): Promise<Held> {
  return new Promise<Held>((resolve, reject) => {
    let finish!: () => void;
    const finished = new Promise<void>((done) => (finish = done));
    const ended = t.store.db.transaction().execute(async (trx) => {
      await sql`select set_config('lock_timeout', ${lockTimeout}, true)`.execute(trx);
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      resolve({
        trx,
        pid: rows[0]!.pid,
        commit: async () => {
          finish();
          await ended;
        },
      });
      await finished;
    });
    ended.catch(reject);
  });
}

/** Runs `work`; if it fails, ends the held transactions (a failed one rolls back), so that the app can still close. */
async function releasedOnFailure(held: Held[], work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    await Promise.allSettled(held.map((one) => one.commit()));
    throw error;
  }
}

/**
 * A service context whose writes run in `held`'s open transaction instead of one of their own (a
 * single import too: without the store's writer of single imports, it is a write transaction).
 */
const inHeld = (t: TestApp, held: Held): ServiceContext => ({
  ...t.ctx,
  store: { ...t.store, inWriteTransaction: (work) => work(held.trx), singleImports: undefined },
});

describe(
  'imports into one issue do not wait for each other (PostgreSQL)',
  { skip: testBackend() === 'postgres' ? false : 'PostgreSQL only' },
  () => {
    let t: TestApp;
    let issue: IssueBody;
    let caller: Caller;
    before(async () => {
      ({ t, issue } = await buildAppWithIssue());
      caller = (await authenticate(t.ctx, ADMIN_TOKEN))!;
    });
    after(() => t.close());

    /**
     * Two open transactions whose imports land in different counters: `pg_backend_pid() % 32`
     * (store/worklogs.ts). Of three connections of the pool, two always differ unless all three
     * process ids meet modulo 32; the third transaction just commits.
     */
    async function twoTransactions(): Promise<[Held, Held]> {
      const held = await Promise.all([holdTransaction(t, '1s'), holdTransaction(t, '1s'), holdTransaction(t, '1s')]);
      const shard = (one: Held) => one.pid % SPENT_SHARDS;
      for (const [i, j] of [
        [0, 1],
        [0, 2],
        [1, 2],
      ] as const) {
        if (shard(held[i]!) !== shard(held[j]!)) {
          const other = held.find((_, k) => k !== i && k !== j)!;
          await other.commit();
          return [held[i]!, held[j]!];
        }
      }
      await Promise.allSettled(held.map((one) => one.commit()));
      throw new Error(`three connections with process ids ${held.map((one) => one.pid).join(', ')} all share one counter`);
    }

    const fields = (duration: string, comment: string) => ({
      duration,
      comment,
      createdAt: '2025-02-18T16:35:41.740+0000',
      start: '2025-02-18T16:35:41.740+0000',
      createdBy: 'admin',
    });

    it('two imports finish their statements before either commits; a read meanwhile sees neither, then both', async () => {
      const before = await spentAndSum(t, issue.key);
      const [first, second] = await twoTransactions();
      await releasedOnFailure([first, second], async () => {
        await importWorklog(inHeld(t, first), caller, issue.key, fields('PT1H', 'first'));
        // Before the change, this waited for the first transaction's lock on the issue's row: with the
        // lock timeout it would fail here instead of hanging.
        await importWorklog(inHeld(t, second), caller, issue.key, fields('PT30M', 'second'));
        assert.equal(seconds((await getIssue(t, issue.key)).spent), before.spent, 'neither is committed');
        await second.commit();
        assert.equal(seconds((await getIssue(t, issue.key)).spent), before.spent + 1800, 'the second alone');
        await first.commit();
        const after = await spentAndSum(t, issue.key);
        assert.equal(after.spent, before.spent + 3600 + 1800);
        assert.equal(after.spent, after.sum);
      });
    });

    it('a PATCH and a DELETE of the issue run beside an open import', async () => {
      const edited = await postImport(t, issue.key, { duration: 'PT2H', comment: 'to edit' });
      const deleted = await postImport(t, issue.key, { duration: 'PT3H', comment: 'to delete' });
      const before = await spentAndSum(t, issue.key);
      const [importing, changing] = await twoTransactions();
      await releasedOnFailure([importing, changing], async () => {
        await importWorklog(inHeld(t, importing), caller, issue.key, fields('PT15M', 'open import'));
        // A PATCH and a DELETE move the issue's own column (they also bump its version); before the
        // change the open import held that row's lock.
        await editWorklog(inHeld(t, changing), caller, issue.key, edited.id, { duration: 'PT1H' }, undefined);
        await deleteWorklog(inHeld(t, changing), caller, issue.key, deleted.id, undefined);
        await changing.commit();
        assert.equal(seconds((await getIssue(t, issue.key)).spent), before.spent - 3600 - 3 * 3600, 'the edit and the delete alone');
        await importing.commit();
        const after = await spentAndSum(t, issue.key);
        assert.equal(after.spent, before.spent - 3600 - 3 * 3600 + 900);
        assert.equal(after.spent, after.sum);
      });
    });
  },
);

describe('spent is exact after concurrent imports, edits, deletes, batches and changes into one issue', () => {
  let t: TestApp;
  let issue: IssueBody;
  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
    await importIssue(t, { summary: 'another' });
  });
  after(() => t.close());

  it('the issue answers the sum of its worklogs', async () => {
    const batch = (n: number, entries: number) =>
      t.request({
        method: 'POST',
        url: '/timeport/v1/worklogs/_import',
        payload: {
          mode: 'atomic',
          entries: Array.from({ length: entries }, (_, i) => ({
            externalId: `b${n}-${i}`,
            issue: issue.key,
            duration: `PT${i + n + 1}M`,
            createdAt: '2025-02-18T16:35:41.740+0000',
            createdBy: 'admin',
            start: '2025-02-18T16:35:41.740+0000',
          })),
        },
      });
    // Entries for the PATCHes, DELETEs and `_changes` to work on, some from a batch.
    const seeded = await Promise.all(Array.from({ length: 8 }, (_, i) => postImport(t, issue.key, { duration: `PT${i + 1}H` })));
    expectStatus(await batch(0, 4), 200);

    const requests = [
      ...Array.from({ length: 60 }, (_, i) =>
        postWorklog(t, issue.key, worklogBody({ duration: `PT${(i % 50) + 1}M`, comment: `import ${i}` })),
      ),
      ...Array.from({ length: 4 }, (_, n) => batch(n + 1, 5)),
      ...seeded
        .slice(0, 4)
        .map((worklog, i) =>
          t.request({ method: 'PATCH', url: `/v3/issues/${issue.key}/worklog/${worklog.id}`, payload: { duration: `PT${i + 5}M` } }),
        ),
      ...seeded.slice(4).map((worklog) => t.request({ method: 'DELETE', url: `/v3/issues/${issue.key}/worklog/${worklog.id}` })),
      t.request({
        method: 'POST',
        url: '/timeport/v1/worklogs/_changes',
        payload: {
          changes: [
            { action: 'update', externalId: 'b0-0', duration: 'PT7H' },
            { action: 'delete', externalId: 'b0-1' },
          ],
        },
      }),
    ];
    const answers = await Promise.all(requests);
    for (const answer of answers) assert.ok(answer.statusCode === 200 || answer.statusCode === 204, `${answer.statusCode}: ${answer.body}`);

    const { spent, sum } = await spentAndSum(t, issue.key);
    assert.equal(spent, sum);
    const stored = await t.store.db
      .selectFrom('worklogs')
      .select((eb) => eb.fn.sum<number | string | null>('durationSeconds').as('total'))
      .where('issueId', '=', issue.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.total), spent);
    const counters = await t.store.db.selectFrom('issueSpentShards').select('seconds').where('issueId', '=', issue.id).execute();
    if (testBackend() === 'postgres') {
      // The single imports went through the counters, so the answer above is the column plus them.
      assert.ok(counters.length > 0, 'the imports added to counters');
    } else {
      assert.deepEqual(counters, [], 'SQLite moves the issue row itself');
    }
  });
});
