import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import type { BatchAnswer, ImportBatchAnswer } from '../../src/api/schemas/timeport.js';
import {
  buildAppWithIssue,
  NOW,
  createUserWithToken,
  expectStatus,
  getIssue,
  importIssue,
  listAllWorklogs,
  postWorklog,
  snapshot,
  worklogBody,
} from '../api/fixtures.js';

/** A ledger entry, as listed, read (remainingWorklogs) or rolled back (removed). */
type BatchRecord = ImportBatchAnswer & { remainingWorklogs?: number; removed?: number };

const entry = (overrides: Record<string, unknown> = {}) => ({ issue: 'TEST-1', ...worklogBody(), ...overrides });

const postBatch = (t: TestApp, payload: Record<string, unknown>, token?: string) =>
  t.request({ method: 'POST', url: '/timeport/v1/worklogs/_import', payload, ...(token === undefined ? {} : { token }) });

describe('batch import: POST /timeport/v1/worklogs/_import', () => {
  let t: TestApp;
  before(async () => {
    ({ t } = await buildAppWithIssue());
    await importIssue(t, { summary: 'Second' });
  });
  after(() => t.close());

  test('capabilities announce the batch extension and its limits', async () => {
    const caps = expectStatus<{ worklogBatchImport: { path: string; maxEntries: number; maxBodyBytes: number } }>(
      await t.request({ method: 'GET', url: '/timeport/v1/capabilities' }),
      200,
    );
    assert.equal(caps.worklogBatchImport.path, '/timeport/v1/worklogs/_import');
    assert.equal(caps.worklogBatchImport.maxEntries, 10_000);
    assert.ok(caps.worklogBatchImport.maxBodyBytes > 1024 * 1024);
  });

  test('partial mode creates the valid entries and reports each failure in Tracker form, with the single import texts', async () => {
    const bad = { duration: 'PT0S', createdAt: '2024-01-01T00:00:00Z' };
    const single = assertTrackerError(await postWorklog(t, 'TEST-2', worklogBody(bad)), 422);
    const answer = expectStatus<BatchAnswer>(
      await postBatch(t, {
        source: 'partial.csv',
        entries: [
          entry({ externalId: 'p-1', issue: 'TEST-2' }),
          entry({ externalId: 'p-2', issue: 'TEST-2', ...bad }),
          entry({ externalId: 'p-3', issue: 'NOPE-1' }),
          entry({ externalId: 'p-4', issue: 'TEST-2', extra: 1 }),
          { externalId: 'p-5' },
        ],
      }),
      200,
    );
    assert.deepEqual(answer.counts, { created: 1, alreadyPresent: 0, failed: 4 });
    assert.equal(answer.results[0]!.status, 'created');
    assert.equal(typeof answer.results[0]!.id, 'number');
    assert.deepEqual(answer.results[1]!.error!.errors, single.errors);
    assert.equal(answer.results[1]!.error!.statusCode, 422);
    assert.equal(answer.results[2]!.error!.statusCode, 404);
    assert.deepEqual(answer.results[2]!.error!.errorMessages, ['Issue does not exist.']);
    assert.equal(answer.results[3]!.error!.errors.extra, 'is not a known field of this request');
    assert.deepEqual(Object.keys(answer.results[4]!.error!.errors).sort(), ['createdAt', 'createdBy', 'duration', 'issue', 'start']);
    assert.equal(answer.results[4]!.externalId, 'p-5');
    const stored = await listAllWorklogs(t, 'TEST-2');
    assert.deepEqual(
      stored.map((worklog) => worklog.id),
      [answer.results[0]!.id],
    );
    assert.equal((await getIssue(t, 'TEST-2')).spent, 'PT1H');
  });

  test('an external id already imported is reported as already present and not stored again', async () => {
    const payload = {
      entries: [entry({ externalId: 'x-1' }), entry({ externalId: 'x-2', duration: 'PT30M' }), entry({ externalId: 'x-1' })],
    };
    const first = expectStatus<BatchAnswer>(await postBatch(t, payload), 200);
    assert.deepEqual(first.counts, { created: 2, alreadyPresent: 1, failed: 0 });
    assert.equal(first.results[2]!.id, first.results[0]!.id, 'a repeat inside one batch names the first');
    const before = await snapshot(t, 'TEST-1');
    const second = expectStatus<BatchAnswer>(await postBatch(t, payload), 200);
    assert.deepEqual(second.counts, { created: 0, alreadyPresent: 3, failed: 0 });
    assert.deepEqual(
      second.results.map((result) => result.id),
      first.results.map((result) => result.id),
    );
    assert.deepEqual(await snapshot(t, 'TEST-1'), before);
  });

  test('atomic mode stores nothing when one entry fails, and says which (422 in Tracker form)', async () => {
    const before = await snapshot(t, 'TEST-1');
    const response = await postBatch(t, {
      mode: 'atomic',
      entries: [entry({ externalId: 'a-1' }), entry({ externalId: 'a-2', start: 'yesterday' })],
    });
    const error = assertTrackerError(response, 422);
    assert.match(error.errors['entries[1]']!, /^start: "yesterday" is not a valid date-time/);
    const body = response.json() as BatchAnswer;
    assert.equal(body.stored, false);
    assert.deepEqual(
      body.results.map((result) => result.status),
      ['valid', 'failed'],
    );
    assert.deepEqual(await snapshot(t, 'TEST-1'), before);
    const ok = expectStatus<BatchAnswer>(await postBatch(t, { mode: 'atomic', entries: [entry({ externalId: 'a-1' })] }), 200);
    assert.deepEqual(ok.counts, { created: 1, alreadyPresent: 0, failed: 0 });
  });

  test('a dry run validates against the target and writes nothing, not even a ledger record', async () => {
    const before = await snapshot(t, 'TEST-1');
    const ledgerBefore = expectStatus<BatchRecord[]>(await t.request({ method: 'GET', url: '/timeport/v1/imports' }), 200);
    const answer = expectStatus<BatchAnswer>(
      await postBatch(t, {
        dryRun: true,
        entries: [entry({ externalId: 'd-1' }), entry({ externalId: 'x-1' }), entry({ createdBy: 'ghost' })],
      }),
      200,
    );
    assert.equal(answer.id, undefined);
    assert.deepEqual(answer.counts, { created: 1, alreadyPresent: 1, failed: 1 });
    assert.equal(answer.results[0]!.status, 'valid');
    assert.equal(answer.results[2]!.error!.errors.createdBy, 'user "ghost" does not exist in this organization');
    assert.deepEqual(await snapshot(t, 'TEST-1'), before);
    assert.deepEqual(expectStatus<BatchRecord[]>(await t.request({ method: 'GET', url: '/timeport/v1/imports' }), 200), ledgerBefore);
  });

  test('non-admins get 403 before the body is read; bad options are 422; more than 10,000 entries are refused', async () => {
    const { token } = await createUserWithToken(t, 'worker');
    assertTrackerError(await postBatch(t, { entries: 'nonsense' }, token), 403);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/imports', token }), 403);
    const bad = assertTrackerError(await postBatch(t, { entries: [entry()], mode: 'sometimes', unknown: true }), 422);
    assert.deepEqual(Object.keys(bad.errors).sort(), ['mode', 'unknown']);
    assertTrackerError(await postBatch(t, { entries: [] }), 422);
    const tooMany = assertTrackerError(await postBatch(t, { entries: Array.from({ length: 10_001 }, () => entry()) }), 422);
    assert.match(tooMany.errors.entries!, /at most 10000/);
  });

  test('a 10,000-entry batch (over 1 MiB) is accepted in one request and one transaction', async () => {
    const entries = Array.from({ length: 10_000 }, (_, index) =>
      entry({ issue: 'TEST-3', externalId: `big-${index}`, duration: 'PT1M', comment: `entry ${index} `.padEnd(80, '.') }),
    );
    await importIssue(t, { summary: 'Big' });
    const payload = JSON.stringify({ entries });
    assert.ok(payload.length > 1024 * 1024);
    const answer = expectStatus<BatchAnswer>(await postBatch(t, { entries }), 200);
    assert.equal(answer.counts.created, 10_000);
    const ids = answer.results.map((result) => result.id!);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'ids follow the entries',
    );
    assert.equal((await getIssue(t, 'TEST-3')).spent, 'P4WT6H40M'); // 10,000 minutes = 166 h 40 min
    const rows = await t.store.db
      .selectFrom('worklogs')
      .select(['id', 'comment'])
      .where('id', 'in', [ids[0]!, ids[9_999]!])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((row) => row.comment?.replace(/\.+$/, '').trim()),
      ['entry 0', 'entry 9999'],
    );
  });
});

describe('batch import: concurrent batches sharing new external ids', () => {
  let t: TestApp;
  before(async () => {
    ({ t } = await buildAppWithIssue());
  });
  after(() => t.close());

  test('six batches at once, each with the same 300 new external ids: every answer 200, each entry stored once', async () => {
    const ids = Array.from({ length: 300 }, (_, n) => `race-${n}`);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, batch) =>
        // Each batch lists the ids in another order, so their inserts meet in the middle.
        postBatch(t, {
          entries: (batch % 2 === 0 ? ids : [...ids].reverse()).map((externalId) => entry({ externalId, comment: `batch ${batch}` })),
        }),
      ),
    );
    const bodies = answers.map((response) => expectStatus<BatchAnswer>(response, 200));
    const created = bodies.reduce((sum, body) => sum + body.counts.created, 0);
    assert.equal(created, 300, 'each external id created by exactly one batch');
    for (const body of bodies) assert.equal(body.counts.created + body.counts.alreadyPresent, 300);
    const worklogs = await listAllWorklogs(t, 'TEST-1');
    assert.equal(worklogs.length, 300);
    // Every batch's answer names the one stored worklog of each id.
    const stored = new Set(worklogs.map((worklog) => worklog.id));
    for (const body of bodies) for (const result of body.results) assert.ok(stored.has(result.id!), `${result.externalId} → ${result.id}`);
    const spent = parseBusinessDuration((await getIssue(t, 'TEST-1')).spent ?? 'PT0S');
    assert.ok(spent.ok);
    assert.equal(spent.value, 300 * 3600, 'spent counts each entry once');
  });
});

describe('import ledger: GET/DELETE /timeport/v1/imports', () => {
  let t: TestApp;
  before(async () => {
    ({ t } = await buildAppWithIssue());
    await importIssue(t, { summary: 'Second' });
  });
  after(() => t.close());

  test('every stored batch is recorded with who, when, counts and source; rollback removes its entries and restores spent', async () => {
    const existing = expectStatus<{ id: number }>(await postWorklog(t, 'TEST-1', worklogBody({ duration: 'PT2H' })), 200);
    const answer = expectStatus<BatchAnswer>(
      await postBatch(t, {
        source: 'toggl.csv',
        entries: [
          entry({ externalId: 'r-1' }),
          entry({ externalId: 'r-2', issue: 'TEST-2', duration: 'P1D' }),
          entry({ externalId: 'r-3', duration: 'bad' }),
        ],
      }),
      200,
    );
    assert.equal((await getIssue(t, 'TEST-1')).spent, 'PT3H');
    const list = expectStatus<BatchRecord[]>(await t.request({ method: 'GET', url: '/timeport/v1/imports' }), 200);
    assert.equal(list.length, 1);
    const record = list[0]!;
    assert.equal(record.id, answer.id);
    assert.equal(record.source, 'toggl.csv');
    assert.equal(record.mode, 'partial');
    assert.equal(record.createdBy.display, 'Administrator');
    assert.equal(record.createdAt, '2025-06-01T12:00:00.000+0000');
    assert.deepEqual(record.counts, { created: 2, alreadyPresent: 0, failed: 1 });
    assert.equal(record.rolledBackAt, undefined);

    t.clock.now = NOW + 60_000;
    const rolled = expectStatus<BatchRecord>(await t.request({ method: 'DELETE', url: `/timeport/v1/imports/${answer.id}` }), 200);
    assert.equal(rolled.removed, 2);
    assert.equal(rolled.remainingWorklogs, 0);
    assert.equal(rolled.rolledBackAt, '2025-06-01T12:01:00.000+0000');
    assert.equal(rolled.rolledBackBy!.id, record.createdBy.id);
    assert.equal((await getIssue(t, 'TEST-1')).spent, 'PT2H', 'only the batch entries are taken off');
    assert.equal((await getIssue(t, 'TEST-2')).spent, undefined);
    assert.deepEqual(
      (await listAllWorklogs(t, 'TEST-1')).map((worklog) => worklog.id),
      [existing.id],
    );
    const again = expectStatus<BatchRecord>(await t.request({ method: 'GET', url: `/timeport/v1/imports/${answer.id}` }), 200);
    assert.equal(again.rolledBackAt, rolled.rolledBackAt);
    assertTrackerError(await t.request({ method: 'DELETE', url: `/timeport/v1/imports/${answer.id}` }), 409);
    assertTrackerError(await t.request({ method: 'DELETE', url: '/timeport/v1/imports/999' }), 404);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/imports/abc' }), 400);

    // Rolled-back external ids are free again: the same entries can be imported anew.
    const reimport = expectStatus<BatchAnswer>(await postBatch(t, { entries: [entry({ externalId: 'r-1' })] }), 200);
    assert.deepEqual(reimport.counts, { created: 1, alreadyPresent: 0, failed: 0 });
  });

  test('another organization cannot see or roll back the batches', async () => {
    const list = expectStatus<BatchRecord[]>(await t.request({ method: 'GET', url: '/timeport/v1/imports?perPage=1' }), 200);
    assert.equal(list.length, 1);
    const { createOrganization } = await import('../../src/service/organizations.js');
    await createOrganization(t.ctx, { id: 'other', adminLogin: 'boss', adminToken: 'other-admin-token-000001' });
    const asOther = { token: 'other-admin-token-000001', org: 'other' };
    assert.deepEqual(expectStatus<BatchRecord[]>(await t.request({ method: 'GET', url: '/timeport/v1/imports', ...asOther }), 200), []);
    assertTrackerError(await t.request({ method: 'DELETE', url: `/timeport/v1/imports/${list[0]!.id}`, ...asOther }), 404);
  });
});
