import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';
import { type SqliteConnection, forgetSqliteWriteTransaction, registerSqliteWriteTransaction } from './sqlite-direct.js';
import type { ImportGroupEntry } from './import-groups.js';
import { type SqliteImportWriter, writerError } from './sqlite-import-writer.js';
import { importedWorklog } from './worklogs.js';

/**
 * Group commit for SQLite (issue 6). SQLite has one writer, and with `synchronous=FULL` every
 * COMMIT waits for the disk. One transaction per request makes the disk sync the limit: a few
 * thousand writes a second, however fast the rest is. Here concurrent write transactions share
 * one database transaction and one sync:
 *
 * - each write runs on its own inside the shared transaction, between a SAVEPOINT and its RELEASE;
 *   a write that fails is rolled back to its savepoint and fails alone, the others go on (the
 *   writer thread's imports skip the savepoints until one fails: GroupCommitOptions.savepoints);
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
/** For this long after the writer thread answered a group, even a lone import goes to it (forWriter). */
const WRITER_IN_USE_MS = 50;

export interface GroupCommitOptions {
  /** The writes' prepared queries run on the connection itself (sqlite-direct.ts). */
  direct?: SqliteConnection | undefined;
  /** Single imports go to its thread in groups of their own, between the groups of the other writes (sqlite-import-writer.ts). */
  writer?: SqliteImportWriter | undefined;
  /**
   * `always`: each write between a SAVEPOINT and its RELEASE. `after a failure`: a group is first
   * written without them, and only if one of its writes fails is it rolled back and written again
   * with them, so that the write at fault fails alone. Only for writes that may run twice (their
   * work does nothing but its statements): the writer thread's imports.
   */
  savepoints?: 'always' | 'after a failure';
}

interface PendingWrite {
  work: (trx: Kysely<Database>) => Promise<unknown>;
  /** A single import the writer thread may write instead of `work` (sqlite-import-writer.ts). */
  entry?: ImportGroupEntry;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter {
  private readonly queue: PendingWrite[] = [];
  private running = false;
  /** The groups sent to the writer thread and not answered yet. */
  private readonly writerGroups = new Set<Promise<void>>();
  /** When the writer thread last answered a group (performance.now()); -Infinity before. */
  private writerAnsweredAt = -Infinity;
  /**
   * Commits attempted on this connection and writes they carried: writes / groups is how much the
   * grouping saves. The writer thread's are its own (SqliteImportWriter.commitStats).
   */
  readonly stats = { groups: 0, writes: 0 };

  private readonly direct: SqliteConnection | undefined;
  private readonly writer: SqliteImportWriter | undefined;
  private readonly savepoints: GroupCommitOptions['savepoints'];

  constructor(
    private readonly db: Kysely<Database>,
    options: GroupCommitOptions = {},
  ) {
    this.direct = options.direct;
    this.writer = options.writer;
    this.savepoints = options.savepoints ?? 'always';
  }

  /**
   * Runs `work` in a transaction shared with concurrent writes; resolves after the commit. A single
   * import gives its `entry` too: the writer thread then writes it, unless it shares a group of
   * other writes here, which run `work`.
   */
  transaction<T>(work: (trx: Kysely<Database>) => Promise<T>, entry?: ImportGroupEntry): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, entry, resolve: resolve as (value: unknown) => void, reject });
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
        if (this.writer?.available === true && this.forWriter()) {
          // Sent, not awaited: the thread queues what comes while it commits into its next group,
          // so it never waits for this loop between two groups.
          const sent = this.runWriterGroup(this.writer);
          this.writerGroups.add(sent);
          void sent.finally(() => this.writerGroups.delete(sent));
        } else {
          // This connection writes only while the thread holds no transaction (sqlite-import-writer.ts).
          await Promise.all(this.writerGroups);
          if (this.savepoints === 'always' || !(await this.runGroupWithoutSavepoints())) await this.runGroup();
        }
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

  /**
   * Writes the head of the queue as one transaction with no savepoints (`savepoints: 'after a
   * failure'`). Answers false, with the group back at the head of the queue and nothing written,
   * when one of its writes failed: runGroup then writes it again, each write on its own.
   */
  private async runGroupWithoutSavepoints(): Promise<boolean> {
    const group = this.queue.splice(0, MAX_GROUP_WRITES);
    const values: unknown[] = [];
    this.stats.groups += 1;
    try {
      await this.db.connection().execute(async (connection) => {
        // BEGIN IMMEDIATE: see runGroup.
        try {
          await this.execute(connection, 'BEGIN IMMEDIATE');
        } catch (error) {
          throw new BeginFailed(error);
        }
        if (this.direct !== undefined) registerSqliteWriteTransaction(connection, this.direct);
        try {
          for (const write of group) values.push(await write.work(connection));
        } catch (error) {
          await this.execute(connection, 'ROLLBACK');
          throw new WriteFailed(error);
        } finally {
          forgetSqliteWriteTransaction(connection);
        }
        try {
          await this.execute(connection, 'COMMIT');
        } catch (error) {
          await this.execute(connection, 'ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      if (error instanceof WriteFailed) {
        this.stats.groups -= 1;
        this.queue.unshift(...group);
        return false;
      }
      if (error instanceof BeginFailed) {
        // As in runGroup: the lock stayed taken, the first write fails (503), the others try again.
        group[0]!.reject(error.failure);
        this.queue.unshift(...group.slice(1));
        return true;
      }
      for (const write of group) write.reject(error);
      return true;
    }
    this.stats.writes += group.length;
    group.forEach((write, index) => write.resolve(values[index]));
    return true;
  }

  /**
   * Whether the writes at the head of the queue go to the writer thread: single imports, at least
   * two of them, or while the thread holds a group or answered one a moment ago. A lone import
   * when the thread has been idle is written here: its trip to the thread and back costs more than
   * the thread saves when nothing else waits (BENCHMARKS.md). Under load, a lone import is a lull
   * between groups, and writing it here would stop the event loop for its commit's disk sync.
   */
  private forWriter(): boolean {
    if (this.queue[0]?.entry === undefined) return false;
    return this.writerGroups.size > 0 || this.queue[1]?.entry !== undefined || performance.now() - this.writerAnsweredAt < WRITER_IN_USE_MS;
  }

  /** The single imports at the head of the queue, written by the writer thread as one group. */
  private async runWriterGroup(writer: SqliteImportWriter): Promise<void> {
    const group: (PendingWrite & { entry: ImportGroupEntry })[] = [];
    while (group.length < MAX_GROUP_WRITES && this.queue[0]?.entry !== undefined) {
      group.push(this.queue.shift() as PendingWrite & { entry: ImportGroupEntry });
    }
    // The thread counts its own commits (SqliteImportWriter.commitStats).
    let outcomes: Awaited<ReturnType<SqliteImportWriter['write']>>;
    try {
      outcomes = await writer.write(group.map((write) => write.entry));
      this.writerAnsweredAt = performance.now();
    } catch (error) {
      for (const write of group) write.reject(error);
      return;
    }
    group.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if ('worklogId' in outcome) write.resolve(importedWorklog(write.entry.values, outcome.worklogId));
      else write.reject(writerError(outcome.error));
    });
  }

  /** A transaction-control statement, on the connection itself where it may (sqlite-direct.ts). */
  private async execute(connection: Kysely<Database>, statement: string): Promise<void> {
    if (this.direct === undefined) await sql.raw(statement).execute(connection);
    else this.direct.statements.prepare(statement).run();
  }
}

/** A write of a group without savepoints failed: the group is to be written again, each write on its own. */
class WriteFailed extends Error {
  constructor(readonly failure: unknown) {
    super('a write of the group failed');
  }
}

/** The group's BEGIN failed (another process kept the write lock): nothing was written. */
class BeginFailed extends Error {
  constructor(readonly failure: unknown) {
    super("the group's BEGIN failed");
  }
}
