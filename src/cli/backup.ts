import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CommandError } from './command-error.js';
import { SQLITE_FILE_NAME } from '../store/database.js';
import { SqliteBackupError, copySqliteDatabase } from '../store/sqlite-backup.js';

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
 * running (store/sqlite-backup.ts). The copy is written beside the target and renamed only once it
 * is complete and has passed `PRAGMA integrity_check`, so a file at the target path is always a
 * whole backup.
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
  let counts: { worklogs: number; issues: number };
  try {
    counts = await copySqliteDatabase(source, partial);
  } catch (error) {
    throw error instanceof SqliteBackupError ? new BackupError(error.message) : error;
  }
  fs.renameSync(partial, destination);
  return { file: destination, bytes: fs.statSync(destination).size, ...counts, milliseconds: Date.now() - started };
}
