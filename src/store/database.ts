import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, Migrator, sql } from 'kysely';
import { CatalogCache } from './catalog-cache.js';
import { GroupCommitter } from './group-commit.js';
import { ImportGroups } from './import-groups.js';
import type { StatementCache } from './statement-cache.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { SqliteImportWriter } from './sqlite-import-writer.js';
import type { Config } from '../config.js';
import { StoreOpenError, classifyDatabaseError } from './errors.js';
import { StaticMigrationProvider } from './migrations/index.js';
import {
  LOCK_MIGRATIONS,
  LOCK_STARTUP,
  type PostgresOptions,
  growthAnalyzer,
  openPostgresPool,
  postgresKysely,
  withAdvisoryLock,
} from './postgres.js';
import { type IdempotencyClaim, commitIdempotencyKey } from './idempotency-keys.js';
import type { Database, Worklog } from './schema.js';
import { type ImportAuditValues, type ImportedWorklogValues, insertImportedWorklogWithAudit } from './worklogs.js';

export type StoreDialect = 'sqlite' | 'postgres';

/**
 * The database, or a transaction open on it, as the repositories of this folder take it. Services
 * hand it from `Store.inWriteTransaction` to the repositories and never look inside.
 */
export type DbHandle = Kysely<Database>;

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Where the data lives, for messages: a file path, or a URL without its password. */
  readonly location: string;
  /**
   * Runs `work` while no other Timeport process on this database runs its own: the first-start
   * bootstrap, when several processes start together on an empty database. PostgreSQL: an
   * advisory lock. SQLite: write transactions already exclude each other, so `work` just runs.
   */
  withStartupLock<T>(work: () => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query (readiness probes); rejects otherwise. */
  ping(): Promise<void>;
  /**
   * Runs a write in a transaction and resolves once it is committed. SQLite: concurrent writes
   * share one transaction and one disk sync (group-commit.ts). PostgreSQL: a transaction of its
   * own from the pool (PostgreSQL groups concurrent commits' WAL flushes itself). With the
   * idempotency claim of the request making the write, the claim commits in the same transaction
   * after `work` (idempotency-keys.ts), so the write and "this key was used" are one atomic fact.
   */
  inWriteTransaction<T>(work: (trx: Kysely<Database>) => Promise<T>, idempotencyClaim?: IdempotencyClaim): Promise<T>;
  /**
   * SQLite's prepared statements on the connection itself, for the bulk writes of
   * store/bulk-rows.ts inside a write transaction; undefined on PostgreSQL. Nothing else uses
   * them: queries go through `db`.
   */
  readonly sqliteStatements?: StatementCache;
  /**
   * PostgreSQL: a bulk write committed `rows` new worklogs. Planner statistics lag behind bulk
   * loads; once enough rows have come, the grown tables are analyzed before this resolves
   * (postgres.ts, `growthAnalyzer`). SQLite keeps no statistics unless asked, so has none to lag.
   */
  noteBulkRows?(rows: number): Promise<void>;
  /**
   * The rows every single import reads (the token's owner, the author, the issue), kept in memory
   * and as fresh as a read (catalog-cache.ts).
   */
  readonly catalog: CatalogCache;
  /**
   * Writes single imports without an idempotency claim (store/worklogs.ts, `writeSingleImport`):
   * on PostgreSQL in one statement with those that come together (import-groups.ts), on a SQLite
   * file by a writer thread (sqlite-import-writer.ts). Undefined for an in-memory SQLite database,
   * which no other thread can open.
   */
  readonly singleImports?: SingleImportWriter;
  /** SQLite: how many commits carried how many writes (for tests and benchmarks). */
  groupCommitStats?(): { groups: number; writes: number };
  /** Connection pool figures for /metrics; undefined for SQLite, which has one connection. */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

/** A store's writer of single imports (`Store.singleImports`). */
export interface SingleImportWriter {
  /** Writes one import, answered with its worklog once committed. */
  write(values: ImportedWorklogValues, event: ImportAuditValues): Promise<Worklog>;
  /**
   * Groups this writer wrote and the imports they carried (for tests and benchmarks). On SQLite,
   * those of the thread: a lone import written on the store's connection is not counted here.
   */
  readonly stats: { readonly groups: number; readonly writes: number };
}

export interface StoreOptions {
  /** A `postgres://` URL, or undefined for the embedded SQLite database. */
  databaseUrl?: string | undefined;
  /** The folder that holds `timeport.sqlite` when no database URL is given. */
  dataDir: string;
  /** PostgreSQL connection settings; defaults as in the README. */
  postgres?: Partial<PostgresOptions> | undefined;
}

export const DEFAULT_POSTGRES_OPTIONS: PostgresOptions = { poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 };

/** Where the configuration says the data is, and how to connect to it. */
export function storeOptions(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize' | 'dbStatementTimeoutMs' | 'dbConnectTimeoutMs'>,
): StoreOptions {
  return {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgres: { poolSize: config.dbPoolSize, statementTimeoutMs: config.dbStatementTimeoutMs, connectTimeoutMs: config.dbConnectTimeoutMs },
  };
}

export const SQLITE_FILE_NAME = 'timeport.sqlite';

/** Opens the database the options name and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return openPostgresStore(options.databaseUrl, { ...DEFAULT_POSTGRES_OPTIONS, ...options.postgres });
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  return openSqliteStore(path.join(options.dataDir, SQLITE_FILE_NAME));
}

/** Opens (creating if needed) a SQLite database file, or `:memory:`. */
export async function openSqliteStore(file: string): Promise<Store> {
  const { sqlite, statements, db } = openSqliteConnection(file);
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Another thread can open a file, not this connection's in-memory database.
  const writer = file === ':memory:' || file === '' ? undefined : new SqliteImportWriter(file);
  const committer = new GroupCommitter(db, { direct: { sqlite, statements }, writer });
  const inWriteTransaction: Store['inWriteTransaction'] = (work, claim) => committer.transaction(committingClaim(work, claim));
  return {
    db,
    dialect: 'sqlite',
    location: file,
    withStartupLock: (work) => work(),
    ping: () => pingDatabase(db),
    inWriteTransaction,
    ...(writer === undefined
      ? {}
      : {
          singleImports: {
            write: (values, event) =>
              committer.transaction((trx) => insertImportedWorklogWithAudit('sqlite', trx, values, event), { values, event }),
            stats: writer.stats,
          },
        }),
    sqliteStatements: statements,
    catalog: new CatalogCache(db),
    // The store's connection's commits and the writer thread's.
    groupCommitStats: () => ({
      groups: committer.stats.groups + (writer?.commitStats.groups ?? 0),
      writes: committer.stats.writes + (writer?.commitStats.writes ?? 0),
    }),
    close: async () => {
      await writer?.close();
      await db.destroy();
    },
  };
}

/**
 * Opens a PostgreSQL database and brings its schema up to date. Migrations run under an advisory
 * lock, so when several processes start together exactly one applies them and the others then
 * find nothing left to do.
 */
export async function openPostgresStore(url: string, options: PostgresOptions): Promise<Store> {
  const location = redactUrl(url);
  try {
    await withAdvisoryLock(url, options, LOCK_MIGRATIONS, (connection) => migrateToLatest(connection, 'postgres'));
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    const unavailable = classifyDatabaseError(error);
    const reason = unavailable?.kind === 'unavailable' ? unavailable.reason : error instanceof Error ? error.message : String(error);
    throw new StoreOpenError(`cannot open the PostgreSQL database ${location}: ${reason}`, { cause: error });
  }
  const pool = openPostgresPool(url, options);
  const db = postgresKysely(pool, options);
  const inWriteTransaction: Store['inWriteTransaction'] = (work, claim) => db.transaction().execute(committingClaim(work, claim));
  return {
    db,
    dialect: 'postgres',
    location,
    withStartupLock: (work) => withAdvisoryLock(url, options, LOCK_STARTUP, () => work()),
    ping: () => pingDatabase(db),
    inWriteTransaction,
    noteBulkRows: growthAnalyzer(db, options.analyzeAfterRows),
    catalog: new CatalogCache(db),
    singleImports: new ImportGroups(db),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

/** `work`, then the idempotency claim's commit, in the transaction `work` runs in. */
function committingClaim<T>(work: (trx: Kysely<Database>) => Promise<T>, claim: IdempotencyClaim | undefined) {
  if (claim === undefined) return work;
  return async (trx: Kysely<Database>): Promise<T> => {
    const result = await work(trx);
    await commitIdempotencyKey(trx, claim);
    return result;
  };
}

const pingDatabase = async (db: Kysely<Database>): Promise<void> => {
  await sql`select 1`.execute(db);
};

export async function migrateToLatest(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(dialect),
    migrationTableName: 'timeport_migrations',
    migrationLockTableName: 'timeport_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new StoreOpenError(`database migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
