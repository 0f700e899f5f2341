/**
 * store/prepared-query.ts tells the dialects apart through `getExecutor().adapter`, which Kysely
 * marks internal. These tests fail if a Kysely upgrade removes it or changes what it answers: the
 * adapter's class differs between SQLite and PostgreSQL, and a transaction shares its database's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Store, openPostgresStore, openSqliteStore } from '../../src/store/database.js';
import { dialectKeyOf } from '../../src/store/prepared-query.js';
import { createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';

const skipPostgres = await skipWithoutPostgres();

describe("Kysely's getExecutor().adapter, as prepared-query.ts uses it", () => {
  let sqlite: Store;
  before(async () => {
    sqlite = await openSqliteStore(':memory:');
  });
  after(async () => sqlite.close());

  it('is still there, and answers an adapter whose class is a function', () => {
    assert.equal(
      typeof (sqlite.db as unknown as { getExecutor?: unknown }).getExecutor,
      'function',
      'Kysely has no getExecutor() any more',
    );
    const key = dialectKeyOf(sqlite.db);
    assert.equal(typeof key, 'function');
    assert.notEqual(key, Object, 'the adapter is a plain object: its class no longer names the dialect');
  });

  it('is the same for a transaction as for its database, and for another database of the same dialect', async () => {
    const other = await openSqliteStore(':memory:');
    try {
      assert.equal(dialectKeyOf(other.db), dialectKeyOf(sqlite.db));
      await sqlite.inWriteTransaction(async (trx) => {
        assert.notEqual(trx, sqlite.db);
        assert.equal(dialectKeyOf(trx), dialectKeyOf(sqlite.db));
      });
    } finally {
      await other.close();
    }
  });

  it('tells SQLite from PostgreSQL', { skip: skipPostgres }, async () => {
    const database = await createTestDatabase();
    const postgres = await openPostgresStore(database.url, { poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 });
    try {
      assert.notEqual(dialectKeyOf(postgres.db), dialectKeyOf(sqlite.db));
      await postgres.inWriteTransaction(async (trx) => assert.equal(dialectKeyOf(trx), dialectKeyOf(postgres.db)));
    } finally {
      await postgres.close();
      await database.drop();
    }
  });
});
