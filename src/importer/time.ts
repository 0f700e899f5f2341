import { daysInMonth } from '../domain/calendar.js';
import { type Result, accepted, refused } from '../domain/result.js';
import { type LocalDate, type LocalDateTime, localToInstant, wallMillis } from '../domain/time-zone.js';

/**
 * Reading the sources' timestamps, dates and times of day. The importer's time-zone contract: a
 * timestamp with an offset is exact; one without needs an IANA zone given by the user
 * (`--timezone Europe/Berlin`, checked by parseTimeZone) and is placed in it by localToInstant; an
 * abbreviation such as `CEST` is refused in a timestamp as it is as a zone. Zone arithmetic lives in
 * src/domain/time-zone.ts, shared with the reports.
 */

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
  if (local.month < 1 || local.month > 12 || local.day < 1 || local.day > daysInMonth(local.year, local.month)) {
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
export function parseSourceDate(text: string, order: DateOrder | undefined): Result<LocalDate> {
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
