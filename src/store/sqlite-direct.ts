import type BetterSqlite3 from 'better-sqlite3';
import { CamelCasePlugin, type Kysely, type QueryId, type UnknownRow } from 'kysely';
import { toDomainValues } from './domain-values.js';
import type { Database } from './schema.js';
import type { StatementCache } from './statement-cache.js';

/**
 * The prepared queries of prepared-query.ts, run on SQLite's connection itself instead of through
 * Kysely's driver, whose path (its connection lock, the plugin chain, a promise per step) adds its
 * own CPU to each statement every single import runs (BENCHMARKS.md, "Prepared queries on
 * SQLite's connection"). This path gives the same rows.
 *
 * Running a statement beside Kysely's lock is safe only where it cannot see another request's
 * uncommitted writes (the server has one connection, so an open transaction is everyone's):
 * - on the store's own handle, only while no transaction is open on the connection, so the
 *   statement is a transaction of its own, as Kysely would run it;
 * - on the handle a write transaction of the group commit (group-commit.ts) gives its writes, one
 *   after the other: that transaction holds Kysely's lock, and the handle is forgotten with it.
 * Every other handle (a transaction opened with `db.transaction()`) takes Kysely's path.
 */
export interface SqliteConnection {
  readonly sqlite: BetterSqlite3.Database;
  readonly statements: StatementCache;
}

const handles = new WeakMap<object, { connection: SqliteConnection; kind: 'database' | 'write transaction' }>();

/** The store's own handle: direct while no transaction is open. */
export function registerSqliteDatabase(db: Kysely<Database>, connection: SqliteConnection): void {
  handles.set(db, { connection, kind: 'database' });
}

/** The handle a group-commit transaction gives its writes: direct while it exists. */
export function registerSqliteWriteTransaction(trx: Kysely<Database>, connection: SqliteConnection): void {
  handles.set(trx, { connection, kind: 'write transaction' });
}

export function forgetSqliteWriteTransaction(trx: Kysely<Database>): void {
  handles.delete(trx);
}

/** The statements to run a query on directly, or undefined where Kysely's path must run it. */
export function directSqlite(db: Kysely<Database>): StatementCache | undefined {
  const handle = handles.get(db);
  if (handle === undefined) return undefined;
  if (handle.kind === 'database' && handle.connection.sqlite.inTransaction) return undefined;
  return handle.connection.statements;
}

const camelCase = new CamelCasePlugin();
const QUERY_ID: QueryId = { queryId: 'sqlite-direct' };
/** Result column names as the CamelCasePlugin renames them, by statement. */
const namesBySql = new Map<string, readonly string[]>();

/** The plugin's own rename of a statement's column names, asked once per statement. */
async function renamedColumns(statement: BetterSqlite3.Statement): Promise<readonly string[]> {
  const columns = statement.columns().map((column) => column.name);
  const probe: UnknownRow = Object.fromEntries(columns.map((column, index) => [column, index]));
  const [renamed] = (await camelCase.transformResult({ queryId: QUERY_ID, result: { rows: [probe] } })).rows;
  const names = new Array<string>(columns.length);
  for (const [name, index] of Object.entries(renamed!)) names[index as number] = name;
  namesBySql.set(statement.source, names);
  return names;
}

/**
 * Runs one statement directly and answers its rows as Kysely's path would: camelCased names,
 * domain values (domain-values.ts). A statement that answers no rows answers [].
 */
export async function runDirect<Row>(statements: StatementCache, sql: string, parameters: readonly unknown[]): Promise<Row[]> {
  const statement = statements.prepare(sql);
  if (!statement.reader) {
    statement.run(...parameters);
    return [];
  }
  const names = namesBySql.get(sql) ?? (await renamedColumns(statement));
  statement.raw(true);
  let values: unknown[][];
  try {
    values = statement.all(...parameters) as unknown[][];
  } finally {
    statement.raw(false);
  }
  return values.map((value) => {
    const row: UnknownRow = {};
    for (let index = 0; index < names.length; index += 1) row[names[index]!] = value[index];
    toDomainValues(row);
    return row as Row;
  });
}
