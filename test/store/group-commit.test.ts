/**
 * Group commit on SQLite (issue 6): concurrent writes share one transaction and one sync, each
 * answered only after its group's commit; a failing write fails alone; a failing commit fails the
 * whole group and leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { type Store, openSqliteStore } from '../../src/store/database.js';
import { GroupCommitter } from '../../src/store/group-commit.js';
import { tempDir } from '../../support/app.js';

describe('SQLite group commit', () => {
  const temp = tempDir();
  const file = path.join(temp.dir, 'timeport.sqlite');
  let store: Store;
  /** A second connection: sees only what is committed. */
  let reader: BetterSqlite3.Database;

  before(async () => {
    store = await openSqliteStore(file);
    await sql`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE, parent INTEGER REFERENCES notes(id))`.execute(
      store.db,
    );
    reader = new BetterSqlite3(file, { readonly: true });
  });
  after(async () => {
    reader.close();
    await store.close();
    temp.remove();
  });

  const committed = (text: string): boolean => reader.prepare('SELECT 1 FROM notes WHERE text = ?').get(text) !== undefined;
  const insert = (text: string) =>
    store.inWriteTransaction(async (trx) => {
      await sql`INSERT INTO notes (text) VALUES (${text})`.execute(trx);
      return text;
    });

  it('200 concurrent writes all land, each visible to another connection when it resolves, in far fewer commits', async () => {
    const before = store.groupCommitStats!();
    const seenAtResolve = await Promise.all(
      Array.from({ length: 200 }, (_, n) => insert(`concurrent ${n}`).then((text) => committed(text))),
    );
    assert.deepEqual(seenAtResolve, Array(200).fill(true), 'every write was committed before it was answered');
    const stats = store.groupCommitStats!();
    assert.equal(stats.writes - before.writes, 200);
    assert.ok(stats.groups - before.groups < 50, `200 writes took ${stats.groups - before.groups} commits`);
  });

  it('a write that fails is rolled back alone; the others of its group commit', async () => {
    const results = await Promise.allSettled([
      insert('group a'),
      store.inWriteTransaction(async (trx) => {
        await sql`INSERT INTO notes (text) VALUES ('half written')`.execute(trx);
        await sql`INSERT INTO notes (text) VALUES ('group a')`.execute(trx); // duplicate: fails
      }),
      insert('group b'),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(committed('group a'), true);
    assert.equal(committed('group b'), true);
    assert.equal(committed('half written'), false, 'the failed write left nothing');
  });

  it('waits while another process (the `timeport` command beside the server) holds the write lock', async () => {
    // better-sqlite3 waits for a lock synchronously, so the lock holder must be another process.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE'); db.exec("INSERT INTO notes (text) VALUES ('from the other process')");
         console.log('locked'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, 400);`,
        file,
      ],
      { cwd: path.resolve(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
      holder.once('exit', () => reject(new Error('the lock holder exited before locking')));
    });
    // A read first, as a service does (the token, the issue), then the write: with a deferred
    // BEGIN the write would fail with SQLITE_BUSY at once, since the other process wrote meanwhile.
    await store.inWriteTransaction(async (trx) => {
      await sql`SELECT count(*) FROM notes`.execute(trx);
      await sql`INSERT INTO notes (text) VALUES ('after the lock')`.execute(trx);
    });
    await exited;
    assert.equal(committed('from the other process'), true);
    assert.equal(committed('after the lock'), true);
  });

  it('a commit that fails fails every write of its group, and none of them is stored', async () => {
    // A deferred foreign key is checked at COMMIT: the group's commit fails, not the statement.
    const results = await Promise.allSettled([
      insert('doomed 1'),
      store.inWriteTransaction(async (trx) => {
        await sql`PRAGMA defer_foreign_keys = ON`.execute(trx);
        await sql`INSERT INTO notes (text, parent) VALUES ('orphan', 999999)`.execute(trx);
      }),
      insert('doomed 2'),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const text of ['doomed 1', 'orphan', 'doomed 2']) assert.equal(committed(text), false, text);
    // The store keeps working after a failed group.
    await insert('after the failure');
    assert.equal(committed('after the failure'), true);
  });

  describe("with savepoints only after a failure (the writer thread's imports)", () => {
    /** How many times each text's write ran: a group written again after a failure runs its writes twice. */
    const runs = new Map<string, number>();
    const committer = () => new GroupCommitter(store.db, { savepoints: 'after a failure' });
    const insertWith = (group: GroupCommitter, text: string) =>
      group.transaction(async (trx) => {
        runs.set(text, (runs.get(text) ?? 0) + 1);
        await sql`INSERT INTO notes (text) VALUES (${text})`.execute(trx);
        return text;
      });

    it('writes a group in one commit, each write once', async () => {
      const group = committer();
      const texts = Array.from({ length: 20 }, (_, n) => `no savepoint ${n}`);
      assert.deepEqual(await Promise.all(texts.map((text) => insertWith(group, text))), texts);
      assert.deepEqual(group.stats, { groups: 1, writes: 20 });
      for (const text of texts) {
        assert.equal(committed(text), true, text);
        assert.equal(runs.get(text), 1, `${text} ran once`);
      }
    });

    it('writes the group again, each write on its own, when one fails: only that one fails', async () => {
      await insert('taken');
      const group = committer();
      const results = await Promise.allSettled([
        insertWith(group, 'again a'),
        insertWith(group, 'taken'), // duplicate: fails
        insertWith(group, 'again b'),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
      assert.equal(committed('again a'), true);
      assert.equal(committed('again b'), true);
      assert.deepEqual(
        reader.prepare('SELECT count(*) AS n FROM notes WHERE text IN (?, ?)').get('again a', 'again b'),
        { n: 2 },
        'each once',
      );
      assert.equal(runs.get('again a'), 2, 'rolled back with its group, then written on its own');
      assert.deepEqual(group.stats, { groups: 1, writes: 2 }, 'one commit: the rolled-back group is not counted');
    });

    it('fails the first write when the write lock stays taken, and writes the others once it is free', async () => {
      const group = committer();
      const holder = new BetterSqlite3(file);
      holder.exec('BEGIN IMMEDIATE');
      // No wait for the lock: the group's BEGIN fails at once.
      await sql`pragma busy_timeout = 0`.execute(store.db);
      try {
        const first = insertWith(group, 'locked out');
        // The lock is let go when the first write has failed, before the group tries again.
        first.catch(() => holder.exec('ROLLBACK'));
        const results = await Promise.allSettled([first, insertWith(group, 'after the lock 1'), insertWith(group, 'after the lock 2')]);
        assert.deepEqual(
          results.map((result) => result.status),
          ['rejected', 'fulfilled', 'fulfilled'],
        );
        assert.equal((results[0] as PromiseRejectedResult).reason.code, 'SQLITE_BUSY');
        assert.equal(committed('locked out'), false);
        assert.equal(committed('after the lock 1'), true);
        assert.equal(committed('after the lock 2'), true);
      } finally {
        if (holder.inTransaction) holder.exec('ROLLBACK');
        holder.close();
        await sql`pragma busy_timeout = 5000`.execute(store.db);
      }
    });
  });
});
