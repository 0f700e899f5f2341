import { DAY_MS, civilMillis, daysInMonth } from './calendar.js';
import { type Result, accepted, refused } from './result.js';

/**
 * Tracker date-times. Accepted: `YYYY-MM-DDThh:mm:ss[.fraction][zone]` where the zone is `±hhmm`,
 * `±hh:mm`, `Z` or absent (UTC, as Tracker's own examples send). Fractions beyond milliseconds are
 * truncated, since Tracker keeps milliseconds. Answered always as `YYYY-MM-DDThh:mm:ss.sss+0000`.
 */
const TIMESTAMP_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

const FORM_HINT = 'expected YYYY-MM-DDThh:mm:ss.sss±hhmm, for example 2025-02-18T16:35:41.740+0000';

/** The earliest and latest instants that still print as a four-digit year. */
export const EARLIEST_MS = civilMillis(1, 1, 1);
export const LATEST_MS = civilMillis(9999, 12, 31, 23, 59, 59, 999);

/** Whether an instant can be answered as a Tracker date-time (formatTrackerTimestamp). */
export const isRepresentableInstant = (epochMs: number): boolean =>
  Number.isSafeInteger(epochMs) && epochMs >= EARLIEST_MS && epochMs <= LATEST_MS;

/** Parses a Tracker date-time into milliseconds since the epoch. */
export function parseTrackerTimestamp(text: string): Result<number> {
  const match = TIMESTAMP_PATTERN.exec(text);
  if (match === null) return refused(`${JSON.stringify(text)} is not a valid date-time: ${FORM_HINT}`);
  const [, y, mo, d, h, mi, s, fraction, zone] = match as unknown as [string, ...string[]];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return refused(`${JSON.stringify(text)} is not a valid date-time: no such calendar day`);
  }
  if (hour > 23 || minute > 59 || second > 59) {
    return refused(`${JSON.stringify(text)} is not a valid date-time: no such time of day`);
  }
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = Number(digits.slice(2));
    if (offsetHours > 18 || offsetMins > 59 || (offsetHours === 18 && offsetMins > 0)) {
      return refused(`${JSON.stringify(text)} is not a valid date-time: the offset must lie within ±18:00`);
    }
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const epochMs = civilMillis(year, month, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  if (epochMs < EARLIEST_MS || epochMs > LATEST_MS) {
    return refused(`${JSON.stringify(text)} is out of range: years 0001 to 9999 in UTC are accepted`);
  }
  return accepted(epochMs);
}

/** `YYYY-MM-DD` of UTC days already formatted: an import formats two instants an entry, most on few days. */
const utcDays = new Map<number, string>();

/** A day, counted in days since 1970-01-01, as `YYYY-MM-DD` (formatted once per day, then cached). */
export function formatDayNumber(dayNumber: number): string {
  let date = utcDays.get(dayNumber);
  if (date === undefined) {
    if (utcDays.size >= 100_000) utcDays.clear();
    date = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
    utcDays.set(dayNumber, date);
  }
  return date;
}
const two = (value: number): string => (value < 10 ? `0${value}` : String(value));
const three = (value: number): string => (value < 10 ? `00${value}` : value < 100 ? `0${value}` : String(value));

/**
 * Formats milliseconds since the epoch as Tracker does: `2025-02-18T16:35:41.740+0000`. The same
 * text as `Date#toISOString` with `+0000` for `Z` (a property test holds them equal), with the
 * date part formatted once per day: this ran twice for every entry a migration sends.
 */
export function formatTrackerTimestamp(epochMs: number): string {
  if (!isRepresentableInstant(epochMs)) {
    throw new RangeError(`not a representable timestamp: ${epochMs}`);
  }
  const dayNumber = Math.floor(epochMs / DAY_MS);
  const date = formatDayNumber(dayNumber);
  let rest = epochMs - dayNumber * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${date}T${two(hours)}:${two(minutes)}:${two(seconds)}.${three(millis)}+0000`;
}
