import { type Result, accepted, refused } from './result.js';
import { civilMillis, daysInMonth } from './calendar.js';
import { formatDayNumber } from './timestamp.js';

/**
 * Wall clocks and calendar days in IANA time zones: one module for the reports (days, ISO weeks and
 * months) and for the importer's local readings. Everything is computed from the zone rules the
 * runtime ships (Intl, the ICU data of Node 22+), so daylight-saving changes, days of 23 or 25 hours
 * and midnights that do not exist (a clock jumping from 23:59 to 01:00) are handled as the zone
 * defines them: a day starts at the first instant whose local date is that day.
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

/** A local date and wall-clock time of day. */
export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * Milliseconds of a wall-clock reading taken as if it were UTC; a date alone reads as its midnight.
 * Years 0-99 stay themselves, and fields beyond their range carry over (calendar.ts).
 */
export function wallMillis(local: LocalDate | LocalDateTime): number {
  return 'hour' in local
    ? civilMillis(local.year, local.month, local.day, local.hour, local.minute, local.second, local.millisecond)
    : civilMillis(local.year, local.month, local.day);
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

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
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
    formats.set(zone, format);
  }
  return format;
}

/** The exact wall-clock reading of an instant in a zone, from Intl, as milliseconds taken as if UTC. */
export function wallClock(zone: string, instant: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatFor(zone).formatToParts(new Date(instant))) parts[part.type] = part.value;
  const era = parts.era ?? 'AD';
  const year = era.startsWith('B') ? 1 - Number(parts.year) : Number(parts.year);
  return wallMillis({
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((instant % 1000) + 1000) % 1000,
  });
}

/**
 * Offsets by zone and quarter hour, so that a large import asks Intl about once per quarter hour
 * it covers rather than once per entry. Transitions need not fall on a quarter hour (LMT-era ones
 * do not: Europe/Berlin's at 1893-03-31T23:06:32Z), so a quarter's offset is trusted only when the
 * offsets at its start and at the next quarter's start are equal: no zone changes its offset twice
 * within 15 minutes, so then none changes inside. A quarter holding a transition is stored as NaN
 * and each instant in it is read exactly.
 */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER_HOUR = 900_000;
const CACHED_QUARTERS = 100_000; // per zone: 2.85 years
/** The largest time a Date holds (±8.64e15 ms): the outermost quarters are read exactly. */
const LAST_DATE_MS = 8.64e15;

/**
 * Makes room by forgetting the quarters stored first. Half, not all: an import spanning a little
 * more than the cache holds would otherwise start over again and again.
 */
function dropOlderHalf(byQuarter: Map<number, number>): void {
  let count = byQuarter.size >> 1;
  for (const quarter of byQuarter.keys()) {
    if (count-- === 0) break;
    byQuarter.delete(quarter);
  }
}

/** The zone's offset from UTC at an instant, in milliseconds (east positive): exact, cached per quarter hour. */
export function offsetAt(zone: string, instant: number): number {
  if (zone === 'UTC') return 0;
  let byQuarter = offsetCache.get(zone);
  if (byQuarter === undefined) {
    byQuarter = new Map();
    offsetCache.set(zone, byQuarter);
  }
  const quarter = Math.floor(instant / QUARTER_HOUR);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    const start = quarter * QUARTER_HOUR;
    if (Math.abs(start) >= LAST_DATE_MS) return wallClock(zone, instant) - instant;
    if (byQuarter.size >= CACHED_QUARTERS) dropOlderHalf(byQuarter);
    // A trusted neighbour already knows one end: the previous quarter's offset holds at this start,
    // the next quarter's offset is its own start's.
    const before = byQuarter.get(quarter - 1);
    const after = byQuarter.get(quarter + 1);
    const atStart = before !== undefined && !Number.isNaN(before) ? before : wallClock(zone, start) - start;
    const end = start + QUARTER_HOUR;
    const atEnd = after !== undefined && !Number.isNaN(after) ? after : wallClock(zone, end) - end;
    offset = atStart === atEnd ? atStart : NaN;
    byQuarter.set(quarter, offset);
  }
  return Number.isNaN(offset) ? wallClock(zone, instant) - instant : offset;
}

const pad = (value: number): string => String(value).padStart(2, '0');

/** A local reading as messages show it: `2024-03-31 02:30:00`. */
export const formatLocal = (local: LocalDateTime): string =>
  `${formatLocalDate(local)} ${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;

/**
 * The instant a local reading names in a zone. A reading that does not exist (the hour skipped when
 * clocks go forward) or exists twice (the hour repeated when they go back) is refused: choosing
 * one silently would move the entry by an hour.
 */
export function localToInstant(local: LocalDateTime, zone: string): Result<number> {
  const wall = wallMillis(local);
  const day = 86_400_000;
  const offsets = new Set([offsetAt(zone, wall - day), offsetAt(zone, wall), offsetAt(zone, wall + day)]);
  const instants = [
    ...new Set([...offsets].map((offset) => wall - offset).filter((instant) => offsetAt(zone, instant) === wall - instant)),
  ];
  if (instants.length === 1) return accepted(instants[0]!);
  if (instants.length === 0) {
    return refused(`${formatLocal(local)} does not exist in ${zone} (the clocks skip it); give the time with its UTC offset`);
  }
  return refused(`${formatLocal(local)} happens twice in ${zone} (the clocks go back); give the time with its UTC offset`);
}

/** The calendar day of an instant in a zone, as days since 1970-01-01: cheap to compare. */
export function dayNumberInZone(instant: number, zone: string): number {
  return Math.floor((instant + offsetAt(zone, instant)) / 86_400_000);
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a zone. */
export function dayInZone(instant: number, zone: string): string {
  return formatDayNumber(dayNumberInZone(instant, zone));
}

/** Local wall-clock readings of instants in one zone (wallClock and offsetAt, for one zone). */
export class ZoneClock {
  constructor(readonly zone: string) {
    formatFor(zone); // an unknown zone fails here rather than at the first reading
  }

  /** The local wall-clock reading of an instant, as milliseconds taken as if UTC. */
  wallOf(instant: number): number {
    return wallClock(this.zone, instant);
  }

  /** The local date of an instant. */
  dateOf(instant: number): LocalDate {
    return dateOfWall(this.wallOf(instant));
  }

  /** The zone's offset from UTC at an instant, in milliseconds (east positive). */
  offsetAt(instant: number): number {
    return offsetAt(this.zone, instant);
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
