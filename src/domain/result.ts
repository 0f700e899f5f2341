/**
 * The outcome of reading or checking untrusted input: the value, or why it was refused. Readers and
 * checks never throw; their caller decides what a refusal becomes (a Problem, a skipped line). A
 * parser refuses with a message (`Result<T>`); a check of several fields refuses with every broken
 * field at once (`Result<T, FieldRefusal>`).
 */
export type Result<T, R = string> = { ok: true; value: T } | { ok: false; error: R };

export const accepted = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const refused = <R = string>(error: R): Result<never, R> => ({ ok: false, error });

/** A message per field of a request, by the field's name. */
export type FieldErrors = Record<string, string>;

/** Why a request's fields were refused: each broken field's message, and messages that belong to no one field. */
export interface FieldRefusal {
  fieldErrors: FieldErrors;
  messages?: string[];
}

/** A rule that names what it found wrong (or `undefined`), as a result. */
export const ruleResult = (error: string | undefined): Result<undefined> => (error === undefined ? accepted(undefined) : refused(error));

/** The next step on an accepted value; a refusal passes through. */
export const andThen = <T, U, R>(result: Result<T, R>, next: (value: T) => Result<U, R>): Result<U, R> =>
  result.ok ? next(result.value) : result;

type FieldValues<C> = { [K in keyof C]: C[K] extends Result<infer T> ? T : never };

/** Every field's check at once: all the values by field, or the message of each field that failed, in the checks' order. */
export function checkFields<C extends Record<string, Result<unknown>>>(checks: C): Result<FieldValues<C>, FieldRefusal> {
  const fieldErrors: FieldErrors = {};
  const values: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(checks)) {
    if (check.ok) values[field] = check.value;
    else fieldErrors[field] = check.error;
  }
  // The keys are the checks' keys, each holding its check's value.
  return Object.keys(fieldErrors).length > 0 ? refused({ fieldErrors }) : accepted(values as FieldValues<C>);
}

type CheckedValues<C> = { [K in keyof C]: C[K] extends Result<infer T, FieldRefusal> ? T : never };

/**
 * Several checks of one request together: each one's value, or every refusal's fields and messages
 * at once (a field refused twice keeps the later message, in the first one's place).
 */
export function allChecks<C extends readonly Result<unknown, FieldRefusal>[]>(...checks: C): Result<CheckedValues<C>, FieldRefusal> {
  const failed = checks.flatMap((check) => (check.ok ? [] : [check.error]));
  // Every check passed here, so the list holds each one's value, in the checks' order.
  if (failed.length === 0) return accepted(checks.map((check) => (check.ok ? check.value : undefined)) as CheckedValues<C>);
  const messages = failed.flatMap((refusal) => refusal.messages ?? []);
  const fieldErrors = Object.assign({}, ...failed.map((refusal) => refusal.fieldErrors)) as FieldErrors;
  return refused(messages.length > 0 ? { fieldErrors, messages } : { fieldErrors });
}
