import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';

/** A copy that could not be made or checked; the message is the sentence to show. */
export class SqliteBackupError extends Error {}

/**
 * Copies the SQLite database at `source` to `partial` with SQLite's online backup API, from a
 * connection of its own (WAL lets the server write meanwhile), then makes the copy one
 * self-contained file and checks it. Answers the copy's row counts; a copy that fails is removed.
 */
export async function copySqliteDatabase(source: string, partial: string): Promise<{ worklogs: number; issues: number }> {
  const database = new BetterSqlite3(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 5000');
    // After the first step, copy everything left in one step: a step holds a read snapshot, so the
    // server's writes (to the WAL) never make it start over.
    await database.backup(partial, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new SqliteBackupError(`the backup failed: ${(error as Error).message}`);
  } finally {
    database.close();
  }

  const copy = new BetterSqlite3(partial, { fileMustExist: true });
  try {
    // One self-contained file: no -wal or -shm beside it to forget when copying it elsewhere.
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new SqliteBackupError(`the copy failed its integrity check: ${String(integrity)}`);
    return {
      worklogs: (copy.prepare('select count(*) as n from worklogs').get() as { n: number }).n,
      issues: (copy.prepare('select count(*) as n from issues').get() as { n: number }).n,
    };
  } catch (error) {
    copy.close();
    fs.rmSync(partial, { force: true });
    throw error instanceof SqliteBackupError ? error : new SqliteBackupError(`the copy could not be checked: ${(error as Error).message}`);
  } finally {
    if (copy.open) copy.close();
  }
}
