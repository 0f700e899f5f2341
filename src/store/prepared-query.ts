import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';
import { directSqlite, runDirect } from './sqlite-direct.js';

/**
 * A query written with Kysely's builder, built and compiled once per SQL dialect, then run again
 * and again with new parameter values. Building and compiling a query (and the CamelCase plugin's
 * rewrite of its names) cost about a fifth of the server's CPU time per single import
 * (BENCHMARKS.md, "profile"); the statements every request runs (the token, the issue, the author,
 * the import's insert, `spent`, the audit event) skip it this way. Results still pass through the
 * instance's plugins, so rows come back camelCased as from any other query.
 *
 * Parameters are named: `build` receives `param(name)`, which stands for the value given under that
 * name at each run. Only values may be parameters (not table or column names, not `limit` shapes
 * that change the SQL).
 */
export interface PreparedQuery<Params extends object, Row> {
  /** Every row the query answers. */
  rows(db: Kysely<Database>, params: Params): Promise<Row[]>;
  /** The first row, or undefined. */
  first(db: Kysely<Database>, params: Params): Promise<Row | undefined>;
  /** The first row; no row is a failure (an INSERT ... RETURNING, or a row the transaction holds). */
  one(db: Kysely<Database>, params: Params): Promise<Row>;
}

export type ParameterOf<Params> = <Name extends keyof Params & string>(name: Name) => Params[Name];

/** Marks a named parameter in the compiled query's parameter list; no real value starts with NUL. */
const PARAMETER_MARK = '\u0000timeport.parameter:';

interface Template {
  compiled: CompiledQuery;
  /** Per compiled parameter: the name of the value to bind, or a constant the builder put there. */
  slots: ({ name: string } | { constant: unknown })[];
}

export function prepareQuery<Params extends object, Row>(
  build: (db: Kysely<Database>, param: ParameterOf<Params>) => Compilable<Row>,
): PreparedQuery<Params, Row> {
  // One template per dialect: the same builder compiles to different SQL for SQLite and PostgreSQL.
  // Every Kysely instance of Timeport has the same plugins (store/database.ts, store/postgres.ts),
  // so the dialect alone decides the SQL.
  const templates = new Map<unknown, Template>();

  const templateFor = (db: Kysely<Database>): Template => {
    const dialect = dialectKeyOf(db);
    let template = templates.get(dialect);
    if (template === undefined) {
      template = compileTemplate(db, build);
      templates.set(dialect, template);
    }
    return template;
  };

  const rows = async (db: Kysely<Database>, params: Params): Promise<Row[]> => {
    const { compiled, slots } = templateFor(db);
    const parameters = slots.map((slot) => {
      if (!('name' in slot)) return slot.constant;
      const value = (params as Record<string, unknown>)[slot.name];
      // The builder leaves out columns whose value is undefined; a prepared statement cannot.
      if (value === undefined) throw new TypeError(`prepared query: no value for parameter ${slot.name}`);
      return value;
    });
    const direct = directSqlite(db);
    if (direct !== undefined) return runDirect<Row>(direct, compiled.sql, parameters);
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };

  const first = async (db: Kysely<Database>, params: Params): Promise<Row | undefined> => (await rows(db, params))[0];
  const one = async (db: Kysely<Database>, params: Params): Promise<Row> => {
    const row = await first(db, params);
    // A programming or data error, never the caller's: it ends as a 500 with the SQL in the log.
    if (row === undefined) throw new Error(`prepared query answered no row: ${templateFor(db).compiled.sql}`);
    return row;
  };
  return { rows, first, one };
}

/**
 * What tells the dialects apart: the class of the instance's adapter. Kysely offers no public way
 * to ask an instance (or a transaction, a new instance every time, which shares its database's
 * adapter) for its dialect, and compiling a probe query per call would cost what preparing saves.
 * `getExecutor()` is marked internal in Kysely's types, though it is how Kysely's own plugins reach
 * the adapter: this is the one place that calls it, and test/store/kysely-internals.test.ts fails
 * if a Kysely upgrade takes it away or changes what it answers.
 */
export function dialectKeyOf(db: Kysely<Database>): unknown {
  const executor = (db as { getExecutor?: () => { adapter?: object } }).getExecutor?.();
  const adapter = executor?.adapter;
  if (adapter === undefined) throw new Error('prepared query: this Kysely version has no getExecutor().adapter (store/prepared-query.ts)');
  return adapter.constructor;
}

function compileTemplate<Params extends object, Row>(
  db: Kysely<Database>,
  build: (db: Kysely<Database>, param: ParameterOf<Params>) => Compilable<Row>,
): Template {
  const names = new Set<string>();
  const param = ((name: string) => {
    names.add(name);
    return `${PARAMETER_MARK}${name}`;
  }) as ParameterOf<Params>;
  const compiled = build(db, param).compile();
  const slots = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(PARAMETER_MARK) ? { name: value.slice(PARAMETER_MARK.length) } : { constant: value },
  );
  // A parameter the SQL does not carry (inlined or dropped by the builder) would silently keep the
  // value of the first compilation: a mistake in the query's code, refused at its first run.
  for (const name of names) {
    if (!slots.some((slot) => 'name' in slot && slot.name === name)) {
      throw new Error(`prepared query: parameter ${name} does not reach the compiled SQL as a parameter`);
    }
  }
  return { compiled, slots };
}
