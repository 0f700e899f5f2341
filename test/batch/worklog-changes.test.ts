/**
 * `timeport sync` against Timeport (issue 18, point 3): `POST /timeport/v1/worklogs/_changes`
 * updates and deletes imported worklogs by external id, atomic per batch, audited as PATCH and
 * DELETE are; `GET /timeport/v1/worklogs/_external` lists what imports with external ids put there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { createOrganization } from '../../src/service/organizations.js';
import * as syncedVersionMigration from '../../src/store/migrations/0010_imported_worklog_synced_version.js';
import { PUBLIC_URL, type TestApp, assertTrackerError } from '../../support/app.js';
import {
  type WorklogBody,
  buildAppWithIssue,
  createUserWithToken,
  expectStatus,
  getIssue,
  importIssue,
  listAllWorklogs,
  snapshot,
  worklogBody,
} from '../api/fixtures.js';

const OTHER_ADMIN = 'test-admin-token-0000000002';

interface ChangeResult {
  index: number;
  externalId?: string;
  action?: string;
  status: string;
  id?: number;
  worklog?: WorklogBody;
  error?: { errors: Record<string, string>; errorsData: object; errorMessages: string[]; statusCode: number };
}
interface ChangesAnswer {
  dryRun: boolean;
  source?: string;
  stored: boolean;
  counts: { updated: number; deleted: number; failed: number };
  results: ChangeResult[];
}
interface ExternalItem {
  externalId: string;
  source: string | null;
  syncedVersion: number;
  worklog: WorklogBody & { issue: { key: string } };
}
interface ImportAnswer {
  results: { externalId?: string; status: string; id?: number }[];
}

const seconds = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const parsed = parseBusinessDuration(duration);
  if (!parsed.ok) throw new Error(`unreadable duration ${duration}`);
  return parsed.value;
};

const postChanges = (t: TestApp, payload: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) =>
  t.request({ method: 'POST', url: '/timeport/v1/worklogs/_changes', payload: payload as Record<string, unknown>, ...options });

/** Imports entries into TEST-1 (or `issue`) through the batch import; answers external id → worklog id. */
async function importEntries(
  t: TestApp,
  source: string | undefined,
  entries: { externalId?: string; duration?: string; comment?: string; issue?: string }[],
): Promise<Map<string, number>> {
  const answer = expectStatus<ImportAnswer>(
    await t.request({
      method: 'POST',
      url: '/timeport/v1/worklogs/_import',
      payload: {
        ...(source === undefined ? {} : { source }),
        mode: 'atomic',
        entries: entries.map(({ issue = 'TEST-1', ...entry }) => ({ issue, ...worklogBody(), ...entry })),
      },
    }),
    200,
  );
  assert.ok(answer.results.every((result) => result.status === 'created'));
  return new Map(answer.results.flatMap((result) => (result.externalId === undefined ? [] : [[result.externalId, result.id!]])));
}

/** Every listed item, following Link; checks each link is absolute on the public base. */
async function listExternal(t: TestApp, query: string, token?: string): Promise<{ items: ExternalItem[]; pages: number }> {
  const items: ExternalItem[] = [];
  let next: string | undefined = `/timeport/v1/worklogs/_external${query}`;
  let pages = 0;
  while (next !== undefined) {
    const response: LightMyRequestResponse = await t.request({ method: 'GET', url: next, ...(token === undefined ? {} : { token }) });
    items.push(...expectStatus<ExternalItem[]>(response, 200));
    pages += 1;
    const link = response.headers.link;
    if (link === undefined) next = undefined;
    else {
      const match = /^<([^>]+)>; rel="next"$/.exec(String(link));
      assert.ok(match, `a Link header: ${String(link)}`);
      const target = new URL(match[1]!);
      assert.equal(target.origin, PUBLIC_URL);
      next = target.pathname + target.search;
    }
  }
  return { items, pages };
}

async function auditEvents(
  t: TestApp,
): Promise<{ action: string; worklog?: { id: number }; issue?: { key: string }; details: Record<string, unknown> }[]> {
  return expectStatus(await t.request({ method: 'GET', url: '/timeport/v1/audit?perPage=1000' }), 200);
}

/** Everything a refused batch must leave as it was: the issues, worklogs, ledger and audit log. */
async function everything(t: TestApp): Promise<unknown> {
  return {
    test1: await snapshot(t, 'TEST-1'),
    test2: await snapshot(t, 'TEST-2'),
    ledger: await t.store.db.selectFrom('importedWorklogs').selectAll().orderBy('worklogId').execute(),
    audit: await t.store.db.selectFrom('auditEvents').select(['id', 'action']).orderBy('id').execute(),
  };
}

async function getWorklog(t: TestApp, issue: string, id: number): Promise<LightMyRequestResponse> {
  return t.request({ method: 'GET', url: `/v3/issues/${issue}/worklog/${id}` });
}

describe('worklog changes by external id: POST /timeport/v1/worklogs/_changes', () => {
  let t: TestApp;
  before(async () => {
    ({ t } = await buildAppWithIssue());
    await importIssue(t, { summary: 'Second' });
  });
  after(() => t.close());

  test('capabilities name both routes and their limits', async () => {
    const caps = expectStatus<{
      worklogChanges: { path: string; maxChanges: number; maxBodyBytes: number };
      worklogExternalList: { path: string; maxPerPage: number };
    }>(await t.request({ method: 'GET', url: '/timeport/v1/capabilities' }), 200);
    assert.equal(caps.worklogChanges.path, '/timeport/v1/worklogs/_changes');
    assert.equal(caps.worklogChanges.maxChanges, 10_000);
    assert.ok(caps.worklogChanges.maxBodyBytes > 1024 * 1024);
    assert.deepEqual(caps.worklogExternalList, { path: '/timeport/v1/worklogs/_external', maxPerPage: 1000 });
  });

  test('an update and a delete by external id: stored, spent exact, audited as PATCH and DELETE', async () => {
    const ids = await importEntries(t, 'redmine', [
      { externalId: 'u:1', duration: 'PT1H', comment: 'old' },
      { externalId: 'u:2', duration: 'PT30M', issue: 'TEST-2' },
      { externalId: 'u:3', duration: 'PT2H' },
    ]);
    const spent1 = seconds((await getIssue(t, 'TEST-1')).spent);
    const spent2 = seconds((await getIssue(t, 'TEST-2')).spent);
    const issueBefore = await getIssue(t, 'TEST-1');
    const answer = expectStatus<ChangesAnswer>(
      await postChanges(t, {
        source: 'redmine sync',
        changes: [
          { action: 'update', externalId: 'u:1', ifVersion: 1, duration: 'PT2H15M', comment: 'new', start: '2025-02-17T10:00:00.000+0000' },
          { action: 'delete', externalId: 'u:2', ifVersion: 1 },
          { action: 'update', externalId: 'u:3', comment: null },
        ],
      }),
      200,
    );
    assert.equal(answer.dryRun, false);
    assert.equal(answer.stored, true);
    assert.equal(answer.source, 'redmine sync');
    assert.deepEqual(answer.counts, { updated: 2, deleted: 1, failed: 0 });
    assert.deepEqual(
      answer.results.map(({ index, externalId, action, status, id }) => ({ index, externalId, action, status, id })),
      [
        { index: 0, externalId: 'u:1', action: 'update', status: 'updated', id: ids.get('u:1') },
        { index: 1, externalId: 'u:2', action: 'delete', status: 'deleted', id: ids.get('u:2') },
        { index: 2, externalId: 'u:3', action: 'update', status: 'updated', id: ids.get('u:3') },
      ],
    );
    // The worklog exactly as GET answers it.
    const updated = answer.results[0]!.worklog!;
    assert.deepEqual(updated, expectStatus<WorklogBody>(await getWorklog(t, 'TEST-1', ids.get('u:1')!), 200));
    assert.equal(updated.version, 2);
    assert.equal(updated.duration, 'PT2H15M');
    assert.equal(updated.comment, 'new');
    assert.equal(updated.start, '2025-02-17T10:00:00.000+0000');
    assert.equal(answer.results[2]!.worklog!.comment, undefined, 'a null comment removes it, as on PATCH');
    assertTrackerError(await getWorklog(t, 'TEST-2', ids.get('u:2')!), 404);

    const issueAfter = await getIssue(t, 'TEST-1');
    assert.equal(seconds(issueAfter.spent), spent1 + 75 * 60);
    assert.equal(seconds((await getIssue(t, 'TEST-2')).spent), spent2 - 30 * 60);
    const listed = await listAllWorklogs(t, 'TEST-1');
    assert.equal(
      seconds(issueAfter.spent),
      listed.reduce((sum, worklog) => sum + seconds(worklog.duration), 0),
    );
    // As PATCH and DELETE do, the change moves the issue's version and last update.
    assert.ok(issueAfter.version > issueBefore.version);

    const events = (await auditEvents(t)).slice(0, 3).reverse();
    assert.deepEqual(
      events.map((event) => [event.action, event.worklog?.id, event.issue?.key]),
      [
        ['worklog.update', ids.get('u:1'), 'TEST-1'],
        ['worklog.delete', ids.get('u:2'), 'TEST-2'],
        ['worklog.update', ids.get('u:3'), 'TEST-1'],
      ],
    );
    assert.deepEqual(events[0]!.details, {
      before: { start: '2025-02-18T16:35:41.740+0000', duration: 'PT1H', comment: 'old', version: 1 },
      after: { start: '2025-02-17T10:00:00.000+0000', duration: 'PT2H15M', comment: 'new', version: 2 },
      source: 'redmine sync',
      externalId: 'u:1',
    });
    assert.deepEqual(events[1]!.details, {
      before: {
        createdBy: 'admin',
        createdAt: '2025-02-18T16:35:41.740+0000',
        start: '2025-02-18T16:35:41.740+0000',
        duration: 'PT30M',
        version: 1,
      },
      source: 'redmine sync',
      externalId: 'u:2',
    });
  });

  test('one failing change refuses the batch: 422 in Tracker form, each failure with its status, nothing changed', async () => {
    const ids = await importEntries(t, 'atomic', [{ externalId: 'a:1' }, { externalId: 'a:2' }, { externalId: 'a:3' }]);
    const before = await everything(t);
    const response = await postChanges(t, {
      changes: [
        { action: 'update', externalId: 'a:1', duration: 'PT3H' },
        { action: 'update', externalId: 'never-imported', duration: 'PT3H' },
        { action: 'delete', externalId: 'a:2', ifVersion: 7 },
        { action: 'update', externalId: 'a:3', start: 'yesterday' },
        { action: 'delete', externalId: 'a:1' },
        { action: 'rename', externalId: 'a:3' },
      ],
    });
    const error = assertTrackerError(response, 422);
    assert.deepEqual(error.errorMessages, ['The batch was refused: 5 of 6 changes have errors; nothing was stored.']);
    assert.deepEqual(Object.keys(error.errors), ['changes[1]', 'changes[2]', 'changes[3]', 'changes[4]', 'changes[5]']);
    assert.match(error.errors['changes[1]']!, /never-imported/);
    assert.equal(error.errors['changes[2]'], 'The time entry has changed: its version is 1, not 7. Read it again and retry.');
    assert.match(error.errors['changes[3]']!, /^start: "yesterday" is not a valid date-time/);
    assert.equal(error.errors['changes[4]'], 'externalId: is the external id of changes[0] too; a batch changes a worklog at most once');
    assert.equal(error.errors['changes[5]'], 'action: must be "update" or "delete"');
    const body = response.json() as ChangesAnswer;
    assert.equal(body.stored, false);
    assert.deepEqual(body.counts, { updated: 1, deleted: 0, failed: 5 });
    assert.deepEqual(
      body.results.map((result) => [result.status, result.error?.statusCode]),
      [
        ['valid', undefined],
        ['failed', 404],
        ['failed', 412],
        ['failed', 422],
        ['failed', 422],
        ['failed', 422],
      ],
    );
    assert.equal(body.results[0]!.id, ids.get('a:1'));
    assert.equal(body.results[2]!.id, undefined);
    assert.deepEqual(await everything(t), before);
  });

  test('an ifVersion that no longer matches fails with 412 inside the 422 answer; the matching one then passes', async () => {
    const ids = await importEntries(t, 'versions', [{ externalId: 'v:1' }]);
    // Changed through /v3 since: version 2.
    expectStatus(
      await t.request({
        method: 'PATCH',
        url: `/v3/issues/TEST-1/worklog/${ids.get('v:1')}`,
        payload: { comment: 'edited in the target' },
      }),
      200,
    );
    const stale = await postChanges(t, { changes: [{ action: 'update', externalId: 'v:1', ifVersion: 1, duration: 'PT5H' }] });
    assertTrackerError(stale, 422);
    const failed = (stale.json() as ChangesAnswer).results[0]!;
    assert.equal(failed.status, 'failed');
    assert.deepEqual(failed.error, {
      errors: {},
      errorsData: {},
      errorMessages: ['The time entry has changed: its version is 2, not 1. Read it again and retry.'],
      statusCode: 412,
    });
    const ok = expectStatus<ChangesAnswer>(
      await postChanges(t, { changes: [{ action: 'update', externalId: 'v:1', ifVersion: 2, duration: 'PT5H' }] }),
      200,
    );
    assert.equal(ok.results[0]!.worklog!.version, 3);
    assert.equal(ok.results[0]!.worklog!.comment, 'edited in the target', 'fields not sent stay');
  });

  test('an unknown external id is a 404 in its result', async () => {
    const response = await postChanges(t, { changes: [{ action: 'delete', externalId: 'nobody:1' }] });
    assertTrackerError(response, 422);
    const result = (response.json() as ChangesAnswer).results[0]!;
    assert.equal(result.error!.statusCode, 404);
    assert.deepEqual(result.error!.errorMessages, [
      'No worklog has the external id "nobody:1": none was imported with it, or it was deleted since.',
    ]);
  });

  test("bad start, duration and comment get PATCH's own messages, field by field", async () => {
    const ids = await importEntries(t, 'messages', [{ externalId: 'm:1' }]);
    const worklogId = ids.get('m:1')!;
    const cases: Record<string, unknown>[] = [
      { duration: 'PT0S' },
      { duration: 'P1Y' },
      { duration: 'soon', start: '2025-13-01T00:00:00Z' },
      { start: 'yesterday' },
      { start: '' },
      { duration: 5 },
      { start: null },
      { comment: 7 },
      { comment: 'x'.repeat(512_001) },
      {},
      { unknown: 1 },
    ];
    for (const fields of cases) {
      const patch = await t.request({ method: 'PATCH', url: `/v3/issues/TEST-1/worklog/${worklogId}`, payload: fields });
      const patchError = assertTrackerError(patch, 422);
      const response = await postChanges(t, { changes: [{ action: 'update', externalId: 'm:1', ...fields }] });
      assertTrackerError(response, 422);
      const result = (response.json() as ChangesAnswer).results[0]!;
      assert.deepEqual(result.error, { ...patchError, errorsData: {}, statusCode: 422 }, JSON.stringify(fields).slice(0, 80));
    }
  });

  test('a member and a stranger are refused before the body is read (403, 401)', async () => {
    const { token } = await createUserWithToken(t, 'member');
    const broken = {
      method: 'POST' as const,
      url: '/timeport/v1/worklogs/_changes',
      payload: '{"changes": [',
      headers: { 'content-type': 'application/json' },
    };
    const member = assertTrackerError(await t.request({ ...broken, token }), 403);
    assert.match(member.errorMessages.join(' '), /administrator/);
    assertTrackerError(await t.request({ ...broken, token: null }), 401);
    assertTrackerError(await t.request({ ...broken, token: 'not-a-token-at-all-0000' }), 401);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external', token }), 403);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external', token: null }), 401);
  });

  test('a dry run checks everything and stores nothing', async () => {
    const ids = await importEntries(t, 'dry', [{ externalId: 'd:1' }, { externalId: 'd:2' }]);
    const before = await everything(t);
    const answer = expectStatus<ChangesAnswer>(
      await postChanges(t, {
        dryRun: true,
        changes: [
          { action: 'update', externalId: 'd:1', duration: 'PT4H' },
          { action: 'delete', externalId: 'd:2', ifVersion: 1 },
        ],
      }),
      200,
    );
    assert.equal(answer.dryRun, true);
    assert.equal(answer.stored, false);
    assert.deepEqual(answer.counts, { updated: 1, deleted: 1, failed: 0 });
    assert.deepEqual(
      answer.results.map((result) => [result.status, result.action, result.id]),
      [
        ['valid', 'update', ids.get('d:1')],
        ['valid', 'delete', ids.get('d:2')],
      ],
    );
    assert.deepEqual(await everything(t), before);
    const refused = await postChanges(t, { dryRun: true, changes: [{ action: 'update', externalId: 'd:1', duration: 'PT0S' }] });
    assertTrackerError(refused, 422);
    assert.deepEqual(await everything(t), before);
  });

  test('a deleted external id is released: a later import creates it anew', async () => {
    const first = await importEntries(t, 'release', [{ externalId: 'r:1', duration: 'PT1H' }]);
    expectStatus(await postChanges(t, { changes: [{ action: 'delete', externalId: 'r:1' }] }), 200);
    const again = await importEntries(t, 'release', [{ externalId: 'r:1', duration: 'PT20M' }]);
    assert.notEqual(again.get('r:1'), first.get('r:1'));
    const { items } = await listExternal(t, '?prefix=r:');
    assert.deepEqual(
      items.map((item) => [item.externalId, item.worklog.id, item.worklog.duration, item.syncedVersion]),
      [['r:1', again.get('r:1'), 'PT20M', 1]],
    );
    // Deleted through /v3 too: the ledger row goes with it, and the id is free again.
    assert.equal((await t.request({ method: 'DELETE', url: `/v3/issues/TEST-1/worklog/${again.get('r:1')}` })).statusCode, 204);
    assert.deepEqual((await listExternal(t, '?prefix=r:')).items, []);
    const response = await postChanges(t, { changes: [{ action: 'update', externalId: 'r:1', duration: 'PT1H' }] });
    assert.equal((response.json() as ChangesAnswer).results[0]!.error!.statusCode, 404);
  });

  test('syncedVersion follows imports and changes, and differs from version after a PATCH through /v3', async () => {
    const ids = await importEntries(t, 'synced', [{ externalId: 's:1' }]);
    const state = async () => {
      const [item] = (await listExternal(t, '?prefix=s:')).items;
      return [item!.worklog.version, item!.syncedVersion];
    };
    assert.deepEqual(await state(), [1, 1]);
    expectStatus(
      await t.request({ method: 'PATCH', url: `/v3/issues/TEST-1/worklog/${ids.get('s:1')}`, payload: { duration: 'PT2H' } }),
      200,
    );
    assert.deepEqual(await state(), [2, 1], 'changed in the target since the last sync');
    expectStatus(await postChanges(t, { changes: [{ action: 'update', externalId: 's:1', ifVersion: 2, duration: 'PT3H' }] }), 200);
    assert.deepEqual(await state(), [3, 3]);
    expectStatus(await t.request({ method: 'PATCH', url: `/v3/issues/TEST-1/worklog/${ids.get('s:1')}`, payload: { comment: 'x' } }), 200);
    assert.deepEqual(await state(), [4, 3]);
  });

  test('an Idempotency-Key replays the first answer instead of applying the changes twice', async () => {
    await importEntries(t, 'idem', [{ externalId: 'i:1' }]);
    const payload = { changes: [{ action: 'update', externalId: 'i:1', duration: 'PT6H' }] };
    const headers = { 'idempotency-key': 'changes-once-1' };
    const first = expectStatus<ChangesAnswer>(await postChanges(t, payload, { headers }), 200);
    const second = expectStatus<ChangesAnswer>(await postChanges(t, payload, { headers }), 200);
    assert.deepEqual(second, first);
    const [item] = (await listExternal(t, '?prefix=i:')).items;
    assert.equal(item!.worklog.version, 2, 'applied once');
    // A refused batch leaves its key free: sent again once the cause is gone, it is carried out.
    const later = { changes: [{ action: 'update', externalId: 'i:2', duration: 'PT6H' }] };
    const refusedHeaders = { 'idempotency-key': 'changes-once-2' };
    assertTrackerError(await postChanges(t, later, { headers: refusedHeaders }), 422);
    await importEntries(t, 'idem', [{ externalId: 'i:2' }]);
    assert.deepEqual(expectStatus<ChangesAnswer>(await postChanges(t, later, { headers: refusedHeaders }), 200).counts, {
      updated: 1,
      deleted: 0,
      failed: 0,
    });
  });

  test('malformed bodies and changes are refused in Tracker form', async () => {
    const before = await everything(t);
    assert.deepEqual(assertTrackerError(await postChanges(t, { changes: [] }), 422).errors, { changes: 'must hold at least one change' });
    assert.ok(
      'extra' in assertTrackerError(await postChanges(t, { changes: [{ action: 'delete', externalId: 'x' }], extra: 1 }), 422).errors,
    );
    assertTrackerError(await postChanges(t, { source: 'x'.repeat(501), changes: [{ action: 'delete', externalId: 'x' }] }), 422);
    const tooMany = await postChanges(t, {
      changes: Array.from({ length: 10_001 }, (_, i) => ({ action: 'delete', externalId: `x${i}` })),
    });
    assert.deepEqual(assertTrackerError(tooMany, 422).errors, { changes: 'must have at most 10000 items' });
    const odd = await postChanges(t, {
      changes: [
        1,
        null,
        [],
        'text',
        { action: 'delete' },
        { action: 'delete', externalId: '' },
        { action: 'delete', externalId: 'x', ifVersion: 0 },
      ],
    });
    assertTrackerError(odd, 422);
    const results = (odd.json() as ChangesAnswer).results;
    assert.deepEqual(
      results.map((result) => result.error!.statusCode),
      [422, 422, 422, 422, 422, 422, 422],
    );
    assert.deepEqual(results[0]!.error!.errorMessages, ['The change must be an object.']);
    assert.deepEqual(results[4]!.error!.errors, { externalId: 'is required' });
    assert.deepEqual(results[6]!.error!.errors, { ifVersion: 'must be at least 1' });
    assert.deepEqual(await everything(t), before);
  });

  test('property: random change bodies are answered 200 or 4xx in Tracker form, never 5xx, and a dry run changes nothing', async () => {
    await importEntries(t, 'prop', [{ externalId: 'p:1' }, { externalId: 'p:2' }]);
    const before = await everything(t);
    const text = fc.oneof(
      fc.constantFrom('PT1H', 'PT0S', 'P1W', '2025-02-18T10:00:00Z', 'yesterday', '', 'p:1', 'p:2'),
      fc.string({ maxLength: 12 }),
    );
    const value = fc.oneof(text, fc.integer(), fc.constant(null), fc.boolean(), fc.constant([]), fc.constant({}));
    const change = fc.oneof(
      fc.record(
        {
          action: fc.oneof(fc.constantFrom('update', 'delete'), value),
          externalId: fc.oneof(fc.constantFrom('p:1', 'p:2', 'p:none'), value),
          ifVersion: fc.oneof(fc.constantFrom(1, 2), value),
          start: value,
          duration: value,
          comment: value,
          other: value,
        },
        { requiredKeys: [] },
      ),
      value,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 5 }), fc.option(value), async (changes, source) => {
        const response = await postChanges(t, { dryRun: true, changes, ...(source === null ? {} : { source }) });
        assert.ok([200, 400, 422].includes(response.statusCode), `${response.statusCode} ${response.body}`);
        if (response.statusCode !== 200) assertTrackerError(response, response.statusCode);
      }),
      { numRuns: 150 },
    );
    assert.deepEqual(await everything(t), before);
  });

  test('concurrent batches and PATCHes over the same worklogs: each applies whole, spent stays exact, never a 5xx', async () => {
    const { key } = await importIssue(t, { summary: 'Contended' });
    const entries = Array.from({ length: 40 }, (_, i) => ({ externalId: `c:${i}`, duration: 'PT1H', issue: key }));
    const ids = await importEntries(t, 'contended', entries);
    const kept = entries.slice(0, 30);
    // Two batches over the same 30 worklogs, listed in opposite orders; a third deletes 10 others.
    const update = (duration: string, listed: typeof entries) =>
      postChanges(t, { changes: listed.map((entry) => ({ action: 'update', externalId: entry.externalId, duration })) });
    const patches = kept
      .slice(0, 10)
      .map((entry) =>
        t.request({ method: 'PATCH', url: `/v3/issues/${key}/worklog/${ids.get(entry.externalId)}`, payload: { duration: 'PT10M' } }),
      );
    const deletes = postChanges(t, { changes: entries.slice(30).map((entry) => ({ action: 'delete', externalId: entry.externalId })) });
    const answers = await Promise.all([update('PT2H', kept), update('PT3H', [...kept].reverse()), deletes, ...patches]);
    for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body.slice(0, 300));
    const listed = await listAllWorklogs(t, key);
    assert.equal(listed.length, 30);
    assert.equal(
      seconds((await getIssue(t, key)).spent),
      listed.reduce((sum, worklog) => sum + seconds(worklog.duration), 0),
    );
    const { items } = await listExternal(t, '?prefix=c:');
    assert.equal(items.length, 30);
    for (const item of items) {
      const patched = Number(item.externalId.slice(2)) < 10;
      assert.equal(item.worklog.version, patched ? 4 : 3, JSON.stringify(item));
      // Synced exactly when a batch wrote last; a PATCH after it leaves the worklog changed since.
      assert.equal(item.syncedVersion === item.worklog.version, item.worklog.duration !== 'PT10M', JSON.stringify(item));
    }
  });

  test('a large batch: 1500 updates and 500 deletes in one transaction, spent exact', async () => {
    const { key } = await importIssue(t, { summary: 'Bulk' });
    const entries = Array.from({ length: 2000 }, (_, i) => ({ externalId: `bulk:${i}`, duration: 'PT1H', issue: key }));
    await importEntries(t, 'bulk', entries);
    assert.equal(seconds((await getIssue(t, key)).spent), 2000 * 3600);
    const changes = entries.map((entry, i) =>
      i < 1500
        ? { action: 'update', externalId: entry.externalId, duration: 'PT30M', ifVersion: 1 }
        : { action: 'delete', externalId: entry.externalId },
    );
    const answer = expectStatus<ChangesAnswer>(await postChanges(t, { source: 'bulk', changes }), 200);
    assert.deepEqual(answer.counts, { updated: 1500, deleted: 500, failed: 0 });
    assert.equal(seconds((await getIssue(t, key)).spent), 1500 * 1800);
    const { items, pages } = await listExternal(t, '?source=bulk&perPage=1000');
    assert.equal(items.length, 1500);
    assert.equal(pages, 2);
    assert.ok(items.every((item) => item.syncedVersion === 2 && item.worklog.version === 2 && item.worklog.duration === 'PT30M'));
  });
});

describe('what imports put there: GET /timeport/v1/worklogs/_external', () => {
  let t: TestApp;
  let ids: Map<string, number>;
  before(async () => {
    ({ t } = await buildAppWithIssue());
    await importIssue(t, { summary: 'Second' });
    ids = new Map([
      ...(await importEntries(t, 'alpha', [
        { externalId: 'a:1', comment: 'first' },
        { externalId: 'a:2', issue: 'TEST-2' },
        { externalId: 'A:3' },
        {},
        { externalId: 'a_%4' },
        { externalId: 'ab5' },
      ])),
      ...(await importEntries(t, 'beta', [{ externalId: 'b:1' }, { externalId: 'b:2' }])),
      ...(await importEntries(t, undefined, [{ externalId: 'n:1' }])),
    ]);
  });
  after(() => t.close());

  test('lists every worklog imported with an external id, by id, each as GET answers it', async () => {
    const { items } = await listExternal(t, '');
    assert.deepEqual(
      items.map((item) => [item.externalId, item.source]),
      [
        ['a:1', 'alpha'],
        ['a:2', 'alpha'],
        ['A:3', 'alpha'],
        ['a_%4', 'alpha'],
        ['ab5', 'alpha'],
        ['b:1', 'beta'],
        ['b:2', 'beta'],
        ['n:1', null],
      ],
    );
    const ordered = items.map((item) => item.worklog.id);
    assert.deepEqual(
      ordered,
      [...ordered].sort((a, b) => a - b),
    );
    for (const item of items) {
      assert.equal(item.worklog.id, ids.get(item.externalId));
      const single = expectStatus<WorklogBody>(await getWorklog(t, item.worklog.issue.key, item.worklog.id), 200);
      assert.deepEqual(item.worklog, single);
      assert.equal(item.syncedVersion, 1);
    }
    assert.equal(items[0]!.worklog.comment, 'first');
    assert.equal(items[1]!.worklog.issue.key, 'TEST-2');
  });

  test('by source and by prefix (exact and case-sensitive, wildcards are plain characters), paged with Link', async () => {
    const externalIds = async (query: string) => (await listExternal(t, query)).items.map((item) => item.externalId);
    const alpha = await listExternal(t, '?source=alpha&perPage=2');
    assert.deepEqual(
      alpha.items.map((item) => item.externalId),
      ['a:1', 'a:2', 'A:3', 'a_%4', 'ab5'],
    );
    assert.equal(alpha.pages, 3);
    assert.deepEqual(await externalIds('?source=beta'), ['b:1', 'b:2']);
    assert.deepEqual(await externalIds('?source=Alpha'), []);
    assert.deepEqual(await externalIds('?prefix=a%3A'), ['a:1', 'a:2']);
    assert.deepEqual(await externalIds('?prefix=a_'), ['a_%4']);
    assert.deepEqual(await externalIds('?prefix=a_%25'), ['a_%4']);
    assert.deepEqual(await externalIds('?prefix=b&source=alpha'), []);
    assert.deepEqual(await externalIds('?prefix=b&source=beta&perPage=1'), ['b:1', 'b:2']);
    // The Link keeps the filters.
    const first = await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external?source=alpha&prefix=a%3A&perPage=1' });
    assert.equal(
      first.headers.link,
      `<${PUBLIC_URL}/timeport/v1/worklogs/_external?source=alpha&prefix=a%3A&perPage=1&id=${ids.get('a:1')}>; rel="next"`,
    );
  });

  test('deleted worklogs are not listed; bad parameters are 400', async () => {
    assert.equal((await t.request({ method: 'DELETE', url: `/v3/issues/TEST-1/worklog/${ids.get('ab5')}` })).statusCode, 204);
    assert.ok(!(await listExternal(t, '?source=alpha')).items.some((item) => item.externalId === 'ab5'));
    for (const query of ['perPage=0', 'perPage=1001', 'perPage=x', 'id=-1', 'unknown=1', `prefix=${'x'.repeat(201)}`]) {
      const response = await t.request({ method: 'GET', url: `/timeport/v1/worklogs/_external?${query}` });
      if (query === 'unknown=1') {
        assert.equal(response.statusCode, 200, 'unknown query parameters are ignored, as on every list');
        continue;
      }
      assertTrackerError(response, 400);
    }
    const huge = await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external?id=99999999999999999999' });
    assert.deepEqual(expectStatus(huge, 200), []);
  });

  test("another organization's imports are neither listed nor changed", async () => {
    await createOrganization(t.ctx, { id: '2', adminLogin: 'admin', adminToken: OTHER_ADMIN });
    const other = { token: OTHER_ADMIN, org: '2' };
    expectStatus(
      await t.request({ method: 'POST', url: '/v3/queues/', payload: { key: 'TEST', name: 'Other', lead: 'admin' }, ...other }),
      201,
    );
    await importIssue(t, {}, OTHER_ADMIN, '2');
    expectStatus(
      await t.request({
        method: 'POST',
        url: '/timeport/v1/worklogs/_import',
        payload: {
          source: 'alpha',
          entries: [
            { issue: 'TEST-1', externalId: 'a:1', ...worklogBody() },
            { issue: 'TEST-1', externalId: 'o:1', ...worklogBody() },
          ],
        },
        ...other,
      }),
      200,
    );
    const listed = expectStatus<ExternalItem[]>(await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external', ...other }), 200);
    assert.deepEqual(
      listed.map((item) => item.externalId),
      ['a:1', 'o:1'],
    );
    assert.ok(listed.every((item) => !new Set(ids.values()).has(item.worklog.id)));
    assert.ok(!(await listExternal(t, '')).items.some((item) => item.externalId === 'o:1'));
    const refused = await postChanges(t, { changes: [{ action: 'delete', externalId: 'o:1' }] });
    assert.equal((refused.json() as ChangesAnswer).results[0]!.error!.statusCode, 404);
    // The same external id in both: each organization changes its own.
    const mine = expectStatus<ChangesAnswer>(
      await postChanges(t, { changes: [{ action: 'update', externalId: 'a:1', duration: 'PT7H' }] }),
      200,
    );
    assert.equal(mine.results[0]!.id, ids.get('a:1'));
    const theirs = expectStatus<ExternalItem[]>(
      await t.request({ method: 'GET', url: '/timeport/v1/worklogs/_external?prefix=a', ...other }),
      200,
    );
    assert.equal(theirs[0]!.worklog.duration, 'PT1H');
  });
});

describe('migration 0010', () => {
  let t: TestApp;
  before(async () => {
    ({ t } = await buildAppWithIssue());
  });
  after(() => t.close());

  test('worklogs imported before it remember version 1 as synced, so one changed since shows as changed', async () => {
    const ids = await importEntries(t, 'before 0010', [{ externalId: 'old:1' }, { externalId: 'old:2' }]);
    expectStatus(
      await t.request({ method: 'PATCH', url: `/v3/issues/TEST-1/worklog/${ids.get('old:2')}`, payload: { comment: 'since' } }),
      200,
    );
    // The ledger as it was before 0010, then 0010 itself.
    await t.store.db.schema.dropIndex('imported_worklogs_org_worklog_idx').execute();
    await t.store.db.schema.alterTable('imported_worklogs').dropColumn('synced_version').execute();
    await syncedVersionMigration.up(t.store.db, t.store.dialect);
    const { items } = await listExternal(t, '?prefix=old:');
    assert.deepEqual(
      items.map((item) => [item.externalId, item.worklog.version, item.syncedVersion]),
      [
        ['old:1', 1, 1],
        ['old:2', 2, 1],
      ],
    );
  });
});
