import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query afresh, and compiling SQL is a fifth of the CPU time
 * of a single import (BENCHMARKS.md, "profile"). Timeport's queries come from a few hundred
 * shapes, so their prepared statements are kept, by SQL text, the most recently used first.
 */
const MAX_STATEMENTS = 500;

export function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      // A statement still stepping through rows (a stream) cannot run twice at once: use a new one.
      if (cached !== undefined && !cached.busy) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      if (cached === undefined) {
        statements.set(sql, statement);
        if (statements.size > MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}
