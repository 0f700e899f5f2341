import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, Kysely, Migrator, SqliteDialect } from 'kysely';
import { ConfigError } from '../config.js';
import { StaticMigrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives, for messages: a file path, or a URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** A `postgres://` URL, or undefined for the embedded SQLite database. */
  databaseUrl?: string | undefined;
  /** The folder that holds `timeport.sqlite` when no database URL is given. */
  dataDir: string;
}

export const SQLITE_FILE_NAME = 'timeport.sqlite';

/** Opens the database the options name and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    // A configuration problem: the CLI prints the message alone, without a stack trace.
    throw new ConfigError(
      `DATABASE_URL is set (${redactUrl(options.databaseUrl)}), but this version of Timeport stores data only in the embedded SQLite database; unset DATABASE_URL`,
    );
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  return openSqliteStore(path.join(options.dataDir, SQLITE_FILE_NAME));
}

/** Opens (creating if needed) a SQLite database file, or `:memory:`. */
export async function openSqliteStore(file: string): Promise<Store> {
  const sqlite = new BetterSqlite3(file);
  // WAL lets readers run beside the writer. synchronous=FULL syncs the WAL on every commit, so an
  // answered write survives a power cut, not only a process crash (docs/decisions.md).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // The CLI and the server may write the same file; wait for the other's transaction instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    plugins: [new CamelCasePlugin()],
  });
  const store: Store = {
    db,
    dialect: 'sqlite',
    location: file,
    close: () => db.destroy(),
  };
  try {
    await migrateToLatest(store);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return store;
}

export async function migrateToLatest(store: Store): Promise<void> {
  const migrator = new Migrator({
    db: store.db,
    provider: new StaticMigrationProvider(store.dialect),
    migrationTableName: 'timeport_migrations',
    migrationLockTableName: 'timeport_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
