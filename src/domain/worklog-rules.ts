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

/** A checked request: its values, or every field error (and, rarely, a problem with no one field). */
export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors; general?: string[] };

/**
 * The import rules (docs/tracker-api.md §Worklog import, §Open questions): the duration and both
 * instants must parse, the duration must be positive, and `createdAt` must lie in the issue's
 * lifetime (both ends inclusive, to the millisecond) and not in the future. Every broken rule is
 * reported at once.
 */
export function checkWorklogImport(fields: WorklogImportFields, issue: IssueLifetime, now: number): Checked<CheckedWorklogImport> {
  const errors: FieldErrors = {};
  const durationSeconds = checkDuration(fields.duration, errors);
  const start = checkInstant('start', fields.start, errors);
  const createdAt = checkInstant('createdAt', fields.createdAt, errors);
  if (createdAt !== undefined) {
    const windowError = createdAtWindowError(createdAt, issue, now);
    if (windowError !== undefined) errors.createdAt = windowError;
  }
  checkComment(fields.comment, errors);
  if (durationSeconds === undefined || start === undefined || createdAt === undefined || Object.keys(errors).length > 0) {
    return { ok: false, errors };
  }
  return { ok: true, value: { durationSeconds, createdAt, start, comment: fields.comment ?? null } };
}

/**
 * `POST /v3/issues/<key>/worklog` (docs/tracker-api.md §Worklogs): `start` and `duration` as for
 * the import, an optional comment. The official client sends `"comment": null` when it has none.
 */
export interface WorklogCreateFields {
  start: string;
  duration: string;
  comment?: string | null | undefined;
}

export interface CheckedWorklogCreate {
  durationSeconds: number;
  start: number;
  comment: string | null;
}

/** The create rules: the same duration, date-time and comment rules as the import; `start` is any valid date-time. */
export function checkWorklogCreate(fields: WorklogCreateFields): Checked<CheckedWorklogCreate> {
  const errors: FieldErrors = {};
  const durationSeconds = checkDuration(fields.duration, errors);
  const start = checkInstant('start', fields.start, errors);
  checkComment(fields.comment ?? undefined, errors);
  if (durationSeconds === undefined || start === undefined || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { durationSeconds, start, comment: fields.comment ?? null } };
}

/** `PATCH /v3/issues/<key>/worklog/<id>` (docs/tracker-api.md §Worklogs): only the fields sent change; `comment: null` removes it. */
export interface WorklogEditFields {
  duration?: string | undefined;
  start?: string | undefined;
  comment?: string | null | undefined;
}

/** What an edit changes; an absent property is left as it is. */
export interface CheckedWorklogEdit {
  durationSeconds?: number;
  start?: number;
  comment?: string | null;
}

export const EDITABLE_WORKLOG_FIELDS = ['duration', 'comment', 'start'] as const;

/** The edit rules: at least one field, each one checked as on create. */
export function checkWorklogEdit(fields: WorklogEditFields): Checked<CheckedWorklogEdit> {
  const errors: FieldErrors = {};
  const value: CheckedWorklogEdit = {};
  if (fields.duration === undefined && fields.start === undefined && fields.comment === undefined) {
    return { ok: false, errors: {}, general: [`Send at least one of ${EDITABLE_WORKLOG_FIELDS.join(', ')} to change.`] };
  }
  if (fields.duration !== undefined) {
    const durationSeconds = checkDuration(fields.duration, errors);
    if (durationSeconds !== undefined) value.durationSeconds = durationSeconds;
  }
  if (fields.start !== undefined) {
    const start = checkInstant('start', fields.start, errors);
    if (start !== undefined) value.start = start;
  }
  if (fields.comment !== undefined) {
    checkComment(fields.comment ?? undefined, errors);
    value.comment = fields.comment;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value };
}

function checkDuration(text: string, errors: FieldErrors): number | undefined {
  const duration = parseBusinessDuration(text);
  if (duration.ok) return duration.value;
  errors.duration = duration.error;
  return undefined;
}

function checkInstant(field: string, text: string, errors: FieldErrors): number | undefined {
  const instant = parseTrackerTimestamp(text);
  if (instant.ok) return instant.value;
  errors[field] = instant.error;
  return undefined;
}

function checkComment(comment: string | undefined, errors: FieldErrors): void {
  if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) {
    errors.comment = `is ${comment.length} characters long; at most ${MAX_COMMENT_LENGTH} are accepted`;
  }
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
