import { type FieldRefusal, type Result, accepted, checkFields, refused } from './result.js';
import { isRepresentableInstant, parseTrackerTimestamp } from './timestamp.js';
import { type ZoneClock, nextLocalDate, parseLocalDate } from './time-zone.js';

/**
 * The rules of the time-spent report (a Timeport extension): what a period is, which groupings
 * exist, and how a report is written as CSV. No HTTP or SQL here.
 */

export const GROUP_DIMENSIONS = ['user', 'issue', 'queue', 'day', 'week', 'month'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];
export const TIME_DIMENSIONS: readonly GroupDimension[] = ['day', 'week', 'month'];
export const isTimeDimension = (dimension: GroupDimension): dimension is 'day' | 'week' | 'month' => TIME_DIMENSIONS.includes(dimension);

/** Which instant of an entry places it in the period and in days: when the work was done, or when it was logged. */
export type ReportTimeBasis = 'start' | 'createdAt';

/** The most values a filter may list; it keeps the SQL `in (...)` lists bounded. */
export const MAX_FILTER_VALUES = 200;

/**
 * Splits list parameters: `groupBy=user,day` and `groupBy=user&groupBy=day` mean the same.
 * Empty items (`user,,day`, a trailing comma) are refused rather than skipped.
 */
export function splitList(value: string | readonly string[] | undefined): Result<string[]> {
  if (value === undefined) return accepted([]);
  const items = (typeof value === 'string' ? [value] : value).flatMap((part) => part.split(','));
  if (items.some((item) => item.trim() === '')) return refused('has an empty item; separate values with single commas');
  if (items.length > MAX_FILTER_VALUES) return refused(`may list at most ${MAX_FILTER_VALUES} values`);
  return accepted(items.map((item) => item.trim()));
}

/** `groupBy`: known dimensions, each at most once, and at most one of day, week and month. */
export function parseGroupBy(value: string | readonly string[] | undefined): Result<GroupDimension[]> {
  const list = splitList(value);
  if (!list.ok) return list;
  const dimensions: GroupDimension[] = [];
  for (const item of list.value) {
    if (!(GROUP_DIMENSIONS as readonly string[]).includes(item)) {
      return refused(`${JSON.stringify(item)} is not a grouping; use any of ${GROUP_DIMENSIONS.join(', ')}`);
    }
    const dimension = item as GroupDimension;
    if (dimensions.includes(dimension)) return refused(`names ${dimension} twice`);
    dimensions.push(dimension);
  }
  if (dimensions.filter(isTimeDimension).length > 1) return refused('may hold only one of day, week and month');
  return accepted(dimensions);
}

/** A report period: instants from `from` (included) to `to` (excluded). */
export interface Period {
  from: number;
  to: number;
}

/**
 * Reads `from` and `to`. A date (`2025-03-01`) is a whole local day in the report's zone: `from`
 * starts at the beginning of its day, `to` ends at the end of its day, so `from=2025-03-01&to=2025-03-31`
 * is March. A date-time (`2025-03-01T09:00:00+03:00`) is an exact instant: `from` included, `to` excluded.
 */
export function parsePeriod(fromText: string, toText: string, clock: ZoneClock): Result<Period, FieldRefusal> {
  const read = (field: 'from' | 'to', text: string): Result<number> => {
    if (!text.includes('T')) {
      const date = parseLocalDate(text);
      if (!date.ok) return refused(`${date.error}, or a date-time such as 2025-02-18T00:00:00+0300`);
      const instant = clock.startOfDay(field === 'from' ? date.value : nextLocalDate(date.value));
      // The answer names both ends as Tracker date-times: a day whose bound falls outside years
      // 0001 to 9999 in UTC (the last day, or the first in a zone east of UTC) cannot be answered.
      if (!isRepresentableInstant(instant)) {
        return refused(
          `${JSON.stringify(text)} is out of range: the ${field === 'from' ? 'start' : 'end'} of that day in ${clock.zone} falls outside years 0001 to 9999 in UTC`,
        );
      }
      return accepted(instant);
    }
    return parseTrackerTimestamp(text);
  };
  const ends = checkFields({ from: read('from', fromText), to: read('to', toText) });
  if (!ends.ok) return ends;
  const { from, to } = ends.value;
  if (to <= from) return refused({ fieldErrors: { to: 'must be after from (a date in to includes that whole day)' } });
  return accepted({ from, to });
}

/**
 * Text a spreadsheet may run as a formula: one that starts with =, +, -, @ (or their fullwidth
 * forms, which some spreadsheets read as the ASCII ones), possibly after whitespace of any kind
 * (`\s` includes the no-break space U+00A0, and spreadsheets trim it), or with a tab or carriage
 * return.
 */
const FORMULA_START = /^[\s\p{Cc}]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/u;

/**
 * One CSV field. Text that could be run as a formula (FORMULA_START) is prefixed with an
 * apostrophe, the usual guard against CSV injection; an issue summary is free text anyone may write.
 */
export function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Lines of CSV with CRLF endings (RFC 4180). */
export const csvLines = (rows: readonly (readonly (string | number)[])[]): string =>
  rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
