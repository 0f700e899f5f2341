/** `GET /timeport/v1/reports/time-spent`: sums, groupings, time zones, filters, CSV, errors, rights. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { createOrganization } from '../../src/service/organizations.js';
import { SMALL_PLAN, type Seeded, seed } from './seed.js';
import type { TimeSpentReportAnswer } from '../../src/api/schemas/timeport.js';

type ReportBody = TimeSpentReportAnswer;

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const REPORT = '/timeport/v1/reports/time-spent';

describe('time-spent report', () => {
  let t: TestApp;
  let data: Seeded;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    data = await seed(t, SMALL_PLAN);
  });
  after(() => t.close());

  const report = async (query: string, token?: string): Promise<ReportBody> => {
    const response = await t.request({ method: 'GET', url: `${REPORT}?${query}`, ...(token === undefined ? {} : { token }) });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as ReportBody;
  };
  const compact = (rows: Record<string, unknown>[]) =>
    rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [
          key,
          typeof value === 'object' && value !== null
            ? ((value as { login?: string; key?: string }).login ?? (value as { key: string }).key)
            : value,
        ]),
      ),
    );

  it('sums the whole period in business time and seconds', async () => {
    const body = await report('from=2025-01-01&to=2025-12-31');
    assert.deepEqual(body.total, { duration: 'P2DT4H55M', seconds: 75_300, count: 5 });
    assert.equal(body.from, '2025-01-01T00:00:00.000+0000');
    assert.equal(body.to, '2026-01-01T00:00:00.000+0000', 'a date in to includes that whole day');
    assert.equal(body.tz, 'UTC');
    assert.equal(body.by, 'start');
    assert.deepEqual(compact(body.rows), [{ duration: 'P2DT4H55M', seconds: 75_300, count: 5 }]);
  });

  it('groups by user with names, sorted by login', async () => {
    const body = await report('from=2025-01-01&to=2025-12-31&groupBy=user');
    assert.deepEqual(compact(body.rows), [
      { user: 'admin', duration: 'PT45M', seconds: 2700, count: 1 },
      { user: 'alice', duration: 'P1DT2H40M', seconds: 38_400, count: 2 },
      { user: 'bob', duration: 'P1DT1H30M', seconds: 34_200, count: 2 },
    ]);
    assert.deepEqual(body.rows[1]!.user, { id: (body.rows[1]!.user as { id: string }).id, login: 'alice', display: 'Alice Archer' });
  });

  it('groups by several dimensions, in the order given, with a comma list or repeated parameters', async () => {
    const commas = await report('from=2025-03-01&to=2025-03-31&groupBy=queue,user');
    const repeated = await report('from=2025-03-01&to=2025-03-31&groupBy=queue&groupBy=user');
    assert.deepEqual(commas.rows, repeated.rows);
    assert.deepEqual(compact(commas.rows), [
      { queue: 'MIG', user: 'alice', duration: 'P1DT2H40M', seconds: 38_400, count: 2 },
      { queue: 'MIG', user: 'bob', duration: 'PT1H30M', seconds: 5400, count: 1 },
      { queue: 'OPS', user: 'bob', duration: 'P1D', seconds: 28_800, count: 1 },
    ]);
    assert.deepEqual(Object.keys(commas.rows[0]!), ['queue', 'user', 'duration', 'seconds', 'count']);
  });

  it('cuts days in UTC by default and in the zone given', async () => {
    const utc = await report('from=2025-03-01&to=2025-03-05&groupBy=day');
    assert.deepEqual(compact(utc.rows), [
      { day: '2025-03-01', duration: 'PT2H', seconds: 7200, count: 1 },
      { day: '2025-03-03', duration: 'P1DT2H10M', seconds: 36_600, count: 2 },
    ]);
    const moscow = await report('from=2025-03-01&to=2025-03-05&groupBy=day&tz=Europe/Moscow');
    assert.equal(moscow.from, '2025-02-28T21:00:00.000+0000');
    assert.deepEqual(compact(moscow.rows), [
      { day: '2025-03-02', duration: 'PT2H', seconds: 7200, count: 1 },
      { day: '2025-03-03', duration: 'P1DT2H10M', seconds: 36_600, count: 2 },
    ]);
  });

  it('groups by ISO week and by month', async () => {
    const weeks = await report('from=2025-01-01&to=2025-12-31&groupBy=week');
    assert.deepEqual(
      compact(weeks.rows).map((row) => [row.week, row.seconds]),
      [
        ['2025-W09', 7200],
        ['2025-W10', 36_600],
        ['2025-W11', 28_800],
        ['2025-W14', 2700],
      ],
    );
    const months = await report('from=2025-01-01&to=2025-12-31&groupBy=month&tz=America/New_York');
    // 2025-04-01T00:15Z is still March 31 in New York.
    assert.deepEqual(
      compact(months.rows).map((row) => [row.month, row.seconds]),
      [['2025-03', 75_300]],
    );
  });

  it('places entries by when they were logged with by=createdAt', async () => {
    const body = await report('from=2025-04-01&to=2025-04-30&by=createdAt&groupBy=day');
    assert.equal(body.by, 'createdAt');
    assert.deepEqual(
      compact(body.rows).map((row) => [row.day, row.seconds]),
      [['2025-04-02', 28_800]],
    );
  });

  it('takes exact instants: from included, to excluded', async () => {
    const body = await report('from=2025-03-03T09:00:00.000%2B0000&to=2025-03-03T10:00:00Z');
    assert.deepEqual(body.total, { duration: 'P1DT40M', seconds: 31_200, count: 1 });
  });

  it('filters by queue, issue and user (keys, logins, any case, lists)', async () => {
    assert.equal((await report('from=2025-01-01&to=2025-12-31&queue=ops')).total.seconds, 31_500);
    assert.equal(
      (await report(`from=2025-01-01&to=2025-12-31&issue=${data.issues['Port the timesheets']!.toLowerCase()}`)).total.seconds,
      38_400,
    );
    assert.equal((await report('from=2025-01-01&to=2025-12-31&user=Alice,bob')).total.seconds, 72_600);
    assert.equal((await report('from=2025-01-01&to=2025-12-31&user=bob&queue=MIG')).total.seconds, 5400);
  });

  it('answers an empty period with zero', async () => {
    const body = await report('from=2019-01-01&to=2019-12-31&groupBy=day,user');
    assert.deepEqual(body.total, { duration: 'PT0S', seconds: 0, count: 0 });
    assert.deepEqual(body.rows, []);
  });

  it('writes CSV with one column per grouping, quoting and formula guard', async () => {
    const response = await t.request({ method: 'GET', url: `${REPORT}?from=2025-03-01&to=2025-03-31&groupBy=issue,user&format=csv` });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/);
    assert.equal(response.headers['content-disposition'], 'attachment; filename="time-spent_2025-03-01_2025-03-31.csv"');
    const lines = response.body.split('\r\n');
    assert.equal(lines[0], 'issue_key,issue_summary,user_login,user_display,duration,seconds,hours,count');
    assert.equal(lines[1], 'MIG-1,Port the timesheets,alice,Alice Archer,P1DT2H40M,38400,10.67,2');
    assert.equal(lines[2], `MIG-2,"'=SUM(A1:A2) ""quoted"", summary",bob,Bob Baker,PT1H30M,5400,1.50,1`);
    assert.equal(lines[3], 'OPS-1,Patch the servers,bob,Bob Baker,P1D,28800,8.00,1');
    assert.equal(lines[4], '');
    assert.equal(lines.length, 5);
  });

  it('is readable by any member of the organization', async () => {
    const body = await report('from=2025-01-01&to=2025-12-31', data.tokens.bob);
    assert.equal(body.total.seconds, 75_300);
  });

  it('never shows another organization its entries', async () => {
    await createOrganization(t.ctx, { id: 'other', adminLogin: 'otto', adminToken: 'other-admin-token-00000001' });
    const response = await t.request({
      method: 'GET',
      url: `${REPORT}?from=2025-01-01&to=2025-12-31`,
      token: 'other-admin-token-00000001',
      org: 'other',
    });
    assert.equal((response.json() as ReportBody).total.seconds, 0);
    const foreign = await t.request({
      method: 'GET',
      url: `${REPORT}?from=2025-01-01&to=2025-12-31`,
      token: 'other-admin-token-00000001',
      org: '1',
    });
    assertTrackerError(foreign, 403);
    const unknownUser = await t.request({
      method: 'GET',
      url: `${REPORT}?from=2025-01-01&to=2025-12-31&user=alice`,
      token: 'other-admin-token-00000001',
      org: 'other',
    });
    assert.match(assertTrackerError(unknownUser, 400).errors.user!, /not a user of this organization/);
  });

  it('needs a token', async () => {
    assertTrackerError(await t.request({ method: 'GET', url: `${REPORT}?from=2025-01-01&to=2025-12-31`, token: null }), 401);
  });

  for (const [query, field, message] of [
    ['from=2025-01-01&to=2025-12-31&tz=Mars/Olympus', 'tz', /not a known IANA time zone/],
    ['from=2025-01-01&to=2025-12-31&tz=%2B05:00', 'tz', /is a fixed UTC offset, not a time zone/],
    ['from=2025-01-01&to=2025-12-31&groupBy=project', 'groupBy', /"project" is not a grouping/],
    ['from=2025-01-01&to=2025-12-31&groupBy=day,week', 'groupBy', /only one of day, week and month/],
    ['from=2025-01-01&to=2025-12-31&groupBy=user,user', 'groupBy', /twice/],
    ['from=2025-01-01&to=2025-12-31&groupBy=user,', 'groupBy', /empty item/],
    ['from=2025-02-30&to=2025-12-31', 'from', /no such calendar day/],
    ['from=01.02.2025&to=2025-12-31', 'from', /expected YYYY-MM-DD/],
    ['from=2025-03-01&to=2025-02-01', 'to', /must be after from/],
    ['to=2025-02-01', 'from', /required/],
    ['from=2025-01-01&to=2025-12-31&by=updatedAt', 'by', /must be one of "start", "createdAt"/],
    ['from=2025-01-01&to=2025-12-31&format=xlsx', 'format', /must be one of "json", "csv"/],
    ['from=2025-01-01&to=2025-12-31&queue=NOPE', 'queue', /not a queue of this organization/],
    ['from=2025-01-01&to=2025-12-31&issue=MIG-99', 'issue', /not an issue of this organization/],
    ['from=2025-01-01&to=2025-12-31&user=nobody', 'user', /not a user of this organization/],
  ] as const) {
    it(`refuses ${query} with 400 naming ${field}`, async () => {
      const body = assertTrackerError(await t.request({ method: 'GET', url: `${REPORT}?${query}` }), 400);
      assert.match(body.errors[field] ?? '', message, JSON.stringify(body));
    });
  }
});
