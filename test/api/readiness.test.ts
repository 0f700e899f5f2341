/** `/healthz` and `/readyz`: liveness, and readiness that also needs the database. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { buildApp } from '../../src/api/app.js';
import type { Database } from '../../src/store/schema.js';
import { PUBLIC_URL, type TestApp, buildTestApp } from '../../support/app.js';

describe('readiness', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.close());

  it('/readyz answers 200 when the database answers, without a token', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok', database: 'ok' });
  });

  it('/readyz and /healthz answer 503 while draining', async () => {
    let ready = true;
    const app: FastifyInstance = await buildApp({ ctx: t.ctx, publicUrl: PUBLIC_URL, isReady: () => ready });
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
      ready = false;
      const readyz = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(readyz.statusCode, 503);
      assert.deepEqual(readyz.json(), { status: 'draining' });
      assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503);
    } finally {
      await app.close();
    }
  });

  it('/readyz answers 503 when the database cannot be used, and says no more than that', async () => {
    // A store whose every connection attempt fails, as when the database server is gone.
    const unreachable = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: async () => {
          throw new Error('connect ECONNREFUSED 10.0.0.1:5432');
        },
      }),
    });
    const ping = async () => {
      await sql`select 1`.execute(unreachable);
    };
    const broken = await buildApp({ ctx: { ...t.ctx, store: { ...t.store, db: unreachable, ping } }, publicUrl: PUBLIC_URL });
    try {
      const response = await broken.inject({ method: 'GET', url: '/readyz' });
      assert.equal(response.statusCode, 503);
      assert.deepEqual(response.json(), { status: 'unavailable', database: 'unreachable' });
      assert.equal((await broken.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the process itself is alive');
    } finally {
      await broken.close();
      await unreachable.destroy();
    }
  });
});
