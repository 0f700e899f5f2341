import type { FieldRefusal } from './result.js';

/**
 * What can go wrong, in the domain's words. The API layer alone maps each kind to a status code and
 * Tracker's error body (api/plugins/errors.ts); the CLI prints the messages.
 */
export type ProblemKind =
  | 'malformed' // the request cannot be read as asked (its syntax, or parameters outside the fields it writes)
  | 'unauthenticated' // no token, or one that is unknown or revoked
  | 'forbidden' // a known caller without the right, or an organization that is not theirs
  | 'not_found'
  | 'conflict' // a unique key already taken, or a request that cannot be repeated
  | 'stale_version' // the caller's version of the object is no longer the current one
  | 'invalid'; // a field that is missing, unknown, mistyped or breaks a rule

export class Problem extends Error {
  constructor(
    readonly kind: ProblemKind,
    /** General messages, shown as Tracker's `errorMessages`. */
    readonly messages: string[],
    /** Problems with named body fields, shown as Tracker's `errors`. */
    readonly fieldErrors: Record<string, string> = {},
  ) {
    super([...messages, ...Object.entries(fieldErrors).map(([field, text]) => `${field}: ${text}`)].join('; '));
    this.name = 'Problem';
  }
}

/** Tracker's general message beside the field errors of a request it refuses as invalid. */
export const INVALID_FIELDS_MESSAGE = 'The request has invalid fields.';

/** What a refused check becomes: its field errors, with its own messages or else the general one of invalid fields. */
export const refusalProblem = (refusal: FieldRefusal, kind: ProblemKind = 'invalid'): Problem =>
  new Problem(kind, refusal.messages ?? [INVALID_FIELDS_MESSAGE], refusal.fieldErrors);

export const invalidFields = (fieldErrors: Record<string, string>): Problem => refusalProblem({ fieldErrors });

export const invalidField = (field: string, message: string): Problem => invalidFields({ [field]: message });

export const notFound = (message: string): Problem => new Problem('not_found', [message]);

export const forbidden = (message: string): Problem => new Problem('forbidden', [message]);

export const conflict = (message: string, fieldErrors: Record<string, string> = {}): Problem =>
  new Problem('conflict', [message], fieldErrors);

export const ORGANIZATION_UNAVAILABLE = 'Organization is not available, not ready or not found';

export const malformed = (messages: string[], fieldErrors: Record<string, string> = {}): Problem =>
  new Problem('malformed', messages, fieldErrors);

export const staleVersion = (message: string): Problem => new Problem('stale_version', [message]);
