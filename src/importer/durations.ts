import { type Result, accepted, refused } from '../domain/result.js';

/**
 * Source durations to whole seconds, exactly (docs/peer-importers.md, pain point 5). Decimal hours
 * are read as decimal fractions, never through floating point (1.6833 h is not 6059.988 s rounded
 * somewhere); a value that is not a whole number of seconds is refused unless the user allows
 * rounding, and then every rounding is counted and shown.
 */

export interface DurationSettings {
  /** Hours in the source's "day" (Jira's `workingHoursPerDay`, 7 or 7.5 on many sites). */
  hoursPerDay: number;
  /** Days in the source's "week". */
  daysPerWeek: number;
  /** Round decimal hours that are not whole seconds to the nearest second (counted in the preflight). */
  roundToSecond: boolean;
  /** Read `1,5` as 1.5 (sources written with a decimal comma). */
  decimalComma: boolean;
}

export const DEFAULT_DURATION_SETTINGS: DurationSettings = { hoursPerDay: 8, daysPerWeek: 5, roundToSecond: false, decimalComma: false };

export interface SecondsValue {
  seconds: number;
  /** Set when the value was rounded: the exact value, for the preflight. */
  roundedFrom?: string;
}

/** `1.5`, `0.25`, `7` hours → seconds, exactly. */
export function secondsFromDecimalHours(text: string, settings: DurationSettings): Result<SecondsValue> {
  let value = text.trim();
  if (settings.decimalComma) value = value.replace(',', '.');
  else if (/^\d+,\d+$/.test(value))
    return refused(`"${text}" uses a decimal comma; give --decimal-comma to read it as ${value.replace(',', '.')}`);
  const match = /^(\d{1,9})(?:\.(\d{1,12}))?$/.exec(value);
  if (match === null) return refused(`"${text}" is not a number of hours such as 1.5`);
  const fraction = match[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaledSeconds = (BigInt(match[1]!) * scale + BigInt(fraction || '0')) * 3600n;
  if (scaledSeconds % scale === 0n) return positive(Number(scaledSeconds / scale), text);
  const exact = `${Number(scaledSeconds) / Number(scale)}`;
  if (!settings.roundToSecond) {
    return refused(
      `${text} h is ${exact} s, not a whole number of seconds; nothing is rounded silently: give --round-to-second to round it`,
    );
  }
  const rounded = Number((scaledSeconds * 2n + scale) / (2n * scale));
  const result = positive(rounded, text);
  return result.ok ? accepted({ ...result.value, roundedFrom: `${text} h = ${exact} s` }) : result;
}

/** `1:30`, `01:41:05`, `27:00` (hours may pass 24) → seconds. */
export function secondsFromClock(text: string): Result<SecondsValue> {
  const match = /^(\d{1,6}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (match === null) return refused(`"${text}" is not a duration such as 1:30 or 01:30:05`);
  const minutes = Number(match[2]);
  const seconds = match[3] === undefined ? 0 : Number(match[3]);
  if (minutes > 59 || seconds > 59) return refused(`"${text}" is not a valid h:mm:ss duration`);
  return positive(Number(match[1]) * 3600 + minutes * 60 + seconds, text);
}

/** Whole seconds given as a number or a string of digits. */
export function secondsFromInteger(value: unknown): Result<SecondsValue> {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number))
    return refused(`${JSON.stringify(value)} is not a whole number of seconds`);
  return positive(number, String(value));
}

/**
 * Jira's "pretty" durations, `1w 2d 3h 20m 10s`, with the source's own day and week lengths
 * (`--source-hours-per-day`): Jira's "1d" is whatever the site configured, Tracker's is 8 h.
 */
export function secondsFromJiraPretty(text: string, settings: DurationSettings): Result<SecondsValue> {
  const parts = text.trim().split(/\s+/);
  const dayMs = Math.round(settings.hoursPerDay * 3600 * 1000);
  if (dayMs % 1000 !== 0) return refused(`--source-hours-per-day ${settings.hoursPerDay} is not a whole number of seconds`);
  const unit: Record<string, number> = { w: (dayMs / 1000) * settings.daysPerWeek, d: dayMs / 1000, h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const part of parts) {
    const match = /^(\d+)([wdhms])$/.exec(part);
    if (match === null) return refused(`"${text}" is not a Jira duration such as 1d 2h 30m`);
    total += Number(match[1]) * unit[match[2]!]!;
  }
  if (!Number.isSafeInteger(total)) return refused(`"${text}" is not a whole number of seconds with ${settings.daysPerWeek}-day weeks`);
  return positive(total, text);
}

function positive(seconds: number, text: string): Result<SecondsValue> {
  if (seconds <= 0) return refused(`"${text}" is zero; Tracker keeps only durations longer than zero`);
  if (seconds > 2 ** 31 - 1) return refused(`"${text}" is longer than Tracker accepts`);
  return accepted({ seconds });
}

/** A short human form for messages: `1 h 41 min 5 s`. */
export function describeSeconds(total: number): string {
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const parts = [hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', seconds || (!hours && !minutes) ? `${seconds} s` : ''].filter(
    Boolean,
  );
  return sign + parts.join(' ');
}
