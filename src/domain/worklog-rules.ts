import { parseBusinessDuration } from './duration.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from './timestamp.js';

/** What an issue contributes to the import rules: its lifetime. */
export interface IssueLifetime {
  createdAt: number;
  updatedAt: number;
}

/** The import body's fields after the schema has checked their JSON types. */
export interface WorklogImportFields {
  duration: string;
  createdAt: string;
  start: string;
  comment?: string | undefined;
}

export interface CheckedWorklogImport {
  durationSeconds: number;
  createdAt: number;
  start: number;
  comment: string | null;
}

/** Tracker keeps comments up to this length elsewhere (issue comments); worklog comments follow it. */
export const MAX_COMMENT_LENGTH = 512_000;

export type FieldErrors = Record<string, string>;

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/**
 * The import rules of the spec and notes §1, §10: the duration and both instants must parse, the
 * duration must be positive, and `createdAt` must lie in the issue's lifetime (both ends
 * inclusive, to the millisecond) and not in the future. Every broken rule is reported at once.
 */
export function checkWorklogImport(fields: WorklogImportFields, issue: IssueLifetime, now: number): Checked<CheckedWorklogImport> {
  const errors: FieldErrors = {};
  const duration = parseBusinessDuration(fields.duration);
  if (!duration.ok) errors.duration = duration.error;
  const start = parseTrackerTimestamp(fields.start);
  if (!start.ok) errors.start = start.error;
  const createdAt = parseTrackerTimestamp(fields.createdAt);
  if (!createdAt.ok) {
    errors.createdAt = createdAt.error;
  } else {
    const windowError = createdAtWindowError(createdAt.value, issue, now);
    if (windowError !== undefined) errors.createdAt = windowError;
  }
  if (fields.comment !== undefined && fields.comment.length > MAX_COMMENT_LENGTH) {
    errors.comment = `is ${fields.comment.length} characters long; at most ${MAX_COMMENT_LENGTH} are accepted`;
  }
  if (!duration.ok || !start.ok || !createdAt.ok || Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: {
      durationSeconds: duration.value,
      createdAt: createdAt.value,
      start: start.value,
      comment: fields.comment ?? null,
    },
  };
}

function createdAtWindowError(createdAt: number, issue: IssueLifetime, now: number): string | undefined {
  if (createdAt > now) return `${formatTrackerTimestamp(createdAt)} is in the future`;
  if (createdAt < issue.createdAt || createdAt > issue.updatedAt) {
    return (
      `${formatTrackerTimestamp(createdAt)} is outside the issue's lifetime: it must lie between its creation ` +
      `(${formatTrackerTimestamp(issue.createdAt)}) and its last update (${formatTrackerTimestamp(issue.updatedAt)}), both included`
    );
  }
  return undefined;
}
