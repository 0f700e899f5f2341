/**
 * The store on the test backend (run once per backend by scripts/run-tests.mjs): values round-trip
 * with the same JavaScript types on SQLite and PostgreSQL, and database errors mean the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createOrganization } from '../../src/service/organizations.js';
import type { Store } from '../../src/store/database.js';
import { classifyDatabaseError } from '../../src/store/errors.js';
import { buildTestApp, openTestStore, testBackend } from '../../support/app.js';
import { NOW, createQueue, getIssue, importIssue, postWorklog, worklogBody } from '../api/fixtures.js';

describe(`the store on ${testBackend()}`, () => {
  let store: Store;
  let dispose: () => Promise<void>;
  before(async () => {
    ({ store, dispose } = await openTestStore());
    await createOrganization({ store, now: () => NOW }, { id: 'acme', adminLogin: 'Admin.User', adminToken: 'store-test-token-000000001' });
  });
  after(() => dispose());

  it('reads JSON text columns as objects, and writes take the text (store/domain-values.ts)', async () => {
    const user = await store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    const queue = await store.db
      .insertInto('queues')
      .values({
        orgId: 'acme',
        key: 'JSONQ',
        name: 'JSON',
        description: null,
        leadUid: user.uid,
        defaultType: 'task',
        defaultPriority: 'normal',
        lastIssueNumber: 0,
        extra: JSON.stringify({ assignAuto: true, issueTypesConfig: [{ issueType: 'task' }] }),
        version: 1,
        createdAt: NOW,
        updatedAt: NOW,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    assert.deepEqual(queue.extra, { assignAuto: true, issueTypesConfig: [{ issueType: 'task' }] });
    await store.db
      .insertInto('auditEvents')
      .values({
        orgId: 'acme',
        at: NOW,
        actorUid: null,
        action: 'queue.create',
        issueKey: null,
        worklogId: null,
        batchId: null,
        requestId: null,
        serverRequestId: null,
        details: JSON.stringify({ key: 'JSONQ' }),
      })
      .execute();
    const event = await store.db.selectFrom('auditEvents').selectAll().where('action', '=', 'queue.create').executeTakeFirstOrThrow();
    assert.deepEqual(event.details, { key: 'JSONQ' });
  });

  it('answers ids, instants, counts and sums as JavaScript numbers', async () => {
    const user = await store.db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    assert.equal(typeof user.uid, 'number');
    assert.equal(user.createdAt, NOW, 'an instant beyond 2^32 comes back exact');
    assert.equal(user.isAdmin, true, 'a 0/1 flag is read as a boolean (store/domain-values.ts)');
    assert.equal(user.dismissed, false);
    const counted = await store.db
      .selectFrom('users')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(counted.n, 1);
    const summed = await store.db
      .selectFrom('users')
      .select((eb) => eb.fn.sum<number>('createdAt').as('total'))
      .executeTakeFirstOrThrow();
    assert.equal(summed.total, NOW, 'sum() of a bigint column is a number too');
    const big = await sql<{ value: number }>`select ${sql.lit(Number.MAX_SAFE_INTEGER)} as value`.execute(store.db);
    assert.equal(big.rows[0]!.value, Number.MAX_SAFE_INTEGER);
  });

  it('stores logins as given and finds them without regard to case, the same on both databases', async () => {
    const found = await store.db
      .selectFrom('users')
      .select(['login', 'loginKey'])
      .where('loginKey', '=', 'admin.user')
      .executeTakeFirstOrThrow();
    assert.deepEqual(found, { login: 'Admin.User', loginKey: 'admin.user' });
    // Plain `=` on text is exact on both (no case folding by the database): keys are folded by Timeport.
    const exact = await store.db.selectFrom('users').select('uid').where('login', '=', 'admin.user').execute();
    assert.equal(exact.length, 0);
  });

  it('reports a unique violation as a duplicate of the field it is about', async () => {
    const duplicate = store.db
      .insertInto('users')
      .values({
        orgId: 'acme',
        login: 'ADMIN.USER',
        loginKey: 'admin.user',
        display: 'x',
        firstName: '',
        lastName: '',
        email: null,
        isAdmin: 0,
        passportUid: null,
        cloudUid: 'aj00000000000000000x',
        dismissed: 0,
        createdAt: NOW,
      })
      .execute();
    const error = await duplicate.then(
      () => assert.fail('the insert should fail'),
      (caught: unknown) => caught,
    );
    assert.deepEqual(classifyDatabaseError(error), { kind: 'duplicate', table: 'users', field: 'login' });
    const organization = await store.db
      .insertInto('organizations')
      .values({ id: 'acme', cloudOrgId: null, name: 'again', createdAt: NOW })
      .execute()
      .then(
        () => assert.fail('the insert should fail'),
        (caught: unknown) => caught,
      );
    assert.deepEqual(classifyDatabaseError(organization), { kind: 'duplicate', table: 'organizations', field: 'id' });
  });
});

describe(`the HTTP answers on ${testBackend()} where the databases differ underneath`, () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
  });
  after(() => t.close());

  it('issue numbers up to ten digits (64-bit on PostgreSQL too)', async () => {
    await createQueue(t, 'BIG');
    const issue = await importIssue(t, { queue: 'BIG', key: 'BIG-9999999998' });
    assert.equal(issue.key, 'BIG-9999999998');
    const next = await t.request({ method: 'POST', url: '/v3/issues/', payload: { queue: 'BIG', summary: 'after' } });
    assert.equal(next.statusCode, 201, next.body);
    assert.equal(next.json<{ key: string }>().key, 'BIG-9999999999');
    assert.equal((await getIssue(t, 'big-9999999999')).summary, 'after');
  });

  it('text with U+0000 is refused as an invalid field (PostgreSQL cannot store it)', async () => {
    const issue = await importIssue(t);
    const response = await postWorklog(t, issue.key, worklogBody({ comment: 'before\u0000after' }));
    assert.equal(response.statusCode, 422, response.body);
    assert.deepEqual(response.json(), {
      errors: { comment: 'contains the character U+0000, which cannot be stored' },
      errorsData: {},
      errorMessages: ['The request has invalid fields.'],
      statusCode: 422,
    });
    assert.equal((await getIssue(t, issue.key)).spent, undefined, 'nothing was stored');
    const path = await t.request({ method: 'GET', url: '/v3/users/a%00b' });
    assert.equal(path.statusCode, 400, path.body);
  });

  it('a worklog cursor beyond any id is an empty page, not an error', async () => {
    const issue = await importIssue(t);
    for (const id of ['9007199254740993', '9223372036854775808', '99999999999999999999']) {
      const response = await t.request({ method: 'GET', url: `/v3/issues/${issue.key}/worklog?id=${id}` });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), []);
    }
  });

  it('concurrent creates of the same thing: one 201, the rest 409 naming the field', async () => {
    const queues = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.request({ method: 'POST', url: '/v3/queues/', payload: { key: 'SAME', name: 'Same', lead: 'admin' } }),
      ),
    );
    assert.deepEqual(queues.map((response) => response.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
    for (const response of queues.filter((each) => each.statusCode === 409)) {
      assert.deepEqual(response.json<{ errors: object }>().errors, { key: 'is already taken' });
    }
    const users = await Promise.all(
      ['Carol', 'carol', 'CAROL', 'carol'].map((login) => t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login } })),
    );
    assert.deepEqual(users.map((response) => response.statusCode).sort(), [201, 409, 409, 409]);
    for (const response of users.filter((each) => each.statusCode === 409)) {
      assert.deepEqual(response.json<{ errors: object }>().errors, { login: 'is already taken' });
    }
  });
});
