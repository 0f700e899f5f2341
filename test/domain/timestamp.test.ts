import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../../src/domain/timestamp.js';
import { expectParsed, expectRefused } from './helpers.js';

// An oracle independent of Date: days since 1970-01-01 in the proleptic Gregorian calendar
// (H. Hinnant's days_from_civil).
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number): number => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const EARLIEST_MS = daysFromCivil(1, 1, 1) * DAY_MS;
const LATEST_MS = daysFromCivil(9999, 12, 31) * DAY_MS + DAY_MS - 1;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const OUTPUT_FORM = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}\+0000$/;

describe('parseTrackerTimestamp: accepted forms', () => {
  const base = Date.UTC(2025, 1, 18, 16, 35, 41, 740);
  const cases: [string, number][] = [
    ['2025-02-18T16:35:41.740+0000', base],
    ['2025-02-18T16:35:41.740-0000', base],
    ['2025-02-18T16:35:41.740+00:00', base],
    ['2025-02-18T16:35:41.740Z', base],
    ['2025-02-18T16:35:41.740', base],
    ['2025-02-18T16:35:41.74Z', base],
    ['2025-02-18T16:35:41.7400Z', base],
    ['2025-02-18T16:35:41.740999999Z', base],
    ['2025-02-18T16:35:41Z', base - 740],
    ['2025-02-18T16:35:41', base - 740],
    ['2025-02-18T16:35:41+0000', base - 740],
    ['2025-02-18T16:35:41.7Z', base - 40],
    ['2025-02-18T16:35:41.0Z', base - 740],
    ['2025-02-18T19:35:41.740+0300', base],
    ['2025-02-18T19:35:41.740+03:00', base],
    ['2025-02-18T13:05:41.740-03:30', base],
    ['2025-02-18T13:05:41.740-0330', base],
    ['2018-06-06T08:42:15.258', Date.UTC(2018, 5, 6, 8, 42, 15, 258)],
  ];
  for (const [text, ms] of cases) {
    it(`parses ${text}`, () => {
      assert.equal(expectParsed(parseTrackerTimestamp(text), text), ms);
    });
  }

  it('accepts 0 to 9 fraction digits, truncating beyond milliseconds rather than rounding', () => {
    const second = Date.UTC(2021, 0, 1, 0, 0, 59);
    const expected: [string, number][] = [
      ['', 0],
      ['.9', 900],
      ['.99', 990],
      ['.999', 999],
      ['.9999', 999],
      ['.99999', 999],
      ['.999999', 999],
      ['.9999999', 999],
      ['.99999999', 999],
      ['.999999999', 999],
      ['.123456789', 123],
      ['.0005', 0],
      ['.0015', 1],
      ['.1236', 123],
    ];
    for (const [fraction, ms] of expected) {
      const text = `2021-01-01T00:00:59${fraction}Z`;
      assert.equal(expectParsed(parseTrackerTimestamp(text), text), second + ms, text);
    }
  });

  it('does not round 23:59:59.9999 on the last day of a year into the next year', () => {
    const text = '2021-12-31T23:59:59.99999Z';
    assert.equal(formatTrackerTimestamp(expectParsed(parseTrackerTimestamp(text))), '2021-12-31T23:59:59.999+0000');
  });

  it('converts +0500 to UTC: 2021-09-21T15:30:00.000+0500 is 10:30 UTC', () => {
    const ms = expectParsed(parseTrackerTimestamp('2021-09-21T15:30:00.000+0500'));
    assert.equal(formatTrackerTimestamp(ms), '2021-09-21T10:30:00.000+0000');
  });

  it('moves across a date boundary with the offset', () => {
    assert.equal(
      formatTrackerTimestamp(expectParsed(parseTrackerTimestamp('2021-01-01T02:00:00.000+0500'))),
      '2020-12-31T21:00:00.000+0000',
    );
    assert.equal(
      formatTrackerTimestamp(expectParsed(parseTrackerTimestamp('2020-12-31T22:00:00.000-0500'))),
      '2021-01-01T03:00:00.000+0000',
    );
  });

  it('accepts offsets up to ±18:00 inclusive', () => {
    const utc = Date.UTC(2021, 5, 15, 12, 0, 0);
    assert.equal(expectParsed(parseTrackerTimestamp('2021-06-15T12:00:00.000+1800')), utc - 18 * 60 * MINUTE_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('2021-06-15T12:00:00.000-18:00')), utc + 18 * 60 * MINUTE_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('2021-06-15T12:00:00.000+1759')), utc - (17 * 60 + 59) * MINUTE_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('2021-06-15T12:00:00.000+0545')), utc - (5 * 60 + 45) * MINUTE_MS);
  });

  it('accepts Feb 29 in leap years, including 2000 and 1600, and not in 1900, 2100 or ordinary years', () => {
    for (const year of [2000, 1600, 2024, 2020, 1996, 4, 400, 9996]) {
      const text = `${pad(year, 4)}-02-29T00:00:00.000Z`;
      const ms = expectParsed(parseTrackerTimestamp(text), text);
      assert.equal(ms, daysFromCivil(year, 2, 29) * DAY_MS, text);
      assert.equal(formatTrackerTimestamp(ms), text.replace('Z', '+0000'));
    }
    for (const year of [1900, 2100, 1800, 2021, 2023, 1, 100, 9999]) {
      const text = `${pad(year, 4)}-02-29T00:00:00.000Z`;
      expectRefused(parseTrackerTimestamp(text), text);
    }
  });

  it('accepts the last day of every month and refuses the day after', () => {
    for (const year of [2021, 2024]) {
      for (let month = 1; month <= 12; month += 1) {
        const last = daysIn(year, month);
        const ok = `${year}-${pad(month)}-${pad(last)}T00:00:00Z`;
        const bad = `${year}-${pad(month)}-${pad(last + 1)}T00:00:00Z`;
        assert.equal(expectParsed(parseTrackerTimestamp(ok), ok), daysFromCivil(year, month, last) * DAY_MS);
        expectRefused(parseTrackerTimestamp(bad), bad);
      }
    }
  });

  it('handles years below 100 literally (no 19xx mapping)', () => {
    const text = '0050-03-01T00:00:00.000Z';
    const ms = expectParsed(parseTrackerTimestamp(text));
    assert.equal(ms, daysFromCivil(50, 3, 1) * DAY_MS);
    assert.equal(formatTrackerTimestamp(ms), '0050-03-01T00:00:00.000+0000');
  });

  it('accepts the first and last representable instants', () => {
    assert.equal(expectParsed(parseTrackerTimestamp('0001-01-01T00:00:00.000Z')), EARLIEST_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('9999-12-31T23:59:59.999Z')), LATEST_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('0001-01-01T05:00:00.000+0500')), EARLIEST_MS);
    assert.equal(expectParsed(parseTrackerTimestamp('9999-12-31T18:59:59.999-0500')), LATEST_MS);
  });
});

describe('parseTrackerTimestamp: refusals', () => {
  const refusals: [string, string][] = [
    ['2021-02-29T00:00:00.000+0000', 'Feb 29 in a non-leap year'],
    ['1900-02-29T00:00:00.000+0000', 'Feb 29 in 1900'],
    ['2021-02-30T00:00:00.000+0000', 'Feb 30'],
    ['2021-04-31T00:00:00.000+0000', 'April 31'],
    ['2021-01-32T00:00:00.000+0000', 'day 32'],
    ['2021-01-00T00:00:00.000+0000', 'day 0'],
    ['2021-13-01T00:00:00.000+0000', 'month 13'],
    ['2021-00-01T00:00:00.000+0000', 'month 0'],
    ['0000-01-01T00:00:00.000+0000', 'year 0'],
    ['10000-01-01T00:00:00.000+0000', 'five-digit year'],
    ['+002021-01-01T00:00:00.000Z', 'expanded year'],
    ['-0001-01-01T00:00:00.000Z', 'negative year'],
    ['2021-01-01T24:00:00.000+0000', 'hour 24'],
    ['2021-01-01T25:00:00.000+0000', 'hour 25'],
    ['2021-01-01T00:60:00.000+0000', 'minute 60'],
    ['2021-01-01T00:00:60.000+0000', 'second 60'],
    ['2016-12-31T23:59:60.000+0000', 'leap second'],
    ['2021-01-01T00:00:00.000+1801', 'offset beyond +18:00'],
    ['2021-01-01T00:00:00.000-1801', 'offset beyond -18:00'],
    ['2021-01-01T00:00:00.000+1900', 'offset +19'],
    ['2021-01-01T00:00:00.000+99:00', 'offset +99'],
    ['2021-01-01T00:00:00.000+0060', 'offset minutes 60'],
    ['2021-01-01T00:00:00.000+05', 'hour-only offset'],
    ['2021-01-01T00:00:00.000+5:00', 'one-digit offset hour'],
    ['2021-01-01T00:00:00.000+050', 'three-digit offset'],
    ['2021-01-01T00:00:00.000+05:00:00', 'offset with seconds'],
    ['2021-01-01T00:00:00.000 +0000', 'space before offset'],
    ['2021-01-01T00:00:00.000+0000Z', 'offset and Z'],
    ['2021-01-01T00:00:00.000z', 'lowercase z'],
    ['2021-01-01T00:00:00.000UTC', 'zone name'],
    ['2021-01-01T00:00:00.000GMT+0000', 'GMT prefix'],
    ['2021-01-01T00:00:00.000[Europe/Moscow]', 'zone id'],
    ['2021-01-01T00:00Z', 'missing seconds'],
    ['2021-01-01T00:00', 'missing seconds, no zone'],
    ['2021-01-01T00Z', 'hour only'],
    ['2021-01-01', 'date only'],
    ['2021-01-01T', 'date and T'],
    ['2021-01-01 00:00:00.000+0000', 'space separator'],
    ['2021-01-01t00:00:00.000+0000', 'lowercase t'],
    ['2021-01-01_00:00:00.000+0000', 'underscore separator'],
    ['2021-01-01T00:00:00.+0000', 'dot without fraction digits'],
    ['2021-01-01T00:00:00,000+0000', 'comma fraction'],
    ['2021-01-01T00:00:00.0000000000+0000', 'ten fraction digits'],
    ['2021-1-01T00:00:00.000+0000', 'one-digit month'],
    ['2021-01-1T00:00:00.000+0000', 'one-digit day'],
    ['2021-01-01T0:00:00.000+0000', 'one-digit hour'],
    ['21-01-01T00:00:00.000+0000', 'two-digit year'],
    ['20210101T000000.000+0000', 'basic format'],
    ['2021/01/01T00:00:00.000+0000', 'slashes'],
    ['2021-W01-1T00:00:00Z', 'week date'],
    ['2021-001T00:00:00Z', 'ordinal date'],
    [' 2021-01-01T00:00:00.000+0000', 'leading space'],
    ['2021-01-01T00:00:00.000+0000 ', 'trailing space'],
    ['2021-01-01T00:00:00.000+0000\n', 'trailing newline'],
    ['２０２１-01-01T00:00:00Z', 'full-width digits'],
    ['', 'empty'],
    ['now', 'word'],
    ['1640995200000', 'epoch milliseconds'],
    ['Sat, 01 Jan 2022 00:00:00 GMT', 'HTTP date'],
    ['0001-01-01T00:00:00.000+0001', 'before year 1 in UTC'],
    ['0001-01-01T04:59:59.999+0500', 'before year 1 in UTC, by a millisecond'],
    ['9999-12-31T23:59:59.999-0001', 'after year 9999 in UTC'],
    ['9999-12-31T19:00:00.000-0500', 'after year 9999 in UTC, exactly at the boundary'],
  ];
  for (const [text, why] of refusals) {
    it(`refuses ${JSON.stringify(text)} (${why})`, () => {
      let result: ReturnType<typeof parseTrackerTimestamp> | undefined;
      assert.doesNotThrow(() => {
        result = parseTrackerTimestamp(text);
      });
      expectRefused(result!, text);
    });
  }
});

describe('formatTrackerTimestamp', () => {
  it('writes Tracker form with milliseconds and +0000', () => {
    assert.equal(formatTrackerTimestamp(Date.UTC(2025, 1, 18, 16, 35, 41, 740)), '2025-02-18T16:35:41.740+0000');
    assert.equal(formatTrackerTimestamp(0), '1970-01-01T00:00:00.000+0000');
    assert.equal(formatTrackerTimestamp(-1), '1969-12-31T23:59:59.999+0000');
    assert.equal(formatTrackerTimestamp(Date.UTC(2025, 0, 1, 0, 0, 0, 5)), '2025-01-01T00:00:00.005+0000');
    assert.equal(formatTrackerTimestamp(EARLIEST_MS), '0001-01-01T00:00:00.000+0000');
    assert.equal(formatTrackerTimestamp(LATEST_MS), '9999-12-31T23:59:59.999+0000');
  });

  it('writes what Date#toISOString writes, with +0000 for Z, for every representable instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: EARLIEST_MS, max: LATEST_MS }), (ms) => {
        assert.equal(formatTrackerTimestamp(ms), new Date(ms).toISOString().replace('Z', '+0000'));
      }),
      { numRuns: 20_000 },
    );
    // Around midnight and the epoch, where the day and the time of day are split.
    for (const ms of [-86_400_001, -86_400_000, -86_399_999, -1001, -1000, -999, 86_399_999, 86_400_000]) {
      assert.equal(formatTrackerTimestamp(ms), new Date(ms).toISOString().replace('Z', '+0000'), String(ms));
    }
  });

  it('throws a RangeError for instants it cannot write (a programming error)', () => {
    for (const bad of [EARLIEST_MS - 1, LATEST_MS + 1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 8.64e15 + 1]) {
      assert.throws(() => formatTrackerTimestamp(bad), RangeError, String(bad));
    }
  });
});

describe('timestamp properties', () => {
  const epochMs = fc.oneof(
    fc.integer({ min: EARLIEST_MS, max: LATEST_MS }),
    fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2050, 0, 1) }),
    fc.constantFrom(EARLIEST_MS, EARLIEST_MS + 1, LATEST_MS, LATEST_MS - 1, 0, -1, 1),
  );

  it('format then parse returns the same milliseconds for any representable instant', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const text = formatTrackerTimestamp(ms);
        assert.match(text, OUTPUT_FORM);
        assert.equal(expectParsed(parseTrackerTimestamp(text), text), ms);
      }),
      { numRuns: 3000 },
    );
  });

  it('output matches the independent calendar oracle', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const text = formatTrackerTimestamp(ms);
        const [, y, mo, d, h, mi, s, f] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(text)!;
        const rebuilt =
          daysFromCivil(Number(y), Number(mo), Number(d)) * DAY_MS + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000 + Number(f);
        assert.equal(rebuilt, ms, text);
      }),
      { numRuns: 2000 },
    );
  });

  /** A wall-clock reading with any zone form; the expected instant is computed by the oracle. */
  const reading = fc
    .record({
      year: fc.integer({ min: 1, max: 9999 }),
      month: fc.integer({ min: 1, max: 12 }),
      dayFraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
      fraction: fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 9 }),
      zone: fc.oneof(
        fc.constant({ text: '', minutes: 0 }),
        fc.constant({ text: 'Z', minutes: 0 }),
        fc
          .record({
            sign: fc.constantFrom(1, -1),
            hours: fc.integer({ min: 0, max: 18 }),
            minutes: fc.integer({ min: 0, max: 59 }),
            colon: fc.boolean(),
          })
          .map(({ sign, hours, minutes, colon }) => ({
            text: `${sign > 0 ? '+' : '-'}${pad(hours)}${colon ? ':' : ''}${pad(minutes)}`,
            minutes: sign * (hours * 60 + minutes),
            // ±18:00 is the limit; anything beyond it is refused.
            beyond: hours * 60 + minutes > 18 * 60,
          })),
      ),
    })
    .map((r) => ({ ...r, day: 1 + Math.floor(r.dayFraction * daysIn(r.year, r.month)) }));

  it('any valid reading parses to the instant the calendar oracle gives (or a clean refusal out of range)', () => {
    fc.assert(
      fc.property(reading, ({ year, month, day, hour, minute, second, fraction, zone }) => {
        const text =
          `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}` +
          `${fraction ? `.${fraction}` : ''}${zone.text}`;
        const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
        const expected =
          daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis - zone.minutes * MINUTE_MS;
        const result = parseTrackerTimestamp(text);
        if (('beyond' in zone && zone.beyond) || expected < EARLIEST_MS || expected > LATEST_MS) {
          expectRefused(result, text);
        } else {
          assert.equal(expectParsed(result, text), expected, text);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('a reading with an offset equals the UTC reading shifted by that offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: EARLIEST_MS + DAY_MS, max: LATEST_MS - DAY_MS }),
        fc.integer({ min: -18 * 60, max: 18 * 60 }),
        fc.boolean(),
        (utcMs, offsetMinutes, colon) => {
          // The wall clock in the zone is the UTC instant plus the offset.
          const wallClock = formatTrackerTimestamp(utcMs + offsetMinutes * MINUTE_MS).slice(0, -'+0000'.length);
          const abs = Math.abs(offsetMinutes);
          const zone = `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
          const text = wallClock + zone;
          assert.equal(expectParsed(parseTrackerTimestamp(text), text), utcMs, text);
          assert.equal(formatTrackerTimestamp(utcMs), formatTrackerTimestamp(expectParsed(parseTrackerTimestamp(text))));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('no zone, Z, +0000, -0000 and +00:00 all mean UTC', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const wallClock = formatTrackerTimestamp(ms).slice(0, -'+0000'.length);
        for (const zone of ['', 'Z', '+0000', '-0000', '+00:00', '-00:00']) {
          assert.equal(expectParsed(parseTrackerTimestamp(wallClock + zone)), ms, wallClock + zone);
        }
      }),
    );
  });

  /** parseTrackerTimestamp never throws and always answers one of the two well-formed shapes. */
  function assertWellFormed(text: string): void {
    let result: ReturnType<typeof parseTrackerTimestamp> | undefined;
    assert.doesNotThrow(
      () => {
        result = parseTrackerTimestamp(text);
      },
      `threw for ${JSON.stringify(text)}`,
    );
    if (result!.ok) {
      const value = result!.value;
      assert.ok(Number.isSafeInteger(value));
      assert.ok(value >= EARLIEST_MS && value <= LATEST_MS);
      assert.doesNotThrow(() => formatTrackerTimestamp(value));
    } else {
      assert.equal(typeof result!.error, 'string');
      assert.ok(result!.error.length > 0);
    }
  }

  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 50 }), assertWellFormed), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 50 }), assertWellFormed), { numRuns: 2000 });
  });

  it('never throws on strings shaped like timestamps with random digits', () => {
    const digit = fc.constantFrom(...'0123456789'.split(''));
    const digits = (n: number) => fc.string({ unit: digit, minLength: n, maxLength: n });
    const shaped = fc
      .tuple(
        digits(4),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        digits(2),
        fc.option(fc.string({ unit: digit, minLength: 1, maxLength: 9 }), { nil: undefined }),
        fc.oneof(
          fc.constant(''),
          fc.constant('Z'),
          fc.tuple(fc.constantFrom('+', '-'), digits(2), fc.constantFrom('', ':'), digits(2)).map((p) => p.join('')),
        ),
      )
      .map(([y, mo, d, h, mi, s, f, z]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${f === undefined ? '' : `.${f}`}${z}`);
    fc.assert(fc.property(shaped, assertWellFormed), { numRuns: 5000 });
  });

  it('never throws on strings built from the timestamp alphabet', () => {
    const alphabet = fc.constantFrom(...'0123456789-:T.Z+ '.split(''));
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 40 }), assertWellFormed), { numRuns: 3000 });
  });

  it('refuses the space separator and lowercase t for any instant', () => {
    fc.assert(
      fc.property(epochMs, fc.constantFrom(' ', 't'), (ms, separator) => {
        const text = formatTrackerTimestamp(ms).replace('T', separator);
        expectRefused(parseTrackerTimestamp(text), text);
      }),
    );
  });
});
