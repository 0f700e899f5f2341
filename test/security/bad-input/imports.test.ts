/** Bad input to the batch import, changes, ledger and external-id routes (test/security/bad-input/app.ts: the set-up and the checks). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_TOKEN } from '../../../support/app.js';
import { allRows } from '../snapshot.js';
import { badInputApp, endpointTests } from './app.js';
import { SEED } from './requests.js';

describe(`bad input never hurts: imports and batches (fast-check seed ${SEED})`, () => {
  const h = badInputApp();
  const { assertNothingWritten } = h;
  endpointTests(h, 'imports');

  // The README promises that a refused request (4xx) releases its key: a refused atomic batch
  // must roll back its transaction rather than commit the request's Idempotency-Key claim.
  it('releases the Idempotency-Key of a refused atomic batch', async () => {
    const rows = await allRows(h.t.store);
    const entry = {
      issue: h.ids.issueKey,
      duration: 'PT0S',
      createdAt: '2025-02-18T16:35:41.740+0000',
      createdBy: 'admin',
      start: '2025-02-18T10:00:00.000+0000',
    };
    const refused = await h.t.app.inject({
      method: 'POST',
      url: '/timeport/v1/worklogs/_import',
      headers: {
        authorization: `OAuth ${ADMIN_TOKEN}`,
        'x-org-id': '1',
        'content-type': 'application/json',
        'idempotency-key': 'refused-atomic-batch',
      },
      payload: JSON.stringify({ mode: 'atomic', entries: [entry] }),
    });
    assert.equal(refused.statusCode, 422, refused.body);
    try {
      await assertNothingWritten('a refused atomic batch with an Idempotency-Key', rows);
    } finally {
      // Whatever the outcome, the tests after this one start from the set-up's rows.
      await h.t.store.db.deleteFrom('idempotencyKeys').where('idempotencyKey', '=', 'refused-atomic-batch').execute();
    }
  });
});
