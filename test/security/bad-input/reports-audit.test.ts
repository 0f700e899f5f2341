/** Bad input to the report and the audit log (test/security/bad-input/app.ts: the set-up and the checks). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ADMIN_TOKEN } from '../../../support/app.js';
import { allRows } from '../snapshot.js';
import { badInputApp, endpointTests } from './app.js';
import { type GeneratedRequest, SEED, encode, runs } from './requests.js';

describe(`bad input never hurts: reports and audit (fast-check seed ${SEED})`, () => {
  const h = badInputApp();
  const { send, assertRefused, assertNothingWritten, admin } = h;
  endpointTests(h, 'reports');

  // Issue 14: `from=9999-12-31&to=9999-12-31` answered 500 (the end of that day is past the last
  // instant a Tracker date-time holds). Every parameter at the ends of the calendar, in zones on
  // either side of UTC: a 200 whose bounds are date-times, or a 400 in Tracker's format.
  it('GET /timeport/v1/reports/time-spent: periods at the ends of the calendar answer 200 or 400, never 500', async () => {
    const rows = await allRows(h.t.store);
    const ends = fc.constantFrom(
      '0001-01-01',
      '0001-01-02',
      '0001-01-08',
      '9999-12-24',
      '9999-12-30',
      '9999-12-31',
      '2025-01-01',
      '0001-01-01T00:00:00.000+0000',
      '0001-01-01T00:00:00.000-1400',
      '0001-01-01T00:00:00.000+1400',
      '9999-12-31T23:59:59.999+0000',
      '9999-12-31T23:59:59.999+1400',
      '9999-12-31T00:00:00.000-1000',
    );
    const extreme = fc.record({
      from: ends,
      to: ends,
      tz: fc.constantFrom(undefined, 'UTC', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Tokyo', 'America/New_York'),
      by: fc.constantFrom(undefined, 'start', 'createdAt'),
      groupBy: fc.constantFrom(undefined, 'day', 'week', 'month', 'user,issue,queue,week', 'queue,day'),
      format: fc.constantFrom(undefined, 'json', 'csv'),
    });
    await fc.assert(
      fc.asyncProperty(extreme, async (query) => {
        const search = Object.entries(query)
          .flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${encode(value)}`]))
          .join('&');
        const request: GeneratedRequest = {
          method: 'GET',
          url: `/timeport/v1/reports/time-spent?${search}`,
          headers: { authorization: `OAuth ${ADMIN_TOKEN}`, 'x-org-id': '1' },
          why: 'extremes',
        };
        const response = await send(request);
        if (response.statusCode === 200) {
          if (query.format !== 'csv') {
            const body = response.json<{ from: string; to: string }>();
            assert.match(body.from, /^\d{4}-\d{2}-\d{2}T/);
            assert.match(body.to, /^\d{4}-\d{2}-\d{2}T/);
          }
          return;
        }
        assertRefused(request, response);
        assert.equal(response.statusCode, 400, `${request.url}: ${response.body}`);
      }),
      { numRuns: runs(150), seed: SEED },
    );
    // The request of the report: both days are within the calendar, the end of the last is not.
    const refused = await admin('GET', '/timeport/v1/reports/time-spent?from=9999-12-31&to=9999-12-31');
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(JSON.stringify(refused.json()), /out of range/);
    await assertNothingWritten('reports at the ends of the calendar', rows);
  });
});
