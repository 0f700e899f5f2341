import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import { type SqliteConnection, forgetSqliteWriteTransaction, registerSqliteWriteTransaction } from './sqlite-direct.js';

/**
 * Group commit for SQLite (issue 6). SQLite has one writer, and with `synchronous=FULL` every
 * COMMIT waits for the disk. One transaction per request makes the disk sync the limit: a few
 * thousand writes a second, however fast the rest is. Here concurrent write transactions share
 * one database transaction and one sync:
 *
 * - each write runs on its own inside the shared transaction, between a SAVEPOINT and its RELEASE;
 *   a write that fails is rolled back to its savepoint and fails alone, the others go on;
 * - writes that arrive while a group runs join it, up to MAX_GROUP_WRITES or MAX_GROUP_MS;
 * - every write is answered only after the COMMIT of its group, so an answer still means "on
 *   disk" (README, "Guarantees"). If the COMMIT itself fails, every write of the group fails.
 *
 * A write alone (no concurrency) costs one SAVEPOINT and RELEASE more than before.
 */

/** The most writes one commit carries: bounds the latency a write can add to the others. */
const MAX_GROUP_WRITES = 256;
/** A group stops taking new writes after this long, so a steady stream still commits. */
const MAX_GROUP_MS = 20;

interface PendingWrite {
  work: (trx: Kysely<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private readonly queue: PendingWrite[] = [];
  private running = false;
  /** Commits attempted and writes they carried: writes / groups is how much the grouping saves. */
  readonly stats = { groups: 0, writes: 0 };

  /** With `direct`, the writes' prepared queries run on the connection itself (sqlite-direct.ts). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly direct?: SqliteConnection,
  ) {}

  /** Runs `work` in a transaction shared with concurrent writes; resolves after the commit. */
  transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.runGroups();
    });
  }

  private async runGroups(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        // Let the requests waiting for the connection (their reads: the token, the issue) run
        // first, so their writes join this group. better-sqlite3 answers in microtasks, so by the
        // next turn of the event loop every request that could get this far has queued its write.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.runGroup();
      }
    } finally {
      this.running = false;
    }
  }

  private async runGroup(): Promise<void> {
    const done: { write: PendingWrite; value: unknown }[] = [];
    /** The write running now: it fails with the group if the group fails under it. */
    let current: PendingWrite | undefined;
    const started = Date.now();
    this.stats.groups += 1;
    try {
      // BEGIN IMMEDIATE takes the write lock at once, waiting (busy_timeout) while another process
      // (the `timeport` command beside the server) holds it. A plain BEGIN takes it at the first
      // write, and a transaction that has read by then fails with SQLITE_BUSY at once if another
      // process wrote meanwhile: SQLite cannot wait for a snapshot that is already stale.
      await this.db.connection().execute(async (connection) => {
        try {
          await this.execute(connection, 'BEGIN IMMEDIATE');
        } catch (error) {
          // The lock stayed taken: the first write waiting fails (503), the others try again.
          current = this.queue.shift();
          throw error;
        }
        if (this.direct !== undefined) registerSqliteWriteTransaction(connection, this.direct);
        try {
          while (this.queue.length > 0 && done.length < MAX_GROUP_WRITES && (done.length === 0 || Date.now() - started < MAX_GROUP_MS)) {
            current = this.queue.shift()!;
            await this.execute(connection, 'SAVEPOINT timeport_write');
            let value: unknown;
            try {
              value = await current.work(connection);
            } catch (error) {
              // Undo this write only; if even that fails the transaction is broken and the group fails.
              await this.execute(connection, 'ROLLBACK TO timeport_write');
              await this.execute(connection, 'RELEASE timeport_write');
              current.reject(error);
              current = undefined;
              continue;
            }
            await this.execute(connection, 'RELEASE timeport_write');
            done.push({ write: current, value });
            current = undefined;
          }
          await this.execute(connection, 'COMMIT');
        } catch (error) {
          // If even ROLLBACK fails the connection is unusable; the first error is the one to report.
          await this.execute(connection, 'ROLLBACK').catch(() => undefined);
          throw error;
        } finally {
          forgetSqliteWriteTransaction(connection);
        }
      });
    } catch (error) {
      current?.reject(error);
      for (const { write } of done) write.reject(error);
      return;
    }
    this.stats.writes += done.length;
    for (const { write, value } of done) write.resolve(value);
  }

  /** A transaction-control statement, on the connection itself where it may (sqlite-direct.ts). */
  private async execute(connection: Kysely<Database>, statement: string): Promise<void> {
    if (this.direct === undefined) await sql.raw(statement).execute(connection);
    else this.direct.statements.prepare(statement).run();
  }
}
