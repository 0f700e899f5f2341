/**
 * The report's days against an independent count: entries placed one by one with Intl, in zones with
 * clock changes, half-hour and 45-minute offsets. The report sums per grid cell in SQL and cuts days
 * in JavaScript; both must give the same days.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type TestApp, buildTestApp } from '../../support/app.js';
import { formatTrackerTimestamp } from '../../src/domain/timestamp.js';
import { type SeedEntry, seed } from './seed.js';

const HOUR = 3_600_000;
/** Clock changes and other awkward instants to crowd entries around. */
const AWKWARD = [
  '2024-03-10T07:00:00Z', // New York springs forward
  '2024-11-03T06:00:00Z', // New York falls back
  '2024-09-08T04:00:00Z', // Santiago skips midnight
  '2024-04-07T03:00:00Z', // Santiago repeats an hour
  '2024-10-06T02:00:00Z', // Lord Howe moves by half an hour
  '2024-09-28T14:00:00Z', // Chatham (+12:45 / +13:45)
  '2024-12-31T18:15:00Z', // Kathmandu's new year (+05:45)
].map(Date.parse);
const ZONES = [
  'UTC',
  'America/New_York',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Europe/Moscow',
];

describe('report days against an independent count', () => {
  let t: TestApp;
  const entries: { start: number; seconds: number }[] = [];

  before(async () => {
    t = await buildTestApp({ now: Date.parse('2025-06-01T00:00:00Z') });
    const near = fc.tuple(fc.constantFrom(...AWKWARD), fc.integer({ min: -40 * HOUR, max: 40 * HOUR }));
    const anywhere = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2025-01-31T00:00:00Z') });
    const starts = [
      ...fc.sample(near, { numRuns: 220, seed: 8 }).map(([base, shift]) => base + shift - (shift % 60_000)),
      ...fc.sample(anywhere, { numRuns: 60, seed: 9 }).map((instant) => instant - (instant % 1000)),
      // On the edges of the Kathmandu and Chatham days, to the minute.
      Date.parse('2024-12-31T18:14:00Z'),
      Date.parse('2024-12-31T18:15:00Z'),
      Date.parse('2024-09-28T11:14:00Z'),
      Date.parse('2024-09-28T11:15:00Z'),
    ];
    const minutes = fc.sample(fc.integer({ min: 1, max: 600 }), { numRuns: starts.length, seed: 10 });
    const plan: SeedEntry[] = starts.map((start, index) => {
      entries.push({ start, seconds: minutes[index]! * 60 });
      return { issue: 'Clock work', user: 'admin', start: formatTrackerTimestamp(start), duration: `PT${minutes[index]!}M` };
    });
    await seed(t, { users: [], queues: [{ key: 'TZ', name: 'Zones' }], issues: [{ summary: 'Clock work', queue: 'TZ' }], entries: plan });
  });
  after(() => t.close());

  for (const zone of ZONES) {
    it(`cuts days in ${zone} exactly`, async () => {
      const format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
      const expected = new Map<string, number>();
      for (const entry of entries) {
        const day = format.format(new Date(entry.start));
        if (day >= '2024-01-01' && day <= '2025-01-31') expected.set(day, (expected.get(day) ?? 0) + entry.seconds);
      }
      const response = await t.request({
        method: 'GET',
        url: `/timeport/v1/reports/time-spent?from=2024-01-01&to=2025-01-31&groupBy=day&tz=${zone}`,
      });
      assert.equal(response.statusCode, 200, response.body);
      const rows = (response.json() as { rows: { day: string; seconds: number }[] }).rows;
      assert.deepEqual(
        rows.map((row) => [row.day, row.seconds]),
        [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)),
      );
    });
  }
});
