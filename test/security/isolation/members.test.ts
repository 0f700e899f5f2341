/**
 * Isolation within an organization (issue 7): a member of A who is not an administrator gets 403
 * from every admin-only route of the isolation matrix (rows.ts) and from another's entry, and
 * nothing changes; every route that is not admin-only answers the member.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertTrackerError } from '../../../support/app.js';
import { organizationRows } from '../snapshot.js';
import { MATRIX, rowName } from './rows.js';
import { type Method, T, isolationApp } from './world.js';

describe('isolation within organization A: a member who is not an administrator', () => {
  const h = isolationApp();
  const { send } = h;

  it('refuses every admin-only route to a member of A who is not an administrator, in A, by either header', async () => {
    const adminOnly = MATRIX.filter((row) => row.adminOnly);
    // What the README names as for administrators: queues, both imports, users and tokens, the ledger, the audit log,
    // and the changes and listing by external id (GET rows count twice, with their HEAD).
    assert.equal(adminOnly.length, 6 + 11 + 3);
    for (const row of adminOnly) {
      const request = row.valid(h.world, 'MEMBER');
      const byHeader: Record<string, string>[] = [{ 'x-org-id': h.world.a.id }, { 'x-cloud-org-id': h.world.a.cloudId }];
      for (const headers of byHeader) {
        const response = await send(row.method, request, h.world.a.memberToken, headers);
        const what = `${rowName(row)} as A's member with ${Object.keys(headers)[0]}`;
        assert.equal(response.statusCode, 403, `${what}: expected 403, got ${response.statusCode}: ${response.body.slice(0, 300)}`);
        if (row.method !== 'HEAD') assert.match(assertTrackerError(response, 403).errorMessages.join(' '), /administrator/, what);
      }
    }
    assert.deepEqual(
      await organizationRows(h.t.store, h.world.a.id),
      h.aRowsAtStart,
      "a member's refused request changed organization A's data",
    );
  });

  it("refuses a member of A another's entry and another's token, and changes nothing", async () => {
    const member = (method: Method, request: { url: string; payload?: unknown; headers?: Record<string, string> }) =>
      send(method, request, h.world.a.memberToken, { 'x-org-id': h.world.a.id });
    for (const v of ['v2', 'v3'] as const) {
      const url = `/${v}/issues/${h.world.a.issueKey}/worklog/${h.world.a.worklogByAdmin}`;
      assertTrackerError(await member('PATCH', { url, payload: { comment: 'mine now' } }), 403);
      assertTrackerError(await member('DELETE', { url }), 403);
    }
    assertTrackerError(await member('POST', { url: `${T}/tokens/_revoke`, payload: { token: h.world.a.spareToken } }), 404);
    assert.deepEqual(await organizationRows(h.t.store, h.world.a.id), h.aRowsAtStart);
  });

  it('lets a member of A read every route that is not admin-only', async () => {
    for (const row of MATRIX.filter((each) => !each.adminOnly && (each.method === 'GET' || each.method === 'HEAD'))) {
      const request = row.valid(h.world, 'READ');
      const response = await send(row.method, request, h.world.a.memberToken, { 'x-cloud-org-id': h.world.a.cloudId });
      assert.equal(response.statusCode, request.status, `${rowName(row)} as A's member: ${response.body.slice(0, 300)}`);
    }
  });
});
