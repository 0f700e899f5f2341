/** `POST /v3/queues/` and `GET /v3/queues/<key>`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import type { QueueAnswer } from '../../src/api/schemas/resources.js';
import { NOW, type UserBody, createUserWithToken, expectFieldErrors, expectStatus } from './fixtures.js';

type QueueBody = QueueAnswer;

describe('queues', () => {
  let t: TestApp;
  let lead: UserBody;
  let userToken: string;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    const created = await createUserWithToken(t, 'lead', { display: 'Queue Lead' });
    lead = created.user;
    userToken = created.token;
  });
  after(() => t.close());

  const countQueues = async () => (await t.store.db.selectFrom('queues').select('id').execute()).length;
  const post = (payload: unknown, token?: string) =>
    t.request({
      method: 'POST',
      url: '/v3/queues/',
      payload: payload as Record<string, unknown>,
      ...(token === undefined ? {} : { token }),
    });

  it('creates a queue at /v3/queues/ (trailing slash) with 201 and Tracker’s shape', async () => {
    const queue = expectStatus<QueueBody>(await post({ key: 'TEST', name: 'Test queue', lead: 'lead', description: 'About' }), 201);
    assert.equal(queue.self, 'http://tracker.test/v3/queues/TEST');
    assert.equal(typeof queue.id, 'number');
    assert.equal(queue.key, 'TEST');
    assert.equal(queue.version, 1);
    assert.equal(queue.name, 'Test queue');
    assert.equal(queue.description, 'About');
    assert.deepEqual(queue.lead, {
      self: `http://tracker.test/v3/users/${lead.uid}`,
      id: String(lead.uid),
      display: 'Queue Lead',
      cloudUid: lead.cloudUid,
      passportUid: lead.passportUid,
    });
    assert.equal(queue.defaultType.key, 'task');
    assert.match(queue.defaultType.self, /^http:\/\/tracker\.test\/v3\/issuetypes\/\d+$/);
    assert.equal(queue.defaultPriority.key, 'normal');
    assert.equal(queue.assignAuto, false);
  });

  it('creates a queue at /v3/queues without the slash, with the other Tracker fields', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/v3/queues',
      payload: {
        key: 'OPS',
        name: 'Ops',
        lead: lead.uid,
        defaultType: 'bug',
        defaultPriority: { key: 'critical' },
        assignAuto: true,
        issueTypesConfig: [{}],
      },
    });
    const queue = expectStatus<QueueBody>(response, 201);
    assert.equal(queue.lead.id, String(lead.uid));
    assert.equal(queue.defaultType.key, 'bug');
    assert.equal(queue.defaultPriority.key, 'critical');
    assert.equal(queue.assignAuto, true);
  });

  for (const field of ['key', 'name', 'lead']) {
    it(`refuses a queue without ${field} with 422`, async () => {
      const queues = await countQueues();
      const body: Record<string, unknown> = { key: 'MISS', name: 'Missing', lead: 'admin' };
      delete body[field];
      expectFieldErrors(await post(body), 422, [field]);
      assert.equal(await countQueues(), queues);
    });
  }

  for (const key of ['lower', 'Mixed', '1ABC', 'A-B', 'A_B', '', 'ABCDEFGHIJKLMNOP', 'ÄBC']) {
    it(`refuses the key ${JSON.stringify(key)} with 422`, async () => {
      const queues = await countQueues();
      expectFieldErrors(await post({ key, name: 'Bad key', lead: 'admin' }), 422, ['key']);
      assert.equal(await countQueues(), queues);
    });
  }

  it('refuses an unknown lead, a blank name and unknown fields with 422', async () => {
    const queues = await countQueues();
    expectFieldErrors(await post({ key: 'NOLEAD', name: 'No lead', lead: 'ghost' }), 422, ['lead']);
    expectFieldErrors(await post({ key: 'NOLEAD', name: 'No lead', lead: 999_999 }), 422, ['lead']);
    expectFieldErrors(await post({ key: 'BLANK', name: '   ', lead: 'admin' }), 422, ['name']);
    expectFieldErrors(await post({ key: 'EXTRA', name: 'Extra', lead: 'admin', colour: 'red' }), 422, ['colour']);
    expectFieldErrors(await post({ key: 'TYPED', name: 7, lead: 'admin' }), 422, ['name']);
    assert.equal(await countQueues(), queues);
  });

  it('answers a duplicate key with 409', async () => {
    const queues = await countQueues();
    assertTrackerError(await post({ key: 'TEST', name: 'Again', lead: 'admin' }), 409);
    assert.equal(await countQueues(), queues);
  });

  it('answers a non-admin with 403', async () => {
    const queues = await countQueues();
    assertTrackerError(await post({ key: 'MINE', name: 'Mine', lead: 'lead' }, userToken), 403);
    assert.equal(await countQueues(), queues);
    assertTrackerError(await t.request({ method: 'GET', url: '/v3/queues/MINE' }), 404);
  });

  it('reads a queue by key, lowercase key and id', async () => {
    const byKey = expectStatus<QueueBody>(await t.request({ method: 'GET', url: '/v3/queues/TEST' }), 200);
    assert.equal(byKey.name, 'Test queue');
    assert.equal(byKey.lead.id, String(lead.uid));
    assert.deepEqual(expectStatus<QueueBody>(await t.request({ method: 'GET', url: '/v3/queues/test' }), 200), byKey);
    assert.deepEqual(expectStatus<QueueBody>(await t.request({ method: 'GET', url: `/v3/queues/${byKey.id}` }), 200), byKey);
    // Any member may read it.
    assert.equal(expectStatus<QueueBody>(await t.request({ method: 'GET', url: '/v3/queues/TEST', token: userToken }), 200).key, 'TEST');
    // Over v2 the links say v2.
    assert.equal(
      expectStatus<QueueBody>(await t.request({ method: 'GET', url: '/v2/queues/TEST' }), 200).self,
      'http://tracker.test/v2/queues/TEST',
    );
  });

  it('answers an unknown queue with 404', async () => {
    for (const ref of ['NOPE', '999']) {
      const body = assertTrackerError(await t.request({ method: 'GET', url: `/v3/queues/${ref}` }), 404);
      assert.ok(body.errorMessages.some((message) => /Queue/.test(message)));
    }
  });
});
