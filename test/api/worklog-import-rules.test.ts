/**
 * The import's rules: each refusal is a 422 naming the field, and a refused request stores nothing
 * (the worklog list, the issue's spent and version, and every row stay as they were).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, assertTrackerError } from '../../support/app.js';
import {
  buildAppWithIssue,
  ISSUE_CREATED_MS,
  ISSUE_UPDATED_MS,
  type IssueBody,
  createUserWithToken,
  expectFieldErrors,
  expectStatus,
  getIssue,
  importIssue,
  importWorklog,
  postWorklog,
  snapshot,
  worklogBody,
} from './fixtures.js';

const stamp = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

describe('worklog import: refused requests', () => {
  let t: TestApp;
  let issue: IssueBody;
  let bobUid: number;

  before(async () => {
    ({ t, issue } = await buildAppWithIssue());
    bobUid = (await createUserWithToken(t, 'bob')).user.uid;
    // One stored entry, so that "unchanged" has something to compare.
    await importWorklog(t, issue.key, { duration: 'PT2H' });
  });
  after(() => t.close());

  /** Sends a body and expects 422 with exactly these field errors and no change in the store. */
  async function refused(payload: unknown, fields: string[]): Promise<Record<string, string>> {
    const before = await snapshot(t, issue.key);
    const response = await postWorklog(t, issue.key, payload);
    const errors = expectFieldErrors(response, 422, fields);
    assert.deepEqual(await snapshot(t, issue.key), before, 'a refused import must store nothing');
    const after = await getIssue(t, issue.key);
    assert.equal(after.spent, 'PT2H');
    assert.equal(after.version, 1);
    return errors;
  }

  describe('createdAt and the issue’s lifetime', () => {
    it('refuses 1 ms before the issue was created', async () => {
      const errors = await refused(worklogBody({ createdAt: stamp(ISSUE_CREATED_MS - 1) }), ['createdAt']);
      assert.match(errors.createdAt!, /lifetime/);
    });

    it('refuses 1 ms after the issue was last updated', async () => {
      await refused(worklogBody({ createdAt: stamp(ISSUE_UPDATED_MS + 1) }), ['createdAt']);
    });

    it('refuses the instant before creation when written with an offset', async () => {
      // 2025-01-10T13:59:59.999+05:00 is 08:59:59.999 UTC, 1 ms before the issue.
      await refused(worklogBody({ createdAt: '2025-01-10T13:59:59.999+05:00' }), ['createdAt']);
    });

    it('refuses long before and long after', async () => {
      await refused(worklogBody({ createdAt: '2001-01-01T00:00:00.000+0000' }), ['createdAt']);
      await refused(worklogBody({ createdAt: '2025-05-01T00:00:00.000+0000' }), ['createdAt']);
    });

    it('accepts exactly the issue’s creation and exactly its last update', async () => {
      const local = await importIssue(t);
      const first = await importWorklog(t, local.key, { createdAt: stamp(ISSUE_CREATED_MS) });
      assert.equal(first.createdAt, '2025-01-10T09:00:00.000+0000');
      const last = await importWorklog(t, local.key, { createdAt: stamp(ISSUE_UPDATED_MS) });
      assert.equal(last.createdAt, '2025-02-20T18:00:00.000+0000');
      // The same instants with an offset.
      await importWorklog(t, local.key, { createdAt: '2025-01-10T14:00:00.000+05:00' });
      assert.equal((await getIssue(t, local.key)).spent, 'PT3H');
    });

    it('refuses a createdAt in the future even inside the issue’s lifetime', async () => {
      const saved = t.clock.now;
      t.clock.now = ISSUE_UPDATED_MS - 3_600_000;
      try {
        const errors = await refused(worklogBody({ createdAt: stamp(ISSUE_UPDATED_MS - 1_800_000) }), ['createdAt']);
        assert.match(errors.createdAt!, /future/);
        await refused(worklogBody({ createdAt: stamp(t.clock.now + 1) }), ['createdAt']);
        // Now itself is not the future.
        const local = await importIssue(t, { summary: 'at now', updatedAt: stamp(t.clock.now) });
        const body = await importWorklog(t, local.key, { createdAt: stamp(t.clock.now) });
        assert.equal(body.createdAt, stamp(t.clock.now));
      } finally {
        t.clock.now = saved;
      }
    });
  });

  describe('createdBy', () => {
    it('refuses an unknown login', async () => {
      const errors = await refused(worklogBody({ createdBy: 'nobody' }), ['createdBy']);
      assert.match(errors.createdBy!, /nobody/);
    });

    it('refuses an unknown uid', async () => {
      await refused(worklogBody({ createdBy: 999_999 }), ['createdBy']);
    });

    it('refuses a uid written as a string (it is a login, and no one has it)', async () => {
      await refused(worklogBody({ createdBy: String(bobUid) }), ['createdBy']);
    });

    it('refuses an empty login, zero and negative ids', async () => {
      await refused(worklogBody({ createdBy: '' }), ['createdBy']);
      await refused(worklogBody({ createdBy: 0 }), ['createdBy']);
      await refused(worklogBody({ createdBy: -1 }), ['createdBy']);
    });
  });

  describe('duration', () => {
    for (const duration of [
      'PT0S',
      'P0D',
      'P0W',
      'P0Y0M0DT0H0M0S',
      '-PT1H',
      'PT-1H',
      'PT1.5H',
      'PT1,5H',
      'P1M',
      'P1Y',
      'P1Y2M3D',
      'P0Y1MT1H',
      'PT',
      'P',
      '',
      '1H',
      'PT1H ',
      'pt1h',
      'one hour',
    ]) {
      it(`refuses ${JSON.stringify(duration)}`, async () => {
        await refused(worklogBody({ duration }), ['duration']);
      });
    }

    it('says why months and fractions are refused', async () => {
      assert.match((await refused(worklogBody({ duration: 'P1M' }), ['duration'])).duration!, /month/);
      assert.match((await refused(worklogBody({ duration: 'PT1.5H' }), ['duration'])).duration!, /fraction/);
      assert.match((await refused(worklogBody({ duration: 'PT0S' }), ['duration'])).duration!, /zero/);
    });
  });

  describe('start', () => {
    for (const start of [
      'yesterday',
      '2025-02-30T10:00:00.000+0000',
      '2025-02-18 16:35:41',
      '2025-02-18',
      '2025-02-18T25:00:00',
      '2025-02-18T16:35:41+2500',
      '',
    ]) {
      it(`refuses ${JSON.stringify(start)}`, async () => {
        await refused(worklogBody({ start }), ['start']);
      });
    }
  });

  it('refuses an unparseable createdAt', async () => {
    await refused(worklogBody({ createdAt: '18.02.2025 16:35' }), ['createdAt']);
  });

  it('reports every broken rule at once', async () => {
    await refused(worklogBody({ duration: 'P1M', start: 'soon', createdAt: stamp(ISSUE_UPDATED_MS + 1), createdBy: 'ghost' }), [
      'duration',
      'start',
      'createdAt',
      'createdBy',
    ]);
  });

  describe('missing fields', () => {
    for (const field of ['duration', 'createdAt', 'createdBy', 'start']) {
      it(`refuses a body without ${field}`, async () => {
        const body = worklogBody();
        delete body[field];
        const errors = await refused(body, [field]);
        assert.match(errors[field]!, /required/);
      });
    }

    it('names every missing field of an empty object', async () => {
      await refused({}, ['duration', 'createdAt', 'createdBy', 'start']);
    });
  });

  describe('unknown fields', () => {
    for (const field of ['updatedAt', 'updatedBy', 'id', 'issue', 'version', 'durationSeconds']) {
      it(`refuses the unknown field ${field}`, async () => {
        const errors = await refused(worklogBody({ [field]: field === 'updatedAt' ? '2025-02-18T16:35:41.740+0000' : 'x' }), [field]);
        assert.match(errors[field]!, /not a known field/);
      });
    }
  });

  describe('wrong JSON types', () => {
    const cases: [string, unknown][] = [
      ['duration', 3600],
      ['duration', null],
      ['duration', { hours: 1 }],
      ['createdBy', 1.5],
      ['createdBy', true],
      ['createdBy', { login: 'admin' }],
      ['createdBy', ['admin']],
      ['createdBy', null],
      ['comment', 5],
      ['comment', null],
      ['createdAt', 1739896541740],
      ['start', false],
    ];
    for (const [field, value] of cases) {
      it(`refuses ${field} = ${JSON.stringify(value)}`, async () => {
        await refused(worklogBody({ [field]: value }), [field]);
      });
    }
  });

  describe('bodies that are not objects', () => {
    for (const [label, payload] of [
      ['an array', '[]'],
      ['an array of a valid body', JSON.stringify([worklogBody()])],
      ['a string', '"PT1H"'],
      ['a number', '42'],
      ['null', 'null'],
      ['empty', ''],
      ['whitespace only', '  \n'],
    ] as const) {
      it(`refuses a body that is ${label} with 422`, async () => {
        const before = await snapshot(t, issue.key);
        const response = await t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklogs/_import`,
          payload,
          headers: { 'content-type': 'application/json' },
        });
        const body = assertTrackerError(response, 422);
        assert.ok(
          body.errorMessages.some((message) => /object/.test(message)),
          response.body,
        );
        assert.deepEqual(await snapshot(t, issue.key), before);
      });
    }

    it('refuses a request with no body and no content type with 422', async () => {
      const before = await snapshot(t, issue.key);
      const response = await t.request({ method: 'POST', url: `/v3/issues/${issue.key}/worklogs/_import` });
      assertTrackerError(response, 422);
      assert.deepEqual(await snapshot(t, issue.key), before);
    });
  });

  it('still accepts a valid import after all the refusals', async () => {
    const body = expectStatus<{ id: number }>(await postWorklog(t, issue.key, worklogBody({ duration: 'PT1H' })), 200);
    assert.ok(body.id > 0);
    assert.equal((await getIssue(t, issue.key)).spent, 'PT3H');
  });
});
