/**
 * The audit log (issue 7): every import, batch, edit, delete and rollback is recorded with who,
 * when, what and the request id, in the change's own transaction; admins read it at
 * `GET /timeport/v1/audit` with filters and paging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOrganization } from '../../src/service/organizations.js';
import { OPERATOR } from '../../src/service/context.js';
import { issueToken } from '../../src/service/tokens.js';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import type { AuditEventAnswer } from '../../src/api/schemas/timeport.js';
import { buildAppWithIssue, NOW, createUserWithToken, expectStatus, nextLink, worklogBody } from './fixtures.js';

type AuditEventBody = AuditEventAnswer & { details: Record<string, unknown> };

describe('audit log', () => {
  let t: TestApp;
  let key: string;

  before(async () => {
    ({
      t,
      issue: { key },
    } = await buildAppWithIssue());
  });
  after(() => t.close());

  const audit = async (query = ''): Promise<AuditEventBody[]> =>
    expectStatus<AuditEventBody[]>(await t.request({ method: 'GET', url: `/timeport/v1/audit${query}` }), 200);
  const latest = async (query = ''): Promise<AuditEventBody> => {
    const [event] = await audit(`?perPage=1${query === '' ? '' : `&${query}`}`);
    assert.ok(event !== undefined, `no event for ${query}`);
    return event;
  };

  it('a single import is recorded with who, when, what and the request id', async () => {
    t.clock.now = NOW + 1_000;
    const response = await t.request({
      method: 'POST',
      url: `/v3/issues/${key}/worklogs/_import`,
      payload: worklogBody({ duration: 'PT1H30M', comment: 'imported' }),
      headers: { 'x-request-id': 'req-import-1' },
    });
    const worklog = expectStatus<{ id: number }>(response, 200);
    const event = await latest();
    assert.equal(event.action, 'worklog.import');
    const admin = expectStatus<{ uid: number }>(await t.request({ method: 'GET', url: '/v3/myself' }), 200);
    assert.equal(event.actor.id, String(admin.uid));
    assert.equal(event.at, '2025-06-01T12:00:01.000+0000');
    assert.equal(event.requestId, 'req-import-1');
    assert.equal(event.issue?.key, key);
    assert.equal(event.worklog?.id, worklog.id);
    assert.deepEqual(event.details, {
      after: {
        createdBy: 'admin',
        createdAt: '2025-02-18T16:35:41.740+0000',
        start: '2025-02-18T16:35:41.740+0000',
        duration: 'PT1H30M',
        comment: 'imported',
        version: 1,
      },
    });
  });

  it("the actor is the caller: a user's own entry, edit and delete name them", async () => {
    const { user, token } = await createUserWithToken(t, 'auditee');
    const created = expectStatus<{ id: number }>(
      await t.request({
        method: 'POST',
        url: `/v3/issues/${key}/worklog`,
        payload: { start: '2025-06-01T08:00:00.000+0000', duration: 'PT2H' },
        token,
      }),
      201,
    );
    const createdEvent = await latest();
    assert.equal(createdEvent.action, 'worklog.create');
    assert.equal(createdEvent.actor.id, String(user.uid));
    assert.equal(createdEvent.worklog?.id, created.id);

    expectStatus(
      await t.request({ method: 'PATCH', url: `/v3/issues/${key}/worklog/${created.id}`, payload: { duration: 'PT3H' }, token }),
      200,
    );
    const edited = await latest();
    assert.equal(edited.action, 'worklog.update');
    assert.equal(edited.actor.id, String(user.uid));
    assert.deepEqual(edited.details, { before: { duration: 'PT2H', version: 1 }, after: { duration: 'PT3H', version: 2 } });

    const deleted = await t.request({ method: 'DELETE', url: `/v3/issues/${key}/worklog/${created.id}`, token });
    assert.equal(deleted.statusCode, 204);
    const removal = await latest();
    assert.equal(removal.action, 'worklog.delete');
    assert.equal(removal.worklog?.id, created.id);
    assert.equal((removal.details.before as { duration: string; createdBy: string }).duration, 'PT3H');
    assert.equal((removal.details.before as { duration: string; createdBy: string }).createdBy, 'auditee');
  });

  it('a batch and its rollback are recorded; the batch event carries its counts', async () => {
    const entries = [0, 1, 2].map((n) => ({ issue: key, externalId: `audit-${n}`, ...worklogBody({ comment: `batch ${n}` }) }));
    const batch = expectStatus<{ id: number }>(
      await t.request({ method: 'POST', url: '/timeport/v1/worklogs/_import', payload: { entries, source: 'audit.csv' } }),
      200,
    );
    const imported = await latest();
    assert.equal(imported.action, 'batch.import');
    assert.equal(imported.batch?.id, batch.id);
    assert.deepEqual(imported.details, {
      mode: 'partial',
      source: 'audit.csv',
      counts: { created: 3, alreadyPresent: 0, failed: 0 },
      issues: [key],
    });

    expectStatus(await t.request({ method: 'DELETE', url: `/timeport/v1/imports/${batch.id}` }), 200);
    const rolledBack = await latest();
    assert.equal(rolledBack.action, 'batch.rollback');
    assert.equal(rolledBack.batch?.id, batch.id);
    assert.equal(rolledBack.details.removed, 3);
    const byBatch = await audit(`?batch=${batch.id}`);
    assert.deepEqual(
      byBatch.map((event) => event.action),
      ['batch.rollback', 'batch.import'],
    );
  });

  it('refused writes record nothing: an invalid import, an atomic batch with a bad entry, a dry run', async () => {
    const before = await audit('?perPage=1000');
    assertTrackerError(
      await t.request({ method: 'POST', url: `/v3/issues/${key}/worklogs/_import`, payload: worklogBody({ duration: 'PT0S' }) }),
      422,
    );
    const atomic = await t.request({
      method: 'POST',
      url: '/timeport/v1/worklogs/_import',
      payload: {
        mode: 'atomic',
        entries: [
          { issue: key, ...worklogBody() },
          { issue: key, ...worklogBody({ createdBy: 'nobody' }) },
        ],
      },
    });
    assert.equal(atomic.statusCode, 422);
    expectStatus(
      await t.request({
        method: 'POST',
        url: '/timeport/v1/worklogs/_import',
        payload: { dryRun: true, entries: [{ issue: key, ...worklogBody() }] },
      }),
      200,
    );
    assert.deepEqual(await audit('?perPage=1000'), before);
  });

  it("the operator's command-line changes are recorded without a user", async () => {
    await issueToken(t.ctx, OPERATOR, '1', 'auditee');
    const event = await latest('actor=operator');
    assert.equal(event.action, 'token.create');
    assert.equal(event.actor.id, 'operator');
    assert.deepEqual(event.details, { user: 'auditee' });
    assert.equal(JSON.stringify(event).includes('tpt_'), false, 'a token never reaches the log');
  });

  it('filters by action (one or several), actor, issue, worklog, request id and time', async () => {
    const all = await audit('?perPage=1000');
    const matches = (predicate: (event: AuditEventBody) => boolean) => all.filter(predicate).map((event) => event.id);
    const ids = async (query: string) => (await audit(`?perPage=1000&${query}`)).map((event) => event.id);
    assert.deepEqual(
      await ids('action=worklog.import'),
      matches((event) => event.action === 'worklog.import'),
    );
    assert.deepEqual(
      await ids('action=worklog.create,worklog.delete'),
      matches((event) => event.action === 'worklog.create' || event.action === 'worklog.delete'),
    );
    const auditee = all.find((event) => event.action === 'worklog.create')!.actor.id;
    assert.deepEqual(
      await ids('actor=auditee'),
      matches((event) => event.actor.id === auditee),
    );
    assert.deepEqual(
      await ids(`issue=${key.toLowerCase()}`),
      matches((event) => event.issue?.key === key),
    );
    const worklogId = all.find((event) => event.action === 'worklog.update')!.worklog!.id;
    assert.deepEqual(
      await ids(`worklog=${worklogId}`),
      matches((event) => event.worklog?.id === worklogId),
    );
    assert.deepEqual(
      await ids('requestId=req-import-1'),
      matches((event) => event.requestId === 'req-import-1'),
    );
    assert.deepEqual(
      await ids(`from=${encodeURIComponent('2025-06-01T12:00:01.000+0000')}&to=${encodeURIComponent('2025-06-01T12:00:01.000+0000')}`),
      matches((event) => event.at === '2025-06-01T12:00:01.000+0000'),
    );
    assert.ok((await ids('action=worklog.import')).length > 0);
  });

  it('pages newest first through Link headers, keeping the filter, each event exactly once', async () => {
    for (let n = 0; n < 7; n += 1)
      expectStatus(await t.request({ method: 'POST', url: `/v3/issues/${key}/worklogs/_import`, payload: worklogBody() }), 200);
    const whole = (await audit('?perPage=1000&action=worklog.import')).map((event) => event.id);
    assert.ok(whole.length >= 8);
    const paged: number[] = [];
    let next: string | undefined = '/timeport/v1/audit?perPage=3&action=worklog.import';
    let pages = 0;
    while (next !== undefined) {
      const response = await t.request({ method: 'GET', url: next });
      paged.push(...expectStatus<AuditEventBody[]>(response, 200).map((event) => event.id));
      next = nextLink(response);
      pages += 1;
    }
    assert.deepEqual(paged, whole);
    assert.deepEqual(
      [...whole].sort((a, b) => b - a),
      whole,
      'newest first',
    );
    assert.equal(pages, Math.ceil(whole.length / 3));
  });

  it('refuses non-admins (403), unknown actions, actors, dates and parameters (400), and other organizations see none of it', async () => {
    const { token } = await createUserWithToken(t, 'nosy');
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/audit', token }), 403);
    const unknownAction = assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/audit?action=worklog.explode' }), 400);
    assert.match(unknownAction.errors.action ?? '', /worklog\.explode/);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/audit?actor=ghost' }), 400);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/audit?from=yesterday' }), 400);
    assertTrackerError(await t.request({ method: 'GET', url: '/timeport/v1/audit?colour=blue' }), 400);
    const other = await createOrganization(t.ctx, { id: 'elsewhere', adminLogin: 'chief' });
    assert.deepEqual(
      expectStatus(await t.request({ method: 'GET', url: '/timeport/v1/audit', token: other.token, org: 'elsewhere' }), 200),
      [],
    );
  });
});
