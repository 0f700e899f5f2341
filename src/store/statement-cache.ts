import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query afresh, and compiling SQL is a fifth of the CPU time
 * of a single import (BENCHMARKS.md, "profile"). Timeport's queries come from a few hundred
 * shapes, so their prepared statements are kept, by SQL text, the most recently used first. The
 * query builder's statements and the batch import's own (store/bulk-rows.ts) share this cache.
 */
const MAX_STATEMENTS = 500;

export class StatementCache {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  prepare(sql: string): BetterSqlite3.Statement {
    const cached = this.statements.get(sql);
    // A statement still stepping through rows (a stream) cannot run twice at once: use a new one.
    if (cached !== undefined && !cached.busy) {
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    const statement = this.sqlite.prepare(sql);
    if (cached === undefined) {
      this.statements.set(sql, statement);
      if (this.statements.size > MAX_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
    }
    return statement;
  }

  /** The connection as Kysely's SQLite dialect takes it, preparing through this cache. */
  asKyselyDatabase(): SqliteDatabase {
    return {
      close: () => {
        this.statements.clear();
        this.sqlite.close();
      },
      prepare: (sql) => this.prepare(sql),
    };
  }
}
