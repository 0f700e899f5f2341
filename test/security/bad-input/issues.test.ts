/** Bad input to the queue, issue, search and field routes (test/security/bad-input/app.ts: the set-up and the checks). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allRows } from '../snapshot.js';
import { badInputApp, endpointTests } from './app.js';
import { ISSUE_CREATED_AT, SEED } from './requests.js';

describe(`bad input never hurts: queues, issues and fields (fast-check seed ${SEED})`, () => {
  const h = badInputApp();
  const { assertNothingWritten, admin, ok } = h;
  endpointTests(h, 'issues');

  it('refuses a new issue past the last number a key can carry (409), instead of making one no key names', async () => {
    await ok(admin('POST', '/v3/queues/', { key: 'EDGE', name: 'Edge', lead: 'admin' }), 201);
    await ok(
      admin('POST', '/v3/issues/_import', {
        queue: 'EDGE',
        key: 'EDGE-9999999999',
        summary: 'The last',
        createdAt: ISSUE_CREATED_AT,
        createdBy: 'admin',
      }),
      200,
    );
    const rows = await allRows(h.t.store);
    const next = [
      { url: '/v3/issues/', payload: { queue: 'EDGE', summary: 'One more' } },
      { url: '/v2/issues/_import', payload: { queue: 'EDGE', summary: 'One more', createdAt: ISSUE_CREATED_AT, createdBy: 'admin' } },
    ];
    for (const { url, payload } of next) {
      const response = await admin('POST', url, payload);
      assert.equal(response.statusCode, 409, `${url}: ${response.body}`);
    }
    await assertNothingWritten('issues past the last number', rows);
    await ok(admin('GET', '/v3/issues/EDGE-9999999999'), 200);
  });
});
