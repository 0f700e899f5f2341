import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../config.js';
import { CommandError } from './command-error.js';
import { SQLITE_FILE_NAME } from '../store/database.js';

/** A backup that cannot be made: printed as one line, exit code 1. */
export class BackupError extends CommandError {}

export interface BackupSummary {
  file: string;
  bytes: number;
  worklogs: number;
  issues: number;
  milliseconds: number;
}

/**
 * `timeport backup <file>`: a consistent copy of the SQLite database while the server keeps
 * running, made with SQLite's online backup API from a connection of its own. WAL lets the server
 * write meanwhile. The copy is written beside the target and renamed only once it is complete and
 * has passed `PRAGMA integrity_check`, so a file at the target path is always a whole backup.
 * PostgreSQL is backed up with its own tools (pg_dump), as the README says.
 */
export async function backupDatabase(config: Config, target: string, options: { force?: boolean } = {}): Promise<BackupSummary> {
  if (config.databaseUrl !== undefined) {
    throw new BackupError('DATABASE_URL names a PostgreSQL database: back it up with pg_dump (see the README, "Backups")');
  }
  const source = path.join(config.dataDir, SQLITE_FILE_NAME);
  if (!fs.existsSync(source)) throw new BackupError(`there is no database at ${source} (check TIMEPORT_DATA_DIR)`);
  const destination = path.resolve(target);
  if (destination === path.resolve(source)) throw new BackupError('the backup file cannot be the database itself');
  if (fs.existsSync(destination) && options.force !== true) {
    throw new BackupError(`${destination} exists; choose a new file or pass --force to replace it`);
  }
  if (!fs.existsSync(path.dirname(destination))) throw new BackupError(`the folder ${path.dirname(destination)} does not exist`);

  const started = Date.now();
  const partial = `${destination}.partial-${process.pid}`;
  const database = new BetterSqlite3(source, { fileMustExist: true });
  try {
    database.pragma('busy_timeout = 5000');
    // After the first step, copy everything left in one step: a step holds a read snapshot, so the
    // server's writes (to the WAL) never make it start over.
    await database.backup(partial, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new BackupError(`the backup failed: ${(error as Error).message}`);
  } finally {
    database.close();
  }

  let counts: { worklogs: number; issues: number };
  const copy = new BetterSqlite3(partial, { fileMustExist: true });
  try {
    // One self-contained file: no -wal or -shm beside it to forget when copying it elsewhere.
    copy.pragma('journal_mode = DELETE');
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`the copy failed its integrity check: ${String(integrity)}`);
    counts = {
      worklogs: (copy.prepare('select count(*) as n from worklogs').get() as { n: number }).n,
      issues: (copy.prepare('select count(*) as n from issues').get() as { n: number }).n,
    };
  } catch (error) {
    copy.close();
    fs.rmSync(partial, { force: true });
    throw error instanceof BackupError ? error : new BackupError(`the copy could not be checked: ${(error as Error).message}`);
  }
  copy.close();
  fs.renameSync(partial, destination);
  return { file: destination, bytes: fs.statSync(destination).size, ...counts, milliseconds: Date.now() - started };
}
