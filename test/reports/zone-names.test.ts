/**
 * One rule for zone names: the report's `tz` and the commands' `--timezone` (parseTimeZone, which
 * src/cli/import-command.ts calls) give the same verdict and the same canonical name for every name
 * in one list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseTimeZone as commandTimeZone } from '../../src/domain/time-zone.js';
import { type TestApp, buildTestApp } from '../../support/app.js';

/** Name → canonical spelling; undefined where the runtime's ICU version decides the spelling. */
const ACCEPTED: Record<string, string | undefined> = {
  UTC: 'UTC',
  utc: 'UTC',
  'Europe/Berlin': 'Europe/Berlin',
  'america/new_york': 'America/New_York',
  'America/Argentina/Buenos_Aires': undefined,
  'US/Eastern': 'America/New_York',
  'Asia/Kathmandu': undefined,
  'Etc/GMT+5': 'Etc/GMT+5',
  'Etc/UTC': 'UTC',
};
const REFUSED: Record<string, RegExp> = {
  EST: /abbreviation/,
  CET: /abbreviation/,
  CEST: /abbreviation/,
  MSK: /abbreviation/,
  GMT: /abbreviation/,
  EST5EDT: /abbreviation/,
  '+05:00': /fixed UTC offset/,
  'UTC+3': /fixed UTC offset/,
  '-0330': /fixed UTC offset/,
  Japan: /form Area\/Location/,
  Zulu: /form Area\/Location/,
  'Mars/Olympus': /not a known IANA time zone/,
  'Europe/../etc': /form Area\/Location/,
  'UTC ': /form Area\/Location/,
};

describe('zone names: one rule for the report and the commands', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.close());

  const report = (tz: string) =>
    t.request({ method: 'GET', url: `/timeport/v1/reports/time-spent?from=2025-03-01&to=2025-03-02&tz=${encodeURIComponent(tz)}` });

  test('accepted names: the same canonical zone from both', async () => {
    for (const [name, canonical] of Object.entries(ACCEPTED)) {
      const verdict = commandTimeZone(name);
      assert.equal(verdict.ok, true, `--timezone ${name}`);
      if (canonical !== undefined) assert.equal((verdict as { value: string }).value, canonical, `--timezone ${name}`);
      const response = await report(name);
      assert.equal(response.statusCode, 200, `tz=${name}: ${response.body}`);
      assert.equal(response.json().tz, (verdict as { value: string }).value, `tz=${name}`);
    }
  });

  test('refused names: refused by both, with the same true reason', async () => {
    for (const [name, reason] of Object.entries(REFUSED)) {
      const verdict = commandTimeZone(name);
      assert.equal(verdict.ok, false, `--timezone ${JSON.stringify(name)}`);
      assert.match((verdict as { error: string }).error, reason, `--timezone ${JSON.stringify(name)}`);
      const response = await report(name);
      assert.equal(response.statusCode, 400, `tz=${JSON.stringify(name)}`);
      assert.match(response.json().errors.tz, reason, `tz=${JSON.stringify(name)}`);
    }
  });
});
