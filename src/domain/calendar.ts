/**
 * The proleptic Gregorian calendar in arithmetic, for turning a wall-clock reading into
 * milliseconds without a `Date` object (each `Date` set and read cost more than the rest of a
 * timestamp's parse: BENCHMARKS.md, "timestamps without Date objects"). Every parse of a Tracker
 * date-time and of a source's timestamp goes through here, in the server and in the command.
 */
export const DAY_MS = 86_400_000;

export const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (1-12) of a year. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/**
 * Days from 1970-01-01 to a calendar day. A month outside 1-12 carries into the years and a day
 * outside its month into the months, as `Date.UTC` carries them (day 0 is the month's eve); years
 * 0-99 are themselves (unlike `Date.UTC`). The count of days from 0000-03-01 in 400-year eras of
 * 146,097 days each.
 */
export function civilDays(year: number, month: number, day: number): number {
  const carried = Math.floor((month - 1) / 12);
  let y = year + carried;
  const m = month - 1 - carried * 12 + 1;
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Milliseconds since the epoch of a wall-clock reading taken as UTC; fields carry over as in `civilDays`. */
export function civilMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number {
  return civilDays(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millisecond;
}
