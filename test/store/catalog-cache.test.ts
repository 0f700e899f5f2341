/**
 * The catalog cache (store/catalog-cache.ts): the single import's token owner, author and issue
 * are kept in memory, and every change to them made in the database, by any code or any process,
 * is seen by the next request. The changes here are made with plain SQL, beside every service,
 * so only the triggers of migration 0013 can tell the cache about them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { type KyselyPlugin, sql } from 'kysely';
import { hashToken } from '../../src/service/secrets.js';
import { CatalogCache, readCatalogEpoch } from '../../src/store/catalog-cache.js';
import { authenticate } from '../../src/service/tokens.js';
import { ADMIN_TOKEN, type TestApp, buildTestApp, tempDir, testBackend } from '../../support/app.js';
import { NOW, type WorklogBody, createQueue, expectStatus, importIssue, importWorklog, postWorklog, worklogBody } from '../api/fixtures.js';

describe('catalog cache', () => {
  let t: TestApp;
  let key: string;
  const epoch = () => readCatalogEpoch(t.store.db);
  const run = (statement: string) => sql.raw(statement).execute(t.store.db);
  /**
   * Revokes every token by plain SQL. On SQLite through another connection, synchronously: the
   * store's may be held by a read under way, and the revocation must land within the same turn of
   * the event loop.
   */
  const revokeTokensAtOnce = async () => {
    if (t.store.dialect === 'sqlite') {
      const other = new BetterSqlite3(t.store.location);
      other.prepare('UPDATE tokens SET revoked_at = 1').run();
      other.close();
    } else await run(`UPDATE tokens SET revoked_at = 1`);
  };

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
    key = (await importIssue(t)).key;
  });
  after(() => t.close());

  it('answers the token, the author and the issue of a repeated import from memory', async () => {
    await importWorklog(t, key);
    const before = { ...t.store.catalog.stats };
    await importWorklog(t, key);
    const after = t.store.catalog.stats;
    assert.equal(after.hits - before.hits, 3, 'token owner, issue and author kept');
    assert.equal(after.misses - before.misses, 0);
  });

  it('keeps what it read while the epoch stays: a change with the epoch put back is not seen', async () => {
    // This proves the rows come from memory: only the epoch tells the cache to read again.
    await importWorklog(t, key);
    const kept = await epoch();
    await run(`UPDATE users SET display = 'Renamed Admin' WHERE login = 'admin'`);
    await run(`UPDATE catalog_epoch SET epoch = ${kept}`);
    assert.equal((await importWorklog(t, key)).createdBy.display, 'Administrator');
    await run(`UPDATE catalog_epoch SET epoch = epoch + 1`);
    assert.equal((await importWorklog(t, key)).createdBy.display, 'Renamed Admin');
    await run(`UPDATE users SET display = 'Administrator' WHERE login = 'admin'`);
  });

  it("sees a change of the author, the issue's summary and key, and the token, made by plain SQL", async () => {
    await importWorklog(t, key);
    await run(`UPDATE users SET display = 'Someone Else' WHERE login = 'admin'`);
    assert.equal((await importWorklog(t, key)).createdBy.display, 'Someone Else');
    await run(`UPDATE users SET display = 'Administrator' WHERE login = 'admin'`);

    await run(`UPDATE issues SET summary = 'New summary' WHERE "key" = '${key}'`);
    assert.equal((await importWorklog(t, key)).issue.display, 'New summary');

    await run(`UPDATE issues SET "key" = 'TEST-999' WHERE "key" = '${key}'`);
    expectStatus(await postWorklog(t, key, worklogBody()), 404);
    assert.equal((await importWorklog(t, 'TEST-999')).issue.key, 'TEST-999');
    await run(`UPDATE issues SET "key" = '${key}' WHERE "key" = 'TEST-999'`);
  });

  it('refuses a token revoked or a user dismissed by plain SQL at the next request', async () => {
    await importWorklog(t, key);
    await run(`UPDATE users SET dismissed = 1 WHERE login = 'admin'`);
    expectStatus(await postWorklog(t, key, worklogBody()), 401);
    await run(`UPDATE users SET dismissed = 0 WHERE login = 'admin'`);
    await importWorklog(t, key);
    await run(`UPDATE tokens SET revoked_at = 1`);
    expectStatus(await postWorklog(t, key, worklogBody()), 401);
    await run(`UPDATE tokens SET revoked_at = NULL`);
    await importWorklog(t, key);
  });

  it('shares one read of the epoch among the requests that arrive while another is under way', async () => {
    const before = t.store.catalog.stats.epochReads;
    const callers = await Promise.all(Array.from({ length: 10 }, () => authenticate(t.ctx, ADMIN_TOKEN)));
    assert.ok(callers.every((caller) => caller?.user.login === 'admin'));
    assert.equal(t.store.catalog.stats.epochReads - before, 2, "the first request's read, and one after it for the nine others");
  });

  it("shares one read at the turn's end among the requests that come after the turn's first read, and it sees a change made between", async () => {
    // A turn of the event loop of its own, so that the first request below makes the turn's first read.
    await new Promise((resolve) => setImmediate(resolve));
    const before = t.store.catalog.stats.epochReads;
    assert.ok(await authenticate(t.ctx, ADMIN_TOKEN), 'accepted before the revocation');
    // Revoked after that read, and (on SQLite, where a read answers within the turn) in the same turn.
    await revokeTokensAtOnce();
    try {
      const later = await Promise.all(Array.from({ length: 5 }, () => authenticate(t.ctx, ADMIN_TOKEN)));
      assert.deepEqual(later, Array(5).fill(undefined), 'every request after the revocation is refused');
      if (t.store.dialect === 'sqlite')
        assert.equal(t.store.catalog.stats.epochReads - before, 2, "the turn's first read, and one at its end for the five");
    } finally {
      await run(`UPDATE tokens SET revoked_at = NULL`);
    }
  });

  it('never lets a request join a read of the epoch already under way', async () => {
    // The epoch's reads of this cache answer only when the test lets them: a read can be held
    // under way while the token is revoked and another request comes.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (reached = resolve));
    let holding = false;
    const holdResults: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        if (holding) {
          reached();
          await gate;
        }
        return args.result;
      },
    };
    const cache = new CatalogCache(t.store.db.withPlugin(holdResults));
    const tokenHash = hashToken(ADMIN_TOKEN);
    assert.ok(await (await cache.reads()).tokenOwner(tokenHash), 'kept');
    holding = true;
    const first = cache.reads();
    await held; // its read has run, and its answer is held
    // Held, it keeps the store's connection on SQLite: the revocation comes through another one.
    await revokeTokensAtOnce();
    try {
      const second = cache.reads();
      release();
      await first;
      assert.equal(await (await second).tokenOwner(tokenHash), undefined, 'the request after the revocation reads again');
    } finally {
      await run(`UPDATE tokens SET revoked_at = NULL`);
    }
  });

  it("leaves the epoch alone for the writes of worklogs, which move only spent, version and the issue's last update", async () => {
    const start = await epoch();
    await importWorklog(t, key);
    const logged = await t.request({
      method: 'POST',
      url: `/v3/issues/${key}/worklog`,
      payload: { start: '2025-05-01T10:00:00.000+0000', duration: 'PT1H' },
    });
    const worklog = expectStatus<WorklogBody>(logged, 201);
    assert.equal((await t.request({ method: 'DELETE', url: `/v3/issues/${key}/worklog/${worklog.id}` })).statusCode, 204);
    assert.equal(await epoch(), start);
  });

  it("accepts an entry created after the kept issue's last update but within the issue's own", async () => {
    // The kept issue was last updated on 2025-02-20 (importIssue); a worklog logged now moves that
    // to NOW without moving the epoch. An import created in between must pass.
    await importWorklog(t, key);
    const logged = await t.request({
      method: 'POST',
      url: `/v3/issues/${key}/worklog`,
      payload: { start: '2025-05-01T10:00:00.000+0000', duration: 'PT1H' },
    });
    expectStatus(logged, 201);
    const between = '2025-04-01T09:00:00.000+0000';
    assert.equal((await importWorklog(t, key, { createdAt: between, start: between })).createdAt, between);
    // Still refused where the fresh issue refuses too.
    expectStatus(await postWorklog(t, key, worklogBody({ createdAt: '2030-01-01T00:00:00.000+0000' })), 422);
  });
});

describe('catalog cache, another process', { skip: testBackend() === 'postgres' ? 'a second SQLite connection' : false }, () => {
  it('sees a token revoked by another connection to the same SQLite file', async () => {
    const temp = tempDir();
    const file = `${temp.dir}/timeport.sqlite`;
    const t = await buildTestApp({ now: NOW, file });
    try {
      await createQueue(t);
      const { key } = await importIssue(t);
      await importWorklog(t, key);
      const other = new BetterSqlite3(file);
      other.pragma('busy_timeout = 5000');
      other.prepare('UPDATE tokens SET revoked_at = 1').run();
      other.close();
      expectStatus(await postWorklog(t, key, worklogBody()), 401);
    } finally {
      await t.close();
      temp.remove();
    }
  });
});
