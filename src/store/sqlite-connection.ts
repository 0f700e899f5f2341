import BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import { DomainValuesPlugin } from './domain-values.js';
import type { Database } from './schema.js';
import { type SqliteConnection, registerSqliteDatabase } from './sqlite-direct.js';
import { StatementCache } from './statement-cache.js';

/** How many WAL pages a commit may leave before it checkpoints them into the database file. */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/** SQLite's page cache per connection, in KiB. */
const SQLITE_CACHE_KIB = 64 * 1024;

/** A connection to a SQLite file with Timeport's settings, and the Kysely instance over it. */
export interface OpenSqlite extends SqliteConnection {
  readonly db: Kysely<Database>;
}

/**
 * Opens (creating if needed) a SQLite database file, or `:memory:`, with the settings every
 * connection of Timeport's has: the store's own, and the single-import writer's
 * (sqlite-import-writer.ts).
 */
export function openSqliteConnection(file: string): OpenSqlite {
  const sqlite = new BetterSqlite3(file);
  // WAL lets readers run beside the writer. synchronous=FULL syncs the WAL on every commit, so an
  // answered write survives a power cut, not only a process crash (docs/decisions.md).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // The CLI and the server may write the same file; wait for the other's transaction instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's default page cache is 2 MB: once the worklog indexes outgrow it, every insert reads
  // pages back from the OS. 64 MiB keeps the hot index pages of millions of entries in memory
  // (BENCHMARKS.md, "growth"); the server's memory budget allows it (README, "Deployment").
  sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  // A checkpoint copies each page the WAL holds once, however often it was changed: the tails and
  // the per-issue pages every import touches are copied once per checkpoint. At SQLite's default of
  // 1,000 frames (4 MiB) the single import ran a checkpoint every 300 imports or so; at 10,000 the
  // writer thread's system time per import fell by a quarter or more (docs/decisions.md,
  // "Checkpoints every 10,000 pages"). The WAL file then keeps up to about 40 MiB between checkpoints.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  const statements = new StatementCache(sqlite);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: statements.asKyselyDatabase() }),
    plugins: [new CamelCasePlugin(), new DomainValuesPlugin()],
  });
  registerSqliteDatabase(db, { sqlite, statements });
  return { sqlite, statements, db };
}
