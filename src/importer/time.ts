import { type Result, accepted, refused } from '../domain/result.js';
import { formatDayNumber } from '../domain/timestamp.js';

/**
 * The importer's time-zone contract: a timestamp with an offset is exact; one without needs an
 * IANA zone given by the user (`--timezone Europe/Berlin`, checked by parseTimeZone in
 * ../domain/time-zone.ts); an abbreviation such as `CEST` is refused in a timestamp as it is as a
 * zone. Zone rules come from the runtime's ICU data through Intl (Node 22+ ships the full set), so no
 * library or data file can drift from what `Intl` reports.
 */

// One zone-name rule for the report and every command.
export { parseTimeZone } from '../domain/time-zone.js';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      era: 'short',
    });
    formats.set(zone, format);
  }
  return format;
}

/** The wall-clock reading of an instant in a zone, as milliseconds "as if UTC". */
function wallClock(zone: string, epochMs: number): number {
  const parts: Record<string, string> = {};
  for (const part of formatFor(zone).formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  date.setUTCHours(Number(parts.hour), Number(parts.minute), Number(parts.second), ((epochMs % 1000) + 1000) % 1000);
  return date.getTime();
}

/**
 * Offsets by zone and quarter hour: every zone's transitions fall on a quarter hour, so within one
 * the offset is constant, and a large file asks Intl once per quarter hour it covers, not per entry.
 */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER_HOUR = 900_000;

function offsetAt(zone: string, epochMs: number): number {
  if (zone === 'UTC') return 0;
  let byQuarter = offsetCache.get(zone);
  if (byQuarter === undefined) {
    byQuarter = new Map();
    offsetCache.set(zone, byQuarter);
  }
  const quarter = Math.floor(epochMs / QUARTER_HOUR);
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    if (byQuarter.size > 100_000) byQuarter.clear();
    const at = quarter * QUARTER_HOUR;
    offset = wallClock(zone, at) - at;
    byQuarter.set(quarter, offset);
  }
  return offset;
}

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function wallMillis(local: LocalDateTime): number {
  const date = new Date(0);
  date.setUTCFullYear(local.year, local.month - 1, local.day);
  date.setUTCHours(local.hour, local.minute, local.second, local.millisecond);
  return date.getTime();
}

export const formatLocal = (local: LocalDateTime): string =>
  `${String(local.year).padStart(4, '0')}-${pad(local.month)}-${pad(local.day)} ${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;

const pad = (value: number): string => String(value).padStart(2, '0');

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
export function dayNumberInZone(epochMs: number, zone: string): number {
  return Math.floor((epochMs + offsetAt(zone, epochMs)) / 86_400_000);
}

/** The calendar day (`YYYY-MM-DD`) of an instant in a zone. */
export function dayInZone(epochMs: number, zone: string): string {
  return formatDayNumber(dayNumberInZone(epochMs, zone));
}

const ISO_LIKE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const TRAILING_WORD = /^(.*\d)\s*([A-Za-z]{2,5})$/;

/**
 * A source timestamp: `2024-03-14T22:30:00.000+0100`, `2024-03-14 22:30:00+01:00`, `...Z` are exact;
 * `2024-03-14 22:30` without an offset is read in `zone`, and refused when there is none.
 */
export function parseSourceTimestamp(text: string, zone: string | undefined): Result<number> {
  const trimmed = text.trim();
  const word = TRAILING_WORD.exec(trimmed);
  if (word !== null && word[2] !== 'Z' && word[2]!.toUpperCase() !== 'UTC') {
    return refused(
      `"${trimmed}" names its zone by the abbreviation ${word[2]}, which is ambiguous; give the time with its UTC offset, or without a zone and --timezone <IANA name>`,
    );
  }
  const normalised = word !== null && word[2]!.toUpperCase() === 'UTC' ? `${word[1]}Z` : trimmed;
  const match = ISO_LIKE.exec(normalised);
  if (match === null) return refused(`"${trimmed}" is not a date-time such as 2024-03-14T22:30:00+01:00`);
  const [, y, mo, d, h, mi, s, fraction, zoneText] = match;
  const local: LocalDateTime = {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h),
    minute: Number(mi),
    second: s === undefined ? 0 : Number(s),
    millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  const problem = localError(local);
  if (problem !== undefined) return refused(`"${trimmed}" is not a valid date-time: ${problem}`);
  if (zoneText === undefined) {
    if (zone === undefined) {
      return refused(
        `"${trimmed}" has no UTC offset; give --timezone <IANA name> (for example Europe/Berlin) to say where it was recorded`,
      );
    }
    return localToInstant(local, zone);
  }
  if (zoneText === 'Z') return accepted(wallMillis(local));
  const digits = zoneText.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  if (minutes > 18 * 60) return refused(`"${trimmed}" has an offset beyond ±18:00`);
  return accepted(wallMillis(local) - (zoneText.startsWith('-') ? -1 : 1) * minutes * 60_000);
}

export function localError(local: LocalDateTime): string | undefined {
  const check = new Date(wallMillis(local));
  if (
    local.month < 1 ||
    local.month > 12 ||
    check.getUTCFullYear() !== local.year ||
    check.getUTCMonth() !== local.month - 1 ||
    check.getUTCDate() !== local.day
  ) {
    return 'no such calendar day';
  }
  if (local.hour > 23 || local.minute > 59 || local.second > 59) return 'no such time of day';
  return undefined;
}

export type DateOrder = 'YMD' | 'MDY' | 'DMY';

/** How `--date-format` spells each order, for messages. */
export const DATE_ORDER_NAMES: Record<DateOrder, string> = { YMD: 'YYYY-MM-DD', MDY: 'MM/DD/YYYY', DMY: 'DD/MM/YYYY' };

const SLASH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/**
 * Which ways a slashed date can be read as a calendar day: `01/19/2021` only month first,
 * `19/01/2021` only day first, `03/04/2024` either (two different days), `03/03/2024` the same day
 * both ways, `02/30/2024` neither. Undefined for text that is not a slashed date.
 */
export function slashDateReading(text: string): 'month-first' | 'day-first' | 'either' | 'same' | 'neither' | undefined {
  const match = SLASH_DATE.exec(text.trim());
  if (match === null) return undefined;
  const [first, second, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const isDay = (month: number, day: number) =>
    localError({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }) === undefined;
  const [monthFirst, dayFirst] = [isDay(first, second), isDay(second, first)];
  if (monthFirst && dayFirst) return first === second ? 'same' : 'either';
  return monthFirst ? 'month-first' : dayFirst ? 'day-first' : 'neither';
}

/**
 * A source date: `2024-03-14` always; `14.03.2024` is day first. A slashed date is read in the
 * order given (`--date-format`, or the one its input shows: see settleDateOrder); without one, a
 * slashed date that can be read only one way is read that way, and one that names two different
 * days (`03/04/2024`) is refused.
 */
export function parseSourceDate(text: string, order: DateOrder | undefined): Result<{ year: number; month: number; day: number }> {
  const trimmed = text.trim();
  let year: number, month: number, day: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(trimmed);
  if (match !== null) [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(trimmed)) !== null)
    [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = SLASH_DATE.exec(trimmed)) !== null) {
    if (order === 'YMD') return refused(`"${trimmed}" is not a date in the form --date-format YYYY-MM-DD gives`);
    const reading = slashDateReading(trimmed);
    let monthFirst: boolean;
    if (order !== undefined) monthFirst = order === 'MDY';
    else if (reading === 'either') {
      return refused(`"${trimmed}" could be month/day or day/month; give --date-format MM/DD/YYYY or DD/MM/YYYY`);
    } else if (reading === 'neither') return refused(`"${trimmed}" is not a valid date: no such calendar day, month first or day first`);
    else monthFirst = reading !== 'day-first';
    [month, day] = monthFirst ? [Number(match[1]), Number(match[2])] : [Number(match[2]), Number(match[1])];
    year = Number(match[3]);
    const problem = localError({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 });
    if (problem !== undefined) {
      const how = order === undefined ? '' : ` read as ${DATE_ORDER_NAMES[order]}`;
      return refused(`"${trimmed}" is not a valid date${how}: ${problem}`);
    }
    return accepted({ year, month, day });
  } else return refused(`"${trimmed}" is not a date such as 2024-03-14`);
  const problem = localError({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 });
  return problem === undefined ? accepted({ year, month, day }) : refused(`"${trimmed}" is not a valid date: ${problem}`);
}

/** A source time of day: `22:30`, `22:30:05`, `10:30:05 PM`. */
export function parseSourceTime(text: string): Result<{ hour: number; minute: number; second: number }> {
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(text.trim());
  if (match === null) return refused(`"${text}" is not a time of day such as 22:30:05`);
  let hour = Number(match[1]);
  const meridiem = match[4]?.toUpperCase();
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return refused(`"${text}" is not a valid 12-hour time`);
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  const minute = Number(match[2]);
  const second = match[3] === undefined ? 0 : Number(match[3]);
  if (hour > 23 || minute > 59 || second > 59) return refused(`"${text}" is not a valid time of day`);
  return accepted({ hour, minute, second });
}

/** A date and a time of day read together in a zone (the zone is required: such sources have no offsets). */
export function parseLocalDateAndTime(
  dateText: string,
  timeText: string,
  zone: string | undefined,
  order: DateOrder | undefined,
): Result<number> {
  const date = parseSourceDate(dateText, order);
  if (!date.ok) return date;
  const time = parseSourceTime(timeText);
  if (!time.ok) return time;
  if (zone === undefined) {
    return refused(
      `"${dateText} ${timeText}" has no UTC offset; give --timezone <IANA name> (for example Europe/Berlin) to say where it was recorded`,
    );
  }
  return localToInstant({ ...date.value, ...time.value, millisecond: 0 }, zone);
}
