/**
 * store/prepared-query.ts: a query compiled once per dialect answers, run after run with new
 * values, what the same query built afresh answers; on SQLite and (when reachable) PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Store, openPostgresStore, openSqliteStore } from '../../src/store/database.js';
import { type ParameterOf, prepareQuery } from '../../src/store/prepared-query.js';
import { directSqlite } from '../../src/store/sqlite-direct.js';
import { createTestDatabase, skipWithoutPostgres } from '../../support/postgres.js';

const skipPostgres = await skipWithoutPostgres();

const organizationByName = prepareQuery((db, param: ParameterOf<{ name: string; since: number }>) =>
  db.selectFrom('organizations').selectAll().where('name', '=', param('name')).where('createdAt', '>=', param('since')),
);
const renameOrganization = prepareQuery((db, param: ParameterOf<{ id: string; name: string }>) =>
  // The constant 'x' stays in the statement beside the parameters.
  db
    .updateTable('organizations')
    .set({ name: param('name') })
    .where('id', '=', param('id'))
    .where('name', '!=', 'x')
    .returning(['id', 'name']),
);

function suite(name: string, open: () => Promise<{ store: Store; close: () => Promise<void> }>, skip: string | false = false) {
  describe(`prepared queries on ${name}`, { skip }, () => {
    let store: Store;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await open());
      await store.db
        .insertInto('organizations')
        .values([
          { id: 'o1', cloudOrgId: null, name: 'One', createdAt: 10 },
          { id: 'o2', cloudOrgId: 'cloud-2', name: 'Two', createdAt: 20 },
        ])
        .execute();
    });
    after(async () => close());

    it("answers the rows the builder answers, camelCased, with each run's own values", async () => {
      for (const name of ['One', 'Two', 'One']) {
        const built = await store.db.selectFrom('organizations').selectAll().where('name', '=', name).executeTakeFirst();
        const prepared = await organizationByName.first(store.db, { name, since: 0 });
        assert.ok(built !== undefined);
        assert.deepEqual(prepared, built);
      }
      assert.equal((await organizationByName.one(store.db, { name: 'Two', since: 0 })).cloudOrgId, 'cloud-2');
      assert.equal(await organizationByName.first(store.db, { name: 'One', since: 11 }), undefined);
      assert.deepEqual(await organizationByName.rows(store.db, { name: 'None', since: 0 }), []);
    });

    it('runs inside a transaction, which sees its own writes and can roll them back', async () => {
      await assert.rejects(
        store.inWriteTransaction(async (trx) => {
          const renamed = await renameOrganization.one(trx, { id: 'o2', name: 'Renamed' });
          assert.deepEqual(renamed, { id: 'o2', name: 'Renamed' });
          assert.equal((await organizationByName.one(trx, { name: 'Renamed', since: 0 })).id, 'o2');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal((await organizationByName.one(store.db, { name: 'Two', since: 0 })).id, 'o2');
    });

    it('refuses a missing value, and `one` refuses no row', async () => {
      await assert.rejects(organizationByName.first(store.db, { name: 'One' } as never), /no value for parameter since/);
      await assert.rejects(organizationByName.one(store.db, { name: 'None', since: 0 }), /answered no row/);
    });

    it('refuses a query whose parameter does not reach the SQL as a parameter', async () => {
      const inlined = prepareQuery((db, param: ParameterOf<{ name: string }>) =>
        db
          .selectFrom('organizations')
          .select('id')
          .where('name', '=', sql.lit(param('name'))),
      );
      await assert.rejects(inlined.rows(store.db, { name: 'One' }), /parameter name does not reach the compiled SQL/);
    });
  });
}

suite('SQLite', async () => {
  const store = await openSqliteStore(':memory:');
  return { store, close: () => store.close() };
});

suite(
  'PostgreSQL',
  async () => {
    const database = await createTestDatabase();
    const store = await openPostgresStore(database.url, { poolSize: 2, statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 });
    return {
      store,
      close: async () => {
        await store.close();
        await database.drop();
      },
    };
  },
  skipPostgres,
);

/**
 * On SQLite, prepared queries run on the connection itself (store/sqlite-direct.ts): the same rows
 * as Kysely's path, domain values included, and never another write's uncommitted rows.
 */
describe("prepared queries on SQLite's connection itself", () => {
  let store: Store;
  before(async () => {
    store = await openSqliteStore(':memory:');
    await store.db.insertInto('organizations').values({ id: 'o1', cloudOrgId: null, name: 'One', createdAt: 10 }).execute();
    await store.db
      .insertInto('users')
      .values({
        orgId: 'o1',
        login: 'ann',
        loginKey: 'ann',
        display: 'Ann',
        firstName: 'Ann',
        lastName: 'A',
        email: null,
        isAdmin: 1,
        passportUid: null,
        cloudUid: 'c-ann',
        dismissed: 0,
        createdAt: 10,
      } as never)
      .execute();
  });
  after(async () => store.close());

  const userByLogin = prepareQuery((db, param: ParameterOf<{ login: string }>) =>
    db.selectFrom('users').selectAll().where('login', '=', param('login')),
  );

  it('answers the rows Kysely answers: camelCased names, 0/1 flags as booleans', async () => {
    assert.notEqual(directSqlite(store.db), undefined, 'the store handle runs directly while no transaction is open');
    const prepared = await userByLogin.one(store.db, { login: 'ann' });
    const built = await store.db.selectFrom('users').selectAll().where('login', '=', 'ann').executeTakeFirstOrThrow();
    assert.deepEqual(prepared, built);
    assert.equal(prepared.isAdmin, true);
    assert.equal(prepared.dismissed, false);
  });

  it("does not see another write's uncommitted row, and waits for its transaction instead", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writeHandle: Parameters<typeof directSqlite>[0] | undefined;
    const write = store.inWriteTransaction(async (trx) => {
      writeHandle = trx;
      assert.notEqual(directSqlite(trx), undefined, "the write's own handle runs directly");
      await renameOrganization.one(trx, { id: 'o1', name: 'Uncommitted' });
      await gate;
      throw new Error('roll back');
    });
    while (writeHandle === undefined) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(directSqlite(store.db), undefined, 'with a transaction open, the store handle takes Kysely’s path');
    const read = organizationByName.first(store.db, { name: 'Uncommitted', since: 0 });
    release();
    await assert.rejects(write, /roll back/);
    assert.equal(await read, undefined);
    assert.equal(directSqlite(writeHandle), undefined, 'the write handle is forgotten with its transaction');
    assert.equal((await organizationByName.one(store.db, { name: 'One', since: 0 })).id, 'o1');
  });
});
