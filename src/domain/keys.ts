/** Queue keys, issue keys and logins: what they may look like. */

/** Tracker queue keys are Latin capitals; Timeport also allows digits after the first letter. */
export const QUEUE_KEY_PATTERN = /^[A-Z][A-Z0-9]{0,14}$/;
export const QUEUE_KEY_RULE = 'a queue key is 1 to 15 capital Latin letters or digits, starting with a letter';

const ISSUE_KEY_PATTERN = /^([A-Za-z][A-Za-z0-9]{0,14})-([1-9]\d{0,9})$/;

/** The highest issue number a key can carry (ten digits, ISSUE_KEY_PATTERN). */
export const MAX_ISSUE_NUMBER = 9_999_999_999;

/** Splits `QUEUE-12` into its queue key and number. Keys are matched without regard to case. */
export function parseIssueKey(text: string): { queueKey: string; number: number } | undefined {
  const match = ISSUE_KEY_PATTERN.exec(text);
  if (match === null) return undefined;
  return { queueKey: asciiUpperCase(match[1]!), number: Number(match[2]) };
}

export const issueKey = (queueKey: string, number: number): string => `${queueKey}-${number}`;

/** Issue ids are 24 hex digits, like Tracker's. */
export const ISSUE_ID_PATTERN = /^[0-9a-f]{24}$/;

/** Organization ids (and the cloud organization ids clients send). */
export const ORG_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ORG_ID_RULE = 'an organization id is 1 to 64 Latin letters, digits, dots, hyphens or underscores';

export const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const LOGIN_RULE = 'a login is 1 to 64 Latin letters, digits, dots, hyphens or underscores, starting with a letter or digit';

/**
 * The form that makes logins unique and lets them be found without regard to case. Only A-Z are
 * folded: `toLowerCase()` maps some characters outside ASCII into it (the Kelvin sign U+212A to
 * `k`, U+0130 to `i` and a combining dot), so a lookup for `\u212aate` would find `kate`.
 */
export const loginKey = (login: string): string => login.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** Queue and issue keys without regard to case, by the same rule: only a-z are folded (`ı` and `ß` stay). */
export const asciiUpperCase = (text: string): string => text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());

/**
 * A reference written in digits names a numeric id (a uid, a queue id) rather than a login or a key.
 * At most 15 digits: every such id is a safe integer, and longer digit strings are no id at all.
 */
export const NUMERIC_ID_PATTERN = /^\d{1,15}$/;
export const isNumericId = (text: string): boolean => NUMERIC_ID_PATTERN.test(text);
