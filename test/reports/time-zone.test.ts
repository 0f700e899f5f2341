/** Local days in IANA zones: validation, day starts across clock changes, ISO weeks. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ZoneClock, dayIndexOf, isoWeekOf, localDays, parseLocalDate, parseTimeZone } from '../../src/domain/time-zone.js';

const HOUR = 3_600_000;
const date = (text: string) => {
  const parsed = parseLocalDate(text);
  assert.ok(parsed.ok, text);
  return parsed.value;
};
/** An independent reading of an instant's local date, straight from Intl. */
const localDateOf = (zone: string, instant: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));

describe('time zones', () => {
  it('accepts IANA names and answers their canonical spelling', () => {
    assert.deepEqual(parseTimeZone('UTC'), { ok: true, value: 'UTC' });
    assert.deepEqual(parseTimeZone('Europe/Moscow'), { ok: true, value: 'Europe/Moscow' });
    assert.deepEqual(parseTimeZone('america/new_york'), { ok: true, value: 'America/New_York' });
    assert.equal(parseTimeZone('America/Argentina/Buenos_Aires').ok, true);
    assert.equal(parseTimeZone('Etc/GMT+5').ok, true);
  });

  it('refuses offsets, unknown names and junk', () => {
    for (const name of ['+05:00', 'Mars/Olympus', '', 'Europe/../etc', 'UTC ', 'a'.repeat(70)]) {
      assert.equal(parseTimeZone(name).ok, false, name);
    }
  });

  it('starts New York days at local midnight, with a 23-hour and a 25-hour day', () => {
    const clock = new ZoneClock('America/New_York');
    const start = (text: string) => clock.startOfDay(date(text));
    assert.equal(new Date(start('2025-03-09')).toISOString(), '2025-03-09T05:00:00.000Z');
    assert.equal(start('2025-03-10') - start('2025-03-09'), 23 * HOUR);
    assert.equal(start('2025-11-03') - start('2025-11-02'), 25 * HOUR);
  });

  it('starts a day whose midnight does not exist at its first instant', () => {
    // Chile moves its clocks forward at midnight: 2024-09-08 begins at 01:00 local time.
    const clock = new ZoneClock('America/Santiago');
    const start = clock.startOfDay(date('2024-09-08'));
    assert.equal(localDateOf('America/Santiago', start), '2024-09-08');
    assert.equal(localDateOf('America/Santiago', start - 1), '2024-09-07');
  });

  it('finds the start of every day in many zones (property)', () => {
    const zones = [
      'UTC',
      'America/New_York',
      'America/Santiago',
      'Asia/Kathmandu',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Europe/Dublin',
      'America/Havana',
      'Asia/Beirut',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2035, 0, 1) }), (zone, instant) => {
        const clock = new ZoneClock(zone);
        const day = clock.dateOf(instant);
        const start = clock.startOfDay(day);
        assert.ok(start <= instant);
        assert.equal(localDateOf(zone, start), localDateOf(zone, instant));
        assert.notEqual(localDateOf(zone, start - 1), localDateOf(zone, instant));
      }),
      { numRuns: 500 },
    );
  });

  it('lists local days and finds the day of an instant', () => {
    const clock = new ZoneClock('Europe/Berlin');
    const days = localDays(clock, Date.parse('2025-03-29T12:00:00Z'), Date.parse('2025-04-01T00:00:00Z'));
    assert.deepEqual(
      days.map((day) => day.day),
      ['2025-03-29', '2025-03-30', '2025-03-31', '2025-04-01'],
    );
    assert.equal(days[2]!.start - days[1]!.start, 23 * HOUR);
    assert.equal(days[dayIndexOf(days, Date.parse('2025-03-30T21:59:59.999Z'))]!.day, '2025-03-30');
    assert.equal(days[dayIndexOf(days, Date.parse('2025-03-30T22:00:00.000Z'))]!.day, '2025-03-31');
  });

  it('names ISO weeks, across year ends', () => {
    assert.equal(isoWeekOf(date('2024-12-30')), '2025-W01');
    assert.equal(isoWeekOf(date('2021-01-03')), '2020-W53');
    assert.equal(isoWeekOf(date('2025-03-03')), '2025-W10');
    assert.equal(isoWeekOf(date('2025-03-02')), '2025-W09');
  });
});
