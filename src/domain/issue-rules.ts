import { MAX_DURATION_SECONDS } from './duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from './timestamp.js';
import type { Checked, FieldErrors } from './worklog-rules.js';

export const MAX_SUMMARY_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 512_000;

/** The instants of an issue import as sent; the pairs go together (docs/tracker-api.md §Issue import). */
export interface IssueImportTimes {
  createdAt: string;
  updatedAt?: string | undefined;
  updatedBy?: unknown;
  resolvedAt?: string | undefined;
  resolvedBy?: unknown;
  resolution?: unknown;
}

export interface CheckedIssueTimes {
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
}

/**
 * `createdAt` no later than now; `updatedAt` only with `updatedBy`, between creation and now;
 * `resolvedAt`, `resolvedBy` and `resolution` only all three, between creation and the last update.
 * Without `updatedAt` the issue was last updated when it was created.
 */
export function checkIssueImportTimes(times: IssueImportTimes, now: number): Checked<CheckedIssueTimes> {
  const errors: FieldErrors = {};
  const createdAt = parseInstant('createdAt', times.createdAt, errors);
  if (createdAt !== undefined && createdAt > now) errors.createdAt = `${formatTrackerTimestamp(createdAt)} is in the future`;

  if ((times.updatedAt === undefined) !== (times.updatedBy === undefined)) {
    errors[times.updatedAt === undefined ? 'updatedAt' : 'updatedBy'] = 'updatedAt and updatedBy are given together or not at all';
  }
  const updatedAt = times.updatedAt === undefined ? createdAt : parseInstant('updatedAt', times.updatedAt, errors);
  if (times.updatedAt !== undefined && updatedAt !== undefined && createdAt !== undefined && errors.updatedAt === undefined) {
    if (updatedAt < createdAt || updatedAt > now) {
      errors.updatedAt = `${formatTrackerTimestamp(updatedAt)} must lie between the issue's creation (${formatTrackerTimestamp(createdAt)}) and now`;
    }
  }

  const resolvedParts = [times.resolvedAt, times.resolvedBy, times.resolution];
  const resolvedGiven = resolvedParts.filter((part) => part !== undefined).length;
  if (resolvedGiven !== 0 && resolvedGiven !== 3) {
    const missing = (['resolvedAt', 'resolvedBy', 'resolution'] as const).find((_, i) => resolvedParts[i] === undefined)!;
    errors[missing] = 'resolvedAt, resolvedBy and resolution are given all three together or not at all';
  }
  let resolvedAt: number | null = null;
  if (times.resolvedAt !== undefined) {
    const parsedResolvedAt = parseInstant('resolvedAt', times.resolvedAt, errors);
    if (parsedResolvedAt !== undefined && createdAt !== undefined && updatedAt !== undefined) {
      if (parsedResolvedAt < createdAt || parsedResolvedAt > updatedAt) {
        errors.resolvedAt = `${formatTrackerTimestamp(parsedResolvedAt)} must lie between the issue's creation (${formatTrackerTimestamp(createdAt)}) and its last update (${formatTrackerTimestamp(updatedAt)})`;
      }
    }
    resolvedAt = parsedResolvedAt ?? null;
  }
  if (Object.keys(errors).length > 0 || createdAt === undefined || updatedAt === undefined) return { ok: false, errors };
  return { ok: true, value: { createdAt, updatedAt, resolvedAt } };
}

function parseInstant(field: string, text: string, errors: FieldErrors): number | undefined {
  const result = parseTrackerTimestamp(text);
  if (result.ok) return result.value;
  errors[field] = result.error;
  return undefined;
}

const CALENDAR_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Checks a Tracker date-only field (`deadline`, `start`, `end`): `YYYY-MM-DD`, a real day. */
export function calendarDateError(text: string): string | undefined {
  const match = CALENDAR_DATE_PATTERN.exec(text);
  // Years 0001 to 9999, as for date-times (timestamp.ts): year 0000 does not exist in Tracker's calendar.
  if (match !== null && Number(match[1]) >= 1) {
    const date = new Date(0);
    date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    if (date.toISOString().slice(0, 10) === text) return undefined;
  }
  return `${JSON.stringify(text)} is not a valid date: expected YYYY-MM-DD, for example 2025-02-18`;
}

/**
 * Issue import sends estimations in milliseconds (docs/tracker-api.md §Issue import); Timeport
 * keeps whole seconds and refuses what it would have to round.
 */
export function estimationMillisError(millis: number): string | undefined {
  if (!Number.isSafeInteger(millis) || millis <= 0) return 'must be a positive whole number of milliseconds';
  if (millis % 1000 !== 0) return `${millis} ms is not a whole number of seconds; Timeport keeps durations in seconds and does not round`;
  if (millis / 1000 > MAX_DURATION_SECONDS) return `is too long: at most ${MAX_DURATION_SECONDS * 1000} ms are accepted`;
  return undefined;
}
