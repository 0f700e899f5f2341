/** The outcome of parsing untrusted input: a value, or a message for the user. Parsers never throw. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const parsed = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const refused = <T = never>(error: string): Parsed<T> => ({ ok: false, error });
