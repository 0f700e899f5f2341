import { type FieldRefusal, type Result, accepted, refused } from './result.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from './timestamp.js';

/**
 * The `createdAt` filter of the worklog search (docs/tracker-api.md §Worklogs): an inclusive range,
 * either end optional, in milliseconds since the epoch. Values without a zone are UTC, as in
 * Tracker's example.
 */
export interface CreatedAtRange {
  from?: number;
  to?: number;
}

/** `_search` body form: `{"from": "...", "to": "..."}`. */
export function checkCreatedAtRange(range: { from?: string | undefined; to?: string | undefined }): Result<CreatedAtRange, FieldRefusal> {
  const value: CreatedAtRange = {};
  // Both ends are read: the field's message is that of the ends' order, or else of the last end unreadable.
  let error: string | undefined;
  for (const end of ['from', 'to'] as const) {
    const text = range[end];
    if (text === undefined) continue;
    const instant = parseTrackerTimestamp(text);
    if (instant.ok) value[end] = instant.value;
    else error = `[${end}] ${instant.error}`;
  }
  error = rangeOrderError(value) ?? error;
  return error === undefined ? accepted(value) : refused({ fieldErrors: { createdAt: error } });
}

/**
 * Query form: the parameter repeats, each value prefixed `from:` or `to:`
 * (`createdAt=from:2025-01-01T00:00:00&createdAt=to:2025-02-01T00:00:00`). A space where a zone's
 * `+` belongs is read as `+`: an unencoded `+` in a query string arrives as a space, and no
 * date-time contains one.
 */
export function parseCreatedAtQuery(values: readonly string[]): Result<CreatedAtRange> {
  const range: CreatedAtRange = {};
  for (const raw of values) {
    const match = /^(from|to):(.*)$/.exec(raw);
    if (match === null) {
      return refused(`${JSON.stringify(raw)} must start with from: or to:, for example createdAt=from:2025-02-01T00:00:00.000+0000`);
    }
    const end = match[1] as 'from' | 'to';
    if (range[end] !== undefined) return refused(`createdAt gives ${end}: more than once`);
    const text = match[2]!.replace(/ (\d{2}:?\d{2})$/, '+$1');
    const instant = parseTrackerTimestamp(text);
    if (!instant.ok) return refused(`[${end}] ${instant.error}`);
    range[end] = instant.value;
  }
  const orderError = rangeOrderError(range);
  return orderError === undefined ? accepted(range) : refused(orderError);
}

function rangeOrderError(range: CreatedAtRange): string | undefined {
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    return `from (${formatTrackerTimestamp(range.from)}) is after to (${formatTrackerTimestamp(range.to)})`;
  }
  return undefined;
}
