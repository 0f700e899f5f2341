import { type Result, accepted, refused } from './result.js';

/**
 * Durations as Tracker counts them: on a business calendar where a week is 5 days and a day is
 * 8 hours. Timeport stores whole seconds and answers in the canonical form Tracker answers with.
 */
export const SECONDS_PER_MINUTE = 60;
export const SECONDS_PER_HOUR = 60 * SECONDS_PER_MINUTE;
export const SECONDS_PER_BUSINESS_DAY = 8 * SECONDS_PER_HOUR;
export const SECONDS_PER_BUSINESS_WEEK = 5 * SECONDS_PER_BUSINESS_DAY;

/**
 * The longest single duration accepted: 2^31 - 1 seconds (about 298 business years). It keeps every
 * value a 32-bit integer and sums of millions of entries exact in a JavaScript number.
 */
export const MAX_DURATION_SECONDS = 2 ** 31 - 1;

// ISO 8601 `PnYnMnWnDTnHnMnS`. Tracker itself answers `P1WT20M`, so weeks combine with the rest.
const DURATION_PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

// More digits than this cannot be below the maximum whatever the unit, and would lose precision.
const MAX_DIGITS = 12;

const FORM_HINT = 'expected an ISO 8601 duration such as PT1H30M, P1DT2H or P2W';

/** Parses an ISO 8601 duration into whole seconds on the business calendar. */
export function parseBusinessDuration(text: string): Result<number> {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) {
    const fractional = /^P[\dYMWDTHS]*[.,]\d/.test(text);
    return refused(
      fractional
        ? `${JSON.stringify(text)} has a fractional part; only whole numbers of each unit are accepted (${FORM_HINT})`
        : `${JSON.stringify(text)} is not a valid duration: ${FORM_HINT}`,
    );
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  const parts = [years, months, weeks, days, hours, minutes, seconds];
  if (parts.every((part) => part === undefined) || text.endsWith('T')) {
    return refused(`${JSON.stringify(text)} is not a valid duration: ${FORM_HINT}`);
  }
  if (parts.some((part) => part !== undefined && part.length > MAX_DIGITS)) {
    return refused(`${JSON.stringify(text)} is too long: at most ${MAX_DURATION_SECONDS} seconds are accepted`);
  }
  const count = (part: string | undefined): number => (part === undefined ? 0 : Number(part));
  if (count(years) !== 0 || count(months) !== 0) {
    return refused(
      `${JSON.stringify(text)} uses years or months, which have no fixed length in business time; use weeks (5 days), days (8 hours), hours, minutes and seconds`,
    );
  }
  const total =
    count(weeks) * SECONDS_PER_BUSINESS_WEEK +
    count(days) * SECONDS_PER_BUSINESS_DAY +
    count(hours) * SECONDS_PER_HOUR +
    count(minutes) * SECONDS_PER_MINUTE +
    count(seconds);
  if (total === 0) return refused(`${JSON.stringify(text)} is zero; a duration must be longer than zero`);
  if (total > MAX_DURATION_SECONDS) {
    return refused(`${JSON.stringify(text)} is too long: at most ${MAX_DURATION_SECONDS} seconds are accepted`);
  }
  return accepted(total);
}

/**
 * Writes seconds in Tracker's canonical form: `P[nW][nD][T[nH][nM][nS]]`, largest unit first,
 * zero parts left out (`P5D` → `P1W`, `PT520M` → `P1DT40M`). Zero is `PT0S` (an issue with no time).
 */
export function formatBusinessDuration(totalSeconds: number): string {
  if (!Number.isSafeInteger(totalSeconds) || totalSeconds < 0) {
    throw new RangeError(`a duration is a non-negative whole number of seconds, got ${totalSeconds}`);
  }
  if (totalSeconds === 0) return 'PT0S';
  let rest = totalSeconds;
  const take = (unit: number): number => {
    const n = Math.floor(rest / unit);
    rest -= n * unit;
    return n;
  };
  const weeks = take(SECONDS_PER_BUSINESS_WEEK);
  const days = take(SECONDS_PER_BUSINESS_DAY);
  const hours = take(SECONDS_PER_HOUR);
  const minutes = take(SECONDS_PER_MINUTE);
  const seconds = rest;
  const date = (weeks ? `${weeks}W` : '') + (days ? `${days}D` : '');
  const time = (hours ? `${hours}H` : '') + (minutes ? `${minutes}M` : '') + (seconds ? `${seconds}S` : '');
  return `P${date}${time ? `T${time}` : ''}`;
}

/** Normalises a duration string to its canonical form (`P0Y0M30DT2H10M25S` → `P6WT2H10M25S`). */
export function normaliseBusinessDuration(text: string): Result<string> {
  const result = parseBusinessDuration(text);
  return result.ok ? accepted(formatBusinessDuration(result.value)) : result;
}
