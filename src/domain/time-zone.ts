import { type Result, accepted, refused } from './result.js';

/**
 * Calendar days in an IANA time zone, for reports that cut time into days, ISO weeks and months.
 * Everything is computed from the zone rules the runtime ships (Intl), so daylight-saving changes,
 * days of 23 or 25 hours and midnights that do not exist (a clock jumping from 23:59 to 01:00) are
 * handled as the zone defines them: a day starts at the first instant whose local date is that day.
 */

/**
 * The one rule for zone names, used by the report (`tz`) and by every command (`--timezone`):
 * `UTC` or an IANA `Area/Location` name (`Europe/Moscow`, `America/Argentina/Buenos_Aires`,
 * `Etc/GMT+5`), in any case, known to the runtime's zone data, answered in its canonical spelling.
 * Refused: abbreviations (`CET`, `EST`, `CEST`: Intl knows some as links, `EST` as America/Panama,
 * but they read as "the zone of the season" to people and are ambiguous: CST is three zones),
 * POSIX-style names (`EST5EDT`), one-word links (`Japan`, `Zulu`) and fixed offsets (`+05:00`: no
 * daylight-saving rules, and `tz` would mean two different things).
 */
const AREA_LOCATION = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){1,2}$/;
const ABBREVIATION = /^(?:[A-Z]{2,5}|[A-Z]{3,4}\d{1,2}[A-Z]{3,4})$/;
const OFFSET = /^(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?$/i;

/** Checks a zone name by the rule above and answers its canonical spelling. */
export function parseTimeZone(name: string): Result<string> {
  const shown = JSON.stringify(name);
  if (name.toUpperCase() === 'UTC') return accepted('UTC');
  if (name.length > 64) return refused(`${shown.slice(0, 40)}..." is not an IANA time zone name such as UTC or Europe/Moscow`);
  if (ABBREVIATION.test(name)) {
    return refused(
      `${shown} is a time-zone abbreviation: abbreviations are ambiguous and have no daylight-saving rules; give an IANA name such as Europe/Berlin`,
    );
  }
  if (OFFSET.test(name)) return refused(`${shown} is a fixed UTC offset, not a time zone: give an IANA name such as Europe/Berlin`);
  if (!AREA_LOCATION.test(name))
    return refused(`${shown} is not an IANA time zone name of the form Area/Location, such as Europe/Moscow, or UTC`);
  try {
    return accepted(new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone);
  } catch {
    return refused(`${shown} is not a known IANA time zone (for example UTC, Europe/Moscow, America/New_York)`);
  }
}

/** A local calendar date. Months and days count from 1. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` (years 0001 to 9999, a day that exists). */
export function parseLocalDate(text: string): Result<LocalDate> {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return refused(`${JSON.stringify(text)} is not a date: expected YYYY-MM-DD, for example 2025-02-18`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return refused(`${JSON.stringify(text)} is not a date: no such calendar day`);
  }
  return accepted({ year, month, day });
}

/** Milliseconds of a wall-clock reading taken as if it were UTC (years 0-99 stay themselves). */
function wallMillis(date: LocalDate, hour = 0, minute = 0, second = 0, ms = 0): number {
  const value = new Date(0);
  value.setUTCFullYear(date.year, date.month - 1, date.day);
  value.setUTCHours(hour, minute, second, ms);
  return value.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(wallMillis({ year, month: month + 1, day: 0 })).getUTCDate();
}

const dateOfWall = (wall: number): LocalDate => {
  const value = new Date(wall);
  return { year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate() };
};

export const formatLocalDate = ({ year, month, day }: LocalDate): string =>
  `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;

/** The next calendar day. */
export const nextLocalDate = (date: LocalDate): LocalDate => dateOfWall(wallMillis(date) + 86_400_000);

/** ISO 8601 week of a date, `2025-W03`: weeks start on Monday, week 1 holds the year's first Thursday. */
export function isoWeekOf(date: LocalDate): string {
  const wall = wallMillis(date);
  const weekday = (new Date(wall).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  const thursday = dateOfWall(wall + (3 - weekday) * 86_400_000);
  const firstOfYear = wallMillis({ year: thursday.year, month: 1, day: 1 });
  const week = Math.floor((wallMillis(thursday) - firstOfYear) / (7 * 86_400_000)) + 1;
  return `${String(thursday.year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

export const monthOf = ({ year, month }: LocalDate): string => `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;

/** Local wall-clock readings of instants in one zone, with the formatter built once. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The local wall-clock reading of an instant, as milliseconds taken as if UTC. */
  wallOf(instant: number): number {
    const parts: Record<string, string> = {};
    for (const part of this.format.formatToParts(new Date(instant))) parts[part.type] = part.value;
    const era = parts.era ?? 'AD';
    const year = era.startsWith('B') ? 1 - Number(parts.year) : Number(parts.year);
    const ms = ((instant % 1000) + 1000) % 1000;
    return wallMillis(
      { year, month: Number(parts.month), day: Number(parts.day) },
      Number(parts.hour),
      Number(parts.minute),
      Number(parts.second),
      ms,
    );
  }

  /** The local date of an instant. */
  dateOf(instant: number): LocalDate {
    return dateOfWall(this.wallOf(instant));
  }

  /** The zone's offset from UTC at an instant, in milliseconds (east positive). */
  offsetAt(instant: number): number {
    return this.wallOf(instant) - instant;
  }

  /** The first instant whose local date is `date` or later: where that local day begins. */
  startOfDay(date: LocalDate): number {
    const wall = wallMillis(date);
    const compare = (instant: number) => compareDates(this.dateOf(instant), date);
    // Two rounds of "midnight minus the offset there" find midnight wherever it exists once.
    const guess = wall - this.offsetAt(wall - this.offsetAt(wall));
    if (compare(guess) >= 0 && compare(guess - 1) < 0) return guess;
    // Midnight skipped or repeated by a clock change: search between bounds that hold for every
    // zone (offsets lie within ±18 hours).
    let low = wall - 19 * 3_600_000; // local date before `date`
    let high = wall + 19 * 3_600_000; // local date `date` or later
    while (high - low > 1) {
      const middle = low + Math.floor((high - low) / 2);
      if (compare(middle) >= 0) high = middle;
      else low = middle;
    }
    return high;
  }
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** A local day of a zone: where it starts (inclusive) and its labels. */
export interface DayBucket {
  start: number;
  day: string;
  week: string;
  month: string;
}

/**
 * The local days of `zone` that overlap [from, to), in order, each with its start instant. The
 * first day may start before `from`. Used to place instants in days by binary search.
 */
export function localDays(clock: ZoneClock, from: number, to: number): DayBucket[] {
  const days: DayBucket[] = [];
  let date = clock.dateOf(from);
  let start = clock.startOfDay(date);
  while (start < to) {
    days.push({ start, day: formatLocalDate(date), week: isoWeekOf(date), month: monthOf(date) });
    date = nextLocalDate(date);
    start = clock.startOfDay(date);
  }
  return days;
}

/** The index of the day holding `instant` (days sorted by start, `instant` at or after the first start). */
export function dayIndexOf(days: readonly DayBucket[], instant: number): number {
  let low = 0;
  let high = days.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (days[middle]!.start <= instant) low = middle;
    else high = middle - 1;
  }
  return low;
}
