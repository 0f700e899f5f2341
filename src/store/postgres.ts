import { createHash } from 'node:crypto';
import { CamelCasePlugin, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import pg from 'pg';
import { isStalePreparedStatement } from './errors.js';
import { DomainValuesPlugin } from './domain-values.js';
import type { Database } from './schema.js';

/** How Timeport connects to PostgreSQL (README, "Configuration"). */
export interface PostgresOptions {
  /** Connections this process keeps at most (`TIMEPORT_DB_POOL`). */
  poolSize: number;
  /** The server cancels a statement after this long; 0: never (`TIMEPORT_DB_STATEMENT_TIMEOUT_MS`). */
  statementTimeoutMs: number;
  /** Waiting for a connection (new, or a free one from the pool) fails after this long (`TIMEPORT_DB_CONNECT_TIMEOUT_MS`). */
  connectTimeoutMs: number;
  /** Where to report a connection that failed while idle in the pool (it is replaced on next use). */
  onIdleConnectionError?: (error: Error) => void;
  /** Bulk-loaded rows that make the grown tables analyzed, at the least (`growthAnalyzer`; tests lower it). */
  analyzeAfterRows?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * pg returns `bigint` (ids, instants, durations, `count(*)`) and `numeric` (what `sum()` of a bigint
 * gives) as strings, because they may exceed 2^53. Timeport's are all far below that (instants in
 * milliseconds, durations capped at 2^31-1 seconds, ids), and SQLite returns them as numbers, so
 * they are parsed to numbers here: the same rows, the same JSON, on both databases. A value that
 * would lose precision is an error rather than a silently different number.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JavaScript number exactly`);
  return value;
}

function parseNumeric(text: string): number {
  const value = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(value))
    throw new RangeError(`numeric ${text} does not fit a JavaScript number exactly`);
  return value;
}

/** Per pool rather than pg's global registry, so nothing else in the process is affected. */
const TYPE_PARSERS = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === undefined || format === 'text') {
      if (oid === INT8_OID) return parseInt8;
      if (oid === NUMERIC_OID) return parseNumeric;
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** The pg settings for every connection Timeport makes to `url`. */
export function connectionConfig(url: string, options: Pick<PostgresOptions, 'connectTimeoutMs'>): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // A peer that vanished without closing the connection is noticed by the kernel.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'timeport',
    types: TYPE_PARSERS,
  };
}

/**
 * Opens the pool behind the store. Every connection gets the statement timeout, and a listener
 * for its `error` event: pg emits one on a connection that breaks while a request holds it, and
 * an `error` nobody listens to would end the process. The broken connection is then dropped when
 * released (pg-pool checks), so the pool heals by itself when PostgreSQL is back.
 */
export function openPostgresPool(url: string, options: PostgresOptions): pg.Pool {
  const statementTimeout = options.statementTimeoutMs > 0 ? options.statementTimeoutMs : undefined;
  const pool = new pg.Pool({
    ...connectionConfig(url, options),
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    // A transaction left open (a stuck request) must not hold row locks forever.
    idle_in_transaction_session_timeout: statementTimeout === undefined ? undefined : Math.max(statementTimeout, 10_000),
  });
  const report =
    options.onIdleConnectionError ?? ((error: Error) => console.error(`timeport: a PostgreSQL connection failed: ${error.message}`));
  // Idle connections: pg-pool removes them and emits here.
  pool.on('error', report);
  // Connections in use: pg emits on the client itself; the query in flight fails with the cause.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

type ClientWithSocket = pg.PoolClient & { connection?: { stream?: { destroy(): void } } };

/**
 * Kysely's view of the pool, with a watchdog on every query. The statement timeout is enforced by
 * the server; if the server or the network is gone without closing the connection (a cable cut,
 * a frozen host), no answer and no timeout would ever come. A query that outlives the statement
 * timeout by the connect timeout has its socket destroyed, as pg-pool itself does on a connect
 * timeout: the query fails (503) and the connection is not reused.
 */
function watchedPool(pool: pg.Pool, options: PostgresOptions): PostgresPool {
  const limitMs = options.statementTimeoutMs > 0 ? options.statementTimeoutMs + options.connectTimeoutMs : undefined;
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: ClientWithSocket): PostgresPoolClient => {
    /** Its prepared statements no longer match the schema: replace the connection when released. */
    let stale = false;
    const run = async (config: pg.QueryConfig) => {
      try {
        return await client.query(config);
      } catch (error) {
        if (isStalePreparedStatement(error)) stale = true;
        throw error;
      }
    };
    const query = async (text: string, parameters: ReadonlyArray<unknown>) => {
      // Statements with parameters are prepared once per connection under a name taken from their
      // text, so PostgreSQL parses and plans each only once (BENCHMARKS.md: parsing and planning
      // every statement was what bounded the single import on PostgreSQL).
      const config = parameters.length === 0 ? { text } : { name: statementName(text), text, values: [...parameters] };
      if (limitMs === undefined) return run(config);
      const watchdog = setTimeout(() => client.connection?.stream?.destroy(), limitMs);
      try {
        return await run(config);
      } finally {
        clearTimeout(watchdog);
      }
    };
    return {
      // Kysely calls the cursor form only for streaming, which Timeport does not configure, so
      // only the (sql, parameters) form is implemented.
      query: query as unknown as PostgresPoolClient['query'],
      release: (destroy?: boolean) => {
        client.release(destroy === true || stale);
        if (stale) wrappers.delete(client);
      },
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/** Statement names by SQL text: the same text always gets the same name, in every connection. */
const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `tp_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    if (names.size < 10_000) names.set(text, name);
  }
  return name;
}

export function postgresKysely(pool: pg.Pool, options: PostgresOptions): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: watchedPool(pool, options) }),
    plugins: [new CamelCasePlugin(), new DomainValuesPlugin()],
  });
}

/** The first key of Timeport's advisory locks ("TP" in ASCII), so they stay apart from others'. */
const LOCK_NAMESPACE = 0x5450;
export const LOCK_MIGRATIONS = 1;
export const LOCK_STARTUP = 2;

/**
 * Runs `work` while holding a session-level advisory lock on a connection of its own (no
 * statement timeout: a migration may take long, and so may waiting for another process's). Every
 * Timeport process on the database takes the same lock, so what runs inside runs in one process
 * at a time. If this process dies, PostgreSQL releases the lock with the connection.
 */
export async function withAdvisoryLock<T>(
  url: string,
  options: Pick<PostgresOptions, 'connectTimeoutMs'>,
  key: number,
  work: (connection: Kysely<Database>) => Promise<T>,
): Promise<T> {
  const pool = new pg.Pool({ ...connectionConfig(url, options), max: 1 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  try {
    return await db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${sql.lit(LOCK_NAMESPACE)}, ${sql.lit(key)})`.execute(connection);
      try {
        return await work(connection);
      } finally {
        // If the connection broke, the server has released the lock already.
        await sql`select pg_advisory_unlock(${sql.lit(LOCK_NAMESPACE)}, ${sql.lit(key)})`.execute(connection).catch(() => undefined);
      }
    });
  } finally {
    await db.destroy();
  }
}

/** Rows a bulk write may add before the grown tables are analyzed, at the least. */
export const ANALYZE_AFTER_ROWS = 10_000;
/** The tables batch imports grow. */
const GROWN_TABLES = ['worklogs', 'imported_worklogs', 'import_batches'];

/**
 * Keeps PostgreSQL's planner statistics in step with bulk loads (`Store.noteBulkRows`). Until
 * autovacuum's next visit (up to a minute, or never where it is off) the planner plans against the
 * tables as they were before a load; listing a million imported worklogs then took 6 s a page
 * (BENCHMARKS.md, "the ledger's listing on PostgreSQL"). Once the rows added since the last
 * analysis reach a fifth of the worklogs counted then (at least `minRows`), the grown tables are
 * analyzed, by the request whose rows crossed the line; one analysis runs at a time.
 */
export function growthAnalyzer(db: Kysely<Database>, minRows = ANALYZE_AFTER_ROWS): (rows: number) => Promise<void> {
  let added = 0;
  let counted: number | undefined;
  let running = false;
  const countedRows = async (): Promise<number> => {
    const { rows } = await sql<{ reltuples: number }>`select reltuples from pg_class where oid = 'worklogs'::regclass`.execute(db);
    // -1: never analyzed.
    return Math.max(0, Number(rows[0]?.reltuples ?? 0));
  };
  return async (rows) => {
    added += rows;
    if (running) return;
    running = true;
    try {
      counted ??= await countedRows();
      if (added < Math.max(minRows, counted / 5)) return;
      added = 0;
      await sql.raw(`analyze ${GROWN_TABLES.join(', ')}`).execute(db);
      counted = await countedRows();
    } catch {
      // The rows are committed and their answer is due; statistics are an optimisation that
      // autovacuum also makes. The next analysis is tried after as many rows again.
    } finally {
      running = false;
    }
  };
}
