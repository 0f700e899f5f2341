/**
 * Calendar arithmetic (src/domain/calendar.ts) against `Date`, which it replaces: the same
 * milliseconds for any reading, carried fields and years 0-99 included, and the same month lengths.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { civilDays, civilMillis, daysInMonth } from '../../src/domain/calendar.js';

/** What `Date` makes of the reading (setUTCFullYear keeps years 0-99, unlike Date.UTC). */
function byDate(year: number, month: number, day: number, hour: number, minute: number, second: number, millisecond: number): number {
  const value = new Date(0);
  value.setUTCFullYear(year, month - 1, day);
  value.setUTCHours(hour, minute, second, millisecond);
  return value.getTime();
}

describe('calendar arithmetic', () => {
  it('gives the milliseconds Date gives, for readings in range and with fields that carry over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2000, max: 12_000 }),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -40, max: 40 })),
        fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: -800, max: 800 })),
        fc.integer({ min: 0, max: 47 }),
        fc.integer({ min: 0, max: 119 }),
        fc.integer({ min: 0, max: 119 }),
        fc.integer({ min: 0, max: 1999 }),
        (year, month, day, hour, minute, second, millisecond) => {
          assert.equal(
            civilMillis(year, month, day, hour, minute, second, millisecond),
            byDate(year, month, day, hour, minute, second, millisecond),
          );
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('counts days from 1970-01-01, over leap days and century years', () => {
    assert.equal(civilDays(1970, 1, 1), 0);
    assert.equal(civilDays(1969, 12, 31), -1);
    assert.equal(civilDays(2000, 3, 1) - civilDays(2000, 2, 28), 2);
    assert.equal(civilDays(1900, 3, 1) - civilDays(1900, 2, 28), 1);
    assert.equal(civilDays(2024, 1, 0), civilDays(2023, 12, 31));
    assert.equal(civilMillis(1, 1, 1), byDate(1, 1, 1, 0, 0, 0, 0));
    assert.equal(civilMillis(9999, 12, 31, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  });

  it('knows every month length Date knows', () => {
    for (let year = 0; year <= 2400; year++)
      for (let month = 1; month <= 12; month++)
        assert.equal(daysInMonth(year, month), new Date(byDate(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate());
  });
});
