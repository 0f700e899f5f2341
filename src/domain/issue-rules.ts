import { MAX_DURATION_SECONDS } from './duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from './timestamp.js';
import { type FieldRefusal, type Result, accepted, andThen, checkFields, refused } from './result.js';

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
export function checkIssueImportTimes(times: IssueImportTimes, now: number): Result<CheckedIssueTimes, FieldRefusal> {
  const createdAt = parseTrackerTimestamp(times.createdAt);
  const created = createdAt.ok ? createdAt.value : undefined;
  // Without updatedAt the issue was last updated when it was created (the resolution's window ends there).
  const updatedAt = times.updatedAt === undefined ? createdAt : parseTrackerTimestamp(times.updatedAt);
  const lastUpdate = updatedAt.ok ? updatedAt.value : undefined;
  const updatedPair = (times.updatedAt === undefined) === (times.updatedBy === undefined);
  const resolvedParts = [times.resolvedAt, times.resolvedBy, times.resolution];
  const resolvedGiven = resolvedParts.filter((part) => part !== undefined).length;
  const missingResolved =
    resolvedGiven === 0 || resolvedGiven === 3
      ? undefined
      : (['resolvedAt', 'resolvedBy', 'resolution'] as const).find((_, i) => resolvedParts[i] === undefined);
  const trioRule = (field: string): Result<undefined> =>
    field === missingResolved
      ? refused('resolvedAt, resolvedBy and resolution are given all three together or not at all')
      : accepted(undefined);
  const PAIR_MESSAGE = 'updatedAt and updatedBy are given together or not at all';

  const checked = checkFields({
    createdAt: andThen(createdAt, (instant) =>
      instant > now ? refused(`${formatTrackerTimestamp(instant)} is in the future`) : accepted(instant),
    ),
    updatedBy: updatedPair || times.updatedAt === undefined ? accepted(undefined) : refused(PAIR_MESSAGE),
    // Not given: the creation (below).
    updatedAt:
      times.updatedAt === undefined
        ? updatedPair
          ? accepted(undefined)
          : refused(PAIR_MESSAGE)
        : andThen(updatedAt, (instant): Result<number | undefined> =>
            created !== undefined && (instant < created || instant > now)
              ? refused(
                  `${formatTrackerTimestamp(instant)} must lie between the issue's creation (${formatTrackerTimestamp(created)}) and now`,
                )
              : accepted(instant),
          ),
    resolvedBy: trioRule('resolvedBy'),
    resolution: trioRule('resolution'),
    resolvedAt:
      times.resolvedAt === undefined
        ? andThen(trioRule('resolvedAt'), () => accepted(null))
        : andThen(parseTrackerTimestamp(times.resolvedAt), (instant): Result<number | null> =>
            created !== undefined && lastUpdate !== undefined && (instant < created || instant > lastUpdate)
              ? refused(
                  `${formatTrackerTimestamp(instant)} must lie between the issue's creation (${formatTrackerTimestamp(created)}) and its last update (${formatTrackerTimestamp(lastUpdate)})`,
                )
              : accepted(instant),
          ),
  });
  if (!checked.ok) return checked;
  const { createdAt: checkedCreatedAt, updatedAt: checkedUpdatedAt, resolvedAt } = checked.value;
  return accepted({ createdAt: checkedCreatedAt, updatedAt: checkedUpdatedAt ?? checkedCreatedAt, resolvedAt });
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
