/**
 * The isolation matrix (issue 7): for every route the app registers under /v2, /v3 and
 * /timeport/v1, organization B's administrator is sent against organization A's issue, queue,
 * users, worklogs and import batches, naming A (403) or B (404, or a refusal or an empty answer
 * that shows nothing of A) through `X-Org-ID` and `X-Cloud-Org-ID`; without a token it is 401.
 * After every row, A's stored rows are exactly as before and no answer carried A's data.
 *
 * The table of routes (rows.ts, one file of rows per resource family) is checked against the app's
 * own list of registered routes, so a route added without a row here fails the first test. A last
 * test sends each row's valid request as A's own administrator and gets a success: the refusals
 * above come from isolation, not from a malformed request. What a member of A who is not an
 * administrator gets is in members.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTrackerError } from '../../../support/app.js';
import { ORG_UNAVAILABLE } from '../../api/fixtures.js';
import { organizationRows } from '../snapshot.js';
import { MATRIX, PUBLIC_ROUTES, rowName } from './rows.js';
import { A_MARKER, CASES, isolationApp } from './world.js';

describe('isolation matrix: organization B against organization A', () => {
  const h = isolationApp();
  const { send, assertNoLeak } = h;
  /** Requests of the matrix proper: organization B's (or nobody's) against A. */
  let matrixRequests = 0;

  it('has a row for every route the app registers under /v2, /v3 and /timeport/v1', () => {
    const registered = h.t.app.registeredRoutes.map((route) => ({ method: route.method, route: route.url }));
    const inMatrix = new Set(MATRIX.map(rowName));
    const missing = registered.filter(
      (route) => !inMatrix.has(rowName(route)) && !PUBLIC_ROUTES.some((pattern) => pattern.test(route.route)),
    );
    assert.deepEqual(missing.map(rowName), [], 'routes without a row in the isolation matrix');
    const registeredNames = new Set(registered.map(rowName));
    const stale = MATRIX.filter((row) => !registeredNames.has(rowName(row)));
    assert.deepEqual(stale.map(rowName), [], 'matrix rows for routes the app does not have');
    assert.equal(inMatrix.size, MATRIX.length, 'each route has one row');
    // Every API route is in the matrix; only the public ones are left out.
    for (const row of MATRIX) assert.match(row.route, /^\/(v2|v3|timeport\/v1)\//);
  });

  for (const row of MATRIX) {
    it(`${rowName(row)}: refused or empty for organization B, in every case, and nothing of A changes`, async () => {
      const probes = row.probes(h.world);
      assert.ok(probes.length > 0);
      for (const probe of probes) {
        for (const kase of CASES) {
          const what = `${rowName(row)} [${probe.label}] with ${kase.name}`;
          const response = await send(row.method, probe, kase.token(h.world), kase.headers(h.world));
          matrixRequests += 1;
          const expected = kase.expect === 'own' ? probe.inOwnOrg : kase.expect;
          const status = response.statusCode;
          assert.ok(
            typeof expected === 'number' ? status === expected : expected.includes(status),
            `${what}: expected ${String(expected)}, got ${status}: ${response.body.slice(0, 500)}`,
          );
          assertNoLeak(response, what);
          if (row.method === 'HEAD') {
            assert.equal(response.body, '', `${what}: HEAD has no body`);
            continue;
          }
          if (status >= 400) {
            const body = assertTrackerError(response, status);
            if (status === 403) assert.deepEqual(body.errorMessages, [ORG_UNAVAILABLE], what);
            if (status === 401) assert.match(body.errorMessages.join(' '), /Not authorized/, what);
          }
          if (kase.expect === 'own') probe.check?.(response.json(), h.world);
        }
      }
      assert.deepEqual(await organizationRows(h.t.store, h.world.a.id), h.aRowsAtStart, `${rowName(row)} changed organization A's data`);
    });
  }

  it('sent every probe of every row in every case', (context) => {
    const probes = MATRIX.reduce((count, row) => count + row.probes(h.world).length, 0);
    context.diagnostic(
      `${MATRIX.length} rows (routes), ${probes} probes of A's resources, ${CASES.length} cases each: ${matrixRequests} requests`,
    );
    assert.equal(matrixRequests, probes * CASES.length);
  });

  // Last: these succeed and change organization A.
  it("answers every row's valid request to A's own administrator: the refusals above are isolation", async () => {
    // Deletions last, so that nothing they remove is needed by a later row.
    const ordered = [...MATRIX.filter((row) => row.method !== 'DELETE'), ...MATRIX.filter((row) => row.method === 'DELETE')];
    let nonce = 0;
    for (const row of ordered) {
      nonce += 1;
      const request = row.valid(h.world, `C${nonce}`);
      const response = await send(row.method, request, h.world.a.adminToken, { 'x-org-id': h.world.a.id });
      assert.equal(response.statusCode, request.status, `${rowName(row)} as A's admin: ${response.body.slice(0, 300)}`);
    }
    // The leak check would have seen A's data: A's own answers carry it.
    const own = await send('GET', { url: `/v3/issues/${h.world.a.issueKey}` }, h.world.a.adminToken, { 'x-org-id': h.world.a.id });
    assert.ok(own.body.includes(A_MARKER));
    const users = await send('GET', { url: '/v3/users' }, h.world.a.adminToken, { 'x-org-id': h.world.a.id });
    assert.ok(h.aSecrets.every((secret) => users.body.includes(secret)));
  });
});
