/**
 * The cached offset lookup of src/domain/time-zone.ts (offsetAt) against the exact Intl reading
 * (wallClock): around transitions off the quarter hour (LMT-era ones) and modern DST changes, and
 * over random instants of years 1850-2100.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dayNumberInZone, localToInstant, offsetAt, wallClock } from '../../src/domain/time-zone.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const exactOffset = (zone: string, instant: number) => wallClock(zone, instant) - instant;
const offset = (hours: number, minutes = 0, seconds = 0) =>
  Math.sign(hours || minutes) * (Math.abs(hours) * HOUR + minutes * MINUTE + seconds * SECOND);

/** Transitions of the zone data (tz database, as the runtime's ICU ships it): the instant and the offsets either side. */
const TRANSITIONS = [
  // Local mean time to CET: 1893-04-01 00:00 local, 23:06:32 UTC.
  { zone: 'Europe/Berlin', at: Date.UTC(1893, 2, 31, 23, 6, 32), before: offset(0, 53, 28), after: offset(1) },
  // Dublin Mean Time to Irish Summer Time, and back to GMT.
  { zone: 'Europe/Dublin', at: Date.UTC(1916, 4, 21, 2, 25, 21), before: -offset(0, 25, 21), after: offset(0, 34, 39) },
  { zone: 'Europe/Dublin', at: Date.UTC(1916, 9, 1, 2, 25, 21), before: offset(0, 34, 39), after: 0 },
  // Paris Mean Time to WET.
  { zone: 'Europe/Paris', at: Date.UTC(1911, 2, 10, 23, 50, 39), before: offset(0, 9, 21), after: 0 },
  // Modern DST changes, on the quarter hour.
  { zone: 'Europe/Berlin', at: Date.UTC(2024, 2, 31, 1), before: offset(1), after: offset(2) },
  { zone: 'America/New_York', at: Date.UTC(2024, 10, 3, 6), before: -offset(4), after: -offset(5) },
  { zone: 'Australia/Lord_Howe', at: Date.UTC(2024, 3, 6, 15), before: offset(11), after: offset(10, 30) },
];

describe('zone offsets: the cached lookup is exact', () => {
  it('holds the offsets either side of each transition, off the quarter hour or on it', () => {
    for (const { zone, at, before, after } of TRANSITIONS) {
      const where = `${zone} ${new Date(at).toISOString()}`;
      assert.equal(exactOffset(zone, at - 1), before, `exact, before ${where}`);
      assert.equal(exactOffset(zone, at), after, `exact, at ${where}`);
      assert.equal(offsetAt(zone, at - 1), before, `cached, before ${where}`);
      assert.equal(offsetAt(zone, at), after, `cached, at ${where}`);
    }
  });

  it('answers the exact reading for every second within half an hour of each transition, in either order', () => {
    for (const { zone, at } of TRANSITIONS) {
      const instants: number[] = [];
      for (let instant = at - 30 * MINUTE - 1; instant <= at + 30 * MINUTE + 1; instant += SECOND) instants.push(instant, instant + 1);
      for (const instant of [...[...instants].reverse(), ...instants]) {
        assert.equal(offsetAt(zone, instant), exactOffset(zone, instant), `${zone} ${new Date(instant).toISOString()}`);
      }
    }
  });

  it('refuses a local time skipped by a transition off the quarter hour, and places those either side', () => {
    const local = (hour: number, minute: number, second: number, day = 1, month = 4) => ({
      year: 1893,
      month,
      day,
      hour,
      minute,
      second,
      millisecond: 0,
    });
    // Berlin's clocks went from 1893-03-31 23:59:59 to 1893-04-01 00:06:32.
    assert.deepEqual(localToInstant(local(0, 3, 0), 'Europe/Berlin'), {
      ok: false,
      error: '1893-04-01 00:03:00 does not exist in Europe/Berlin (the clocks skip it); give the time with its UTC offset',
    });
    assert.deepEqual(localToInstant(local(0, 6, 32), 'Europe/Berlin'), { ok: true, value: Date.UTC(1893, 2, 31, 23, 6, 32) });
    assert.deepEqual(localToInstant(local(23, 59, 59, 31, 3), 'Europe/Berlin'), { ok: true, value: Date.UTC(1893, 2, 31, 23, 6, 31) });
    assert.equal(dayNumberInZone(Date.UTC(1893, 2, 31, 23, 6, 31), 'Europe/Berlin'), Date.UTC(1893, 2, 31) / (24 * HOUR));
    assert.equal(dayNumberInZone(Date.UTC(1893, 2, 31, 23, 6, 32), 'Europe/Berlin'), Date.UTC(1893, 3, 1) / (24 * HOUR));
  });

  it('stays exact when the cache is full and forgets quarters (110,000 quarters of Europe/Dublin from 1915)', () => {
    const from = Date.UTC(1915, 0, 1, 0, 7, 13);
    for (let quarter = 0; quarter < 110_000; quarter++) {
      const instant = from + quarter * 15 * MINUTE;
      assert.equal(offsetAt('Europe/Dublin', instant), exactOffset('Europe/Dublin', instant), new Date(instant).toISOString());
    }
  });

  const ZONES = [
    'Europe/Berlin',
    'Europe/Dublin',
    'Europe/Paris',
    'Europe/Moscow',
    'America/New_York',
    'America/St_Johns',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Africa/Monrovia',
    'Australia/Lord_Howe',
  ];

  it('answers the exact reading for random instants of years 1850-2100 (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2100, 0, 1) }), (zone, instant) => {
        assert.equal(offsetAt(zone, instant), exactOffset(zone, instant));
      }),
      { numRuns: 20_000 },
    );
  });

  it('answers the exact reading for random instants near transitions (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -HOUR, max: HOUR }), ({ zone, at }, delta) => {
        assert.equal(offsetAt(zone, at + delta), exactOffset(zone, at + delta));
      }),
      { numRuns: 20_000 },
    );
  });
});
