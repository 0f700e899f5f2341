import { parseBusinessDuration } from './duration.js';
import { type FieldRefusal, type Result, accepted, andThen, checkFields, refused, ruleResult } from './result.js';
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

/**
 * The import rules (docs/tracker-api.md §Worklog import, §Open questions): the duration and both
 * instants must parse, the duration must be positive, and `createdAt` must lie in the issue's
 * lifetime (both ends inclusive, to the millisecond) and not in the future. Every broken rule is
 * reported at once.
 */
export function checkWorklogImport(
  fields: WorklogImportFields,
  issue: IssueLifetime,
  now: number,
): Result<CheckedWorklogImport, FieldRefusal> {
  const checked = checkFields({
    duration: parseBusinessDuration(fields.duration),
    start: parseTrackerTimestamp(fields.start),
    createdAt: andThen(parseTrackerTimestamp(fields.createdAt), (createdAt) => createdAtInWindow(createdAt, issue, now)),
    comment: commentRule(fields.comment),
  });
  if (!checked.ok) return checked;
  const { duration, start, createdAt } = checked.value;
  return accepted({ durationSeconds: duration, createdAt, start, comment: fields.comment ?? null });
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
export function checkWorklogCreate(fields: WorklogCreateFields): Result<CheckedWorklogCreate, FieldRefusal> {
  const checked = checkFields({
    duration: parseBusinessDuration(fields.duration),
    start: parseTrackerTimestamp(fields.start),
    comment: commentRule(fields.comment ?? undefined),
  });
  if (!checked.ok) return checked;
  return accepted({ durationSeconds: checked.value.duration, start: checked.value.start, comment: fields.comment ?? null });
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
export function checkWorklogEdit(fields: WorklogEditFields): Result<CheckedWorklogEdit, FieldRefusal> {
  if (fields.duration === undefined && fields.start === undefined && fields.comment === undefined) {
    return refused({ fieldErrors: {}, messages: [`Send at least one of ${EDITABLE_WORKLOG_FIELDS.join(', ')} to change.`] });
  }
  const checked = checkFields({
    duration: fields.duration === undefined ? accepted(undefined) : parseBusinessDuration(fields.duration),
    start: fields.start === undefined ? accepted(undefined) : parseTrackerTimestamp(fields.start),
    comment: commentRule(fields.comment ?? undefined),
  });
  if (!checked.ok) return checked;
  const value: CheckedWorklogEdit = {};
  if (checked.value.duration !== undefined) value.durationSeconds = checked.value.duration;
  if (checked.value.start !== undefined) value.start = checked.value.start;
  if (fields.comment !== undefined) value.comment = fields.comment;
  return accepted(value);
}

const commentRule = (comment: string | undefined): Result<undefined> =>
  ruleResult(
    comment !== undefined && comment.length > MAX_COMMENT_LENGTH
      ? `is ${comment.length} characters long; at most ${MAX_COMMENT_LENGTH} are accepted`
      : undefined,
  );

function createdAtInWindow(createdAt: number, issue: IssueLifetime, now: number): Result<number> {
  if (createdAt > now) return refused(`${formatTrackerTimestamp(createdAt)} is in the future`);
  if (createdAt < issue.createdAt || createdAt > issue.updatedAt) {
    return refused(
      `${formatTrackerTimestamp(createdAt)} is outside the issue's lifetime: it must lie between its creation ` +
        `(${formatTrackerTimestamp(issue.createdAt)}) and its last update (${formatTrackerTimestamp(issue.updatedAt)}), both included`,
    );
  }
  return accepted(createdAt);
}
