/**
 * On PostgreSQL every statement is a round trip, and round trips are most of a single import's
 * cost there (BENCHMARKS.md). This pins how many one import makes at most: the catalog's counter,
 * and the insert with its `spent` update and audit event as one statement in a transaction of its
 * own (no BEGIN, no COMMIT: store/import-groups.ts); before the catalog cache, also the token, the
 * issue and the author. SQLite runs in process and is not concerned.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type TestApp, testBackend } from '../../support/app.js';
import { buildAppWithIssue, expectStatus, postWorklog, worklogBody } from './fixtures.js';

const MAX_ROUND_TRIPS = 4;

describe('round trips of a single import on PostgreSQL', { skip: testBackend() === 'postgres' ? false : 'PostgreSQL only' }, () => {
  let t: TestApp;
  let key: string;
  before(async () => {
    ({
      t,
      issue: { key },
    } = await buildAppWithIssue());
  });
  after(async () => t.close());

  it(`makes at most ${MAX_ROUND_TRIPS} (and the statement still stores the entry, spent and its event)`, async () => {
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    // Counts every statement any pooled client sends while the one request runs.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0];
      statements.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text ?? first));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    let worklog: { id: number };
    try {
      worklog = expectStatus<{ id: number }>(await postWorklog(t, key, worklogBody({ duration: 'PT2H' })), 200);
    } finally {
      pg.Client.prototype.query = query;
    }
    assert.ok(statements.length <= MAX_ROUND_TRIPS, `${statements.length} statements:\n${statements.join('\n')}`);
    const issue = expectStatus<{ spent?: string }>(await t.request({ method: 'GET', url: `/v3/issues/${key}` }), 200);
    assert.equal(issue.spent, 'PT2H');
    const events = expectStatus<{ action: string; worklog?: { id: number } }[]>(
      await t.request({ method: 'GET', url: '/timeport/v1/audit?action=worklog.import' }),
      200,
    );
    assert.deepEqual(
      events.map((event) => event.worklog?.id),
      [worklog.id],
    );
  });
});
