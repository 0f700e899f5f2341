/** Users and tokens: the `/timeport/v1` management extension and Tracker's user reads. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { NOW, type UserBody, createUserWithToken, expectFieldErrors, expectStatus, nextLink, url } from './fixtures.js';

const USER_KEYS = [
  'cloudUid',
  'disableNotifications',
  'dismissed',
  'display',
  'external',
  'firstName',
  'hasLicense',
  'lastName',
  'login',
  'passportUid',
  'self',
  'trackerUid',
  'uid',
  'useNewFilters',
];

describe('users and tokens', () => {
  let t: TestApp;
  let userToken: string;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    userToken = (await createUserWithToken(t, 'plain')).token;
  });
  after(() => t.close());

  const countUsers = async () => (await t.store.db.selectFrom('users').select('uid').execute()).length;

  describe('POST /timeport/v1/users', () => {
    it('answers 201 with the user in Tracker’s shape', async () => {
      const response = await t.request({
        method: 'POST',
        url: '/timeport/v1/users',
        payload: { login: 'ivan.petrov', display: 'Ivan Petrov', email: 'ivan@example.com' },
      });
      const user = expectStatus<UserBody>(response, 201);
      assert.deepEqual(Object.keys(user).sort(), [...USER_KEYS, 'email', 'isAdmin'].sort());
      assert.equal(typeof user.uid, 'number');
      assert.equal(user.self, url(`users/${user.uid}`));
      assert.equal(user.login, 'ivan.petrov');
      assert.equal(user.display, 'Ivan Petrov');
      assert.equal(user.email, 'ivan@example.com');
      assert.equal(typeof user.passportUid, 'number');
      assert.equal(typeof user.cloudUid, 'string');
      assert.ok(user.cloudUid.length > 0);
      assert.equal(user.isAdmin, false);
      // It reads back the same.
      const read = expectStatus<UserBody>(await t.request({ method: 'GET', url: `/v3/users/${user.uid}` }), 200);
      assert.equal(read.login, 'ivan.petrov');
      assert.equal(read.cloudUid, user.cloudUid);
      assert.equal(read.passportUid, user.passportUid);
    });

    it('defaults display to the names, then to the login', async () => {
      const named = expectStatus<UserBody>(
        await t.request({
          method: 'POST',
          url: '/timeport/v1/users',
          payload: { login: 'named', firstName: 'Anna', lastName: 'Karenina' },
        }),
        201,
      );
      assert.equal(named.display, 'Anna Karenina');
      assert.equal(named.firstName, 'Anna');
      assert.equal(named.lastName, 'Karenina');
      const bare = expectStatus<UserBody>(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'bare' } }), 201);
      assert.equal(bare.display, 'bare');
      assert.equal('email' in bare, false);
    });

    it('creates admins when asked', async () => {
      const admin = expectStatus<UserBody>(
        await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'boss', isAdmin: true } }),
        201,
      );
      assert.equal(admin.isAdmin, true);
    });

    it('answers a duplicate login, in any case, with 409', async () => {
      expectStatus(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'dupe' } }), 201);
      const users = await countUsers();
      for (const login of ['dupe', 'DUPE', 'Dupe', 'admin', 'ADMIN']) {
        const response = await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login } });
        assertTrackerError(response, 409);
      }
      assert.equal(await countUsers(), users);
    });

    for (const login of ['', 'has space', '-dash', '.dot', 'ünïcode', 'a/b', 'x'.repeat(65)]) {
      it(`refuses the login ${JSON.stringify(login)} with 422`, async () => {
        const users = await countUsers();
        expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login } }), 422, ['login']);
        assert.equal(await countUsers(), users);
      });
    }

    for (const email of ['nope', 'a@', '@b', 'a b@c', '']) {
      it(`refuses the e-mail ${JSON.stringify(email)} with 422`, async () => {
        const users = await countUsers();
        expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'mailer', email } }), 422, [
          'email',
        ]);
        assert.equal(await countUsers(), users);
      });
    }

    it('refuses missing, unknown and mistyped fields with 422', async () => {
      expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: {} }), 422, ['login']);
      expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'x1', uid: 5 } }), 422, ['uid']);
      expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 42 } }), 422, ['login']);
      expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'x2', isAdmin: 'yes' } }), 422, [
        'isAdmin',
      ]);
      expectFieldErrors(await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'x3', display: '  ' } }), 422, [
        'display',
      ]);
    });

    it('answers a non-admin with 403 and creates nothing', async () => {
      const users = await countUsers();
      const response = await t.request({
        method: 'POST',
        url: '/timeport/v1/users',
        payload: { login: 'wannabe', isAdmin: true },
        token: userToken,
      });
      assertTrackerError(response, 403);
      assert.equal(await countUsers(), users);
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/users/wannabe' }), 404);
    });
  });

  describe('POST /timeport/v1/users/<login>/tokens', () => {
    it('answers 201 with a token that works', async () => {
      const user = expectStatus<UserBody>(
        await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: 'tokened' } }),
        201,
      );
      const response = await t.request({ method: 'POST', url: '/timeport/v1/users/tokened/tokens', payload: {} });
      const body = expectStatus<{ token: string }>(response, 201);
      assert.deepEqual(Object.keys(body), ['token']);
      assert.equal(typeof body.token, 'string');
      assert.ok(body.token.length >= 32);
      const me = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/myself', token: body.token }), 200);
      assert.equal(me.uid, user.uid);
      assert.equal(me.login, 'tokened');
    });

    it('issues a new token each time, all of them valid', async () => {
      const first = expectStatus<{ token: string }>(
        await t.request({ method: 'POST', url: '/timeport/v1/users/tokened/tokens', payload: {} }),
        201,
      );
      const second = expectStatus<{ token: string }>(
        await t.request({ method: 'POST', url: '/timeport/v1/users/tokened/tokens', payload: {} }),
        201,
      );
      assert.notEqual(first.token, second.token);
      for (const token of [first.token, second.token]) {
        assert.equal(expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/myself', token }), 200).login, 'tokened');
      }
    });

    it('takes the request with no body at all, or an empty JSON body', async () => {
      expectStatus(await t.request({ method: 'POST', url: '/timeport/v1/users/tokened/tokens' }), 201);
      expectStatus(
        await t.request({
          method: 'POST',
          url: '/timeport/v1/users/tokened/tokens',
          payload: '',
          headers: { 'content-type': 'application/json' },
        }),
        201,
      );
    });

    it('refuses a body with fields, or one that is not an object, with 422', async () => {
      const before = (await t.store.db.selectFrom('tokens').select('id').execute()).length;
      const extra = await t.request({
        method: 'POST',
        url: '/timeport/v1/users/tokened/tokens',
        payload: { token: 'chosen-token-0000000001' },
      });
      assertTrackerError(extra, 422);
      assert.equal('token' in extra.json<Record<string, unknown>>(), false);
      const array = await t.request({
        method: 'POST',
        url: '/timeport/v1/users/tokened/tokens',
        payload: '[]',
        headers: { 'content-type': 'application/json' },
      });
      assertTrackerError(array, 422);
      assert.equal((await t.store.db.selectFrom('tokens').select('id').execute()).length, before);
    });

    it('finds the login without regard to case', async () => {
      expectStatus(await t.request({ method: 'POST', url: '/timeport/v1/users/TOKENED/tokens', payload: {} }), 201);
    });

    it('answers an unknown login with 404', async () => {
      assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/users/ghost/tokens', payload: {} }), 404);
    });

    it('answers a non-admin with 403, even for their own login', async () => {
      assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/users/plain/tokens', payload: {}, token: userToken }), 403);
      assertTrackerError(await t.request({ method: 'POST', url: '/timeport/v1/users/admin/tokens', payload: {}, token: userToken }), 403);
    });

    it('stores tokens only as hashes', async () => {
      const { token } = await createUserWithToken(t, 'hashed');
      const rows = await t.store.db.selectFrom('tokens').selectAll().execute();
      assert.ok(rows.length >= 5);
      const dump = JSON.stringify(rows);
      for (const clear of [token, ADMIN_TOKEN, userToken]) {
        assert.equal(dump.includes(clear), false, 'a clear token is stored');
        const hash = createHash('sha256').update(clear, 'utf8').digest('hex');
        assert.equal(rows.filter((row) => row.tokenHash === hash).length, 1);
      }
      for (const row of rows) assert.match(row.tokenHash, /^[0-9a-f]{64}$/);
      // Nor anywhere else in the database.
      for (const table of ['users', 'organizations', 'queues', 'issues', 'worklogs'] as const) {
        const all = JSON.stringify(await t.store.db.selectFrom(table).selectAll().execute());
        assert.equal(all.includes(token), false, `the token is in ${table}`);
      }
    });
  });

  describe('Tracker user reads', () => {
    it('answers GET /v3/myself with the caller as an object', async () => {
      const me = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/myself' }), 200);
      assert.equal(Array.isArray(me), false);
      assert.deepEqual(Object.keys(me).sort(), USER_KEYS);
      assert.equal(me.login, 'admin');
      assert.equal(me.uid, 1);
      assert.equal(me.self, 'http://tracker.test/v3/users/1');
      assert.equal(me.passportUid, 1);
    });

    it('answers GET /v2/myself with /v2/ links, also as an object', async () => {
      const me = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v2/myself' }), 200);
      assert.equal(Array.isArray(me), false);
      assert.equal(me.login, 'admin');
      assert.equal(me.self, 'http://tracker.test/v2/users/1');
      const plain = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v2/myself', token: userToken }), 200);
      assert.equal(plain.login, 'plain');
    });

    it('finds a user by login, by uid and by login:<digits>', async () => {
      const digits = expectStatus<UserBody>(
        await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login: '12345' } }),
        201,
      );
      assert.notEqual(digits.uid, 12345);
      const byLogin = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/plain' }), 200);
      assert.equal(byLogin.login, 'plain');
      assert.equal(expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/PLAIN' }), 200).uid, byLogin.uid);
      const byUid = expectStatus<UserBody>(await t.request({ method: 'GET', url: `/v3/users/${byLogin.uid}` }), 200);
      assert.equal(byUid.login, 'plain');
      const byDigitsLogin = expectStatus<UserBody>(await t.request({ method: 'GET', url: '/v3/users/login:12345' }), 200);
      assert.equal(byDigitsLogin.uid, digits.uid);
      // Bare digits are a uid: no user has uid 12345.
      assertTrackerError(await t.request({ method: 'GET', url: '/v3/users/12345' }), 404);
      assert.equal(expectStatus<UserBody>(await t.request({ method: 'GET', url: `/v3/users/login:plain` }), 200).uid, byLogin.uid);
    });

    it('answers unknown users with 404', async () => {
      for (const ref of ['ghost', '999999', 'login:ghost', 'login:999999']) {
        const body = assertTrackerError(await t.request({ method: 'GET', url: `/v3/users/${ref}` }), 404);
        assert.ok(body.errorMessages.length > 0);
      }
    });
  });

  describe('GET /v3/users', () => {
    let listing: TestApp;

    before(async () => {
      listing = await buildTestApp({ now: NOW });
      for (const login of ['u1', 'u2', 'u3', 'u4']) {
        expectStatus(await listing.request({ method: 'POST', url: '/timeport/v1/users', payload: { login } }), 201);
      }
    });
    after(() => listing.close());

    it('lists everyone in uid order with X-Total-Count and no Link when one page holds them', async () => {
      const response = await listing.request({ method: 'GET', url: '/v3/users' });
      const users = expectStatus<UserBody[]>(response, 200);
      assert.deepEqual(
        users.map((user) => user.login),
        ['admin', 'u1', 'u2', 'u3', 'u4'],
      );
      assert.equal(response.headers['x-total-count'], '5');
      assert.equal(response.headers['x-total-pages'], '1');
      assert.equal(response.headers.link, undefined);
      for (const user of users) assert.equal(user.self, url(`users/${user.uid}`));
    });

    it('pages with perPage and a Link to the next page while more remain', async () => {
      const first = await listing.request({ method: 'GET', url: '/v3/users?perPage=2' });
      assert.deepEqual(
        expectStatus<UserBody[]>(first, 200).map((user) => user.login),
        ['admin', 'u1'],
      );
      assert.equal(first.headers['x-total-count'], '5');
      assert.equal(first.headers['x-total-pages'], '3');
      const logins: string[] = [];
      let next: string | undefined = '/v3/users?perPage=2';
      let pages = 0;
      while (next !== undefined) {
        const response = await listing.request({ method: 'GET', url: next });
        logins.push(...expectStatus<UserBody[]>(response, 200).map((user) => user.login));
        next = nextLink(response);
        pages += 1;
        assert.ok(pages <= 3, 'the Link chain must end');
      }
      assert.equal(pages, 3);
      assert.deepEqual(logins, ['admin', 'u1', 'u2', 'u3', 'u4']);
      const last = await listing.request({ method: 'GET', url: '/v3/users?perPage=2&page=3' });
      assert.equal(last.headers.link, undefined);
      assert.equal(expectStatus<UserBody[]>(last, 200).length, 1);
    });

    it('answers a page past the end with an empty list', async () => {
      const response = await listing.request({ method: 'GET', url: '/v3/users?perPage=2&page=9' });
      assert.deepEqual(expectStatus(response, 200), []);
      assert.equal(response.headers.link, undefined);
    });
  });
});
