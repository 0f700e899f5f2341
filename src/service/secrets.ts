import { createHash, randomBytes } from 'node:crypto';

/** Generated tokens: a recognisable prefix and 256 random bits. */
export const TOKEN_PREFIX = 'tpt_';
export const newToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

/** Only this hash of a token is stored. SHA-256 suffices: tokens are random, not guessable passwords. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A token chosen by the operator (TIMEPORT_ADMIN_TOKEN, --token) must be long enough to be a secret. */
export const MIN_CHOSEN_TOKEN_LENGTH = 16;
const CHOSEN_TOKEN_PATTERN = /^[\x21-\x7e]+$/;

export function chosenTokenError(token: string): string | undefined {
  if (token.length < MIN_CHOSEN_TOKEN_LENGTH) return `a token must be at least ${MIN_CHOSEN_TOKEN_LENGTH} characters long`;
  if (token.length > 256) return 'a token must be at most 256 characters long';
  if (!CHOSEN_TOKEN_PATTERN.test(token)) return 'a token may contain only printable ASCII characters without spaces';
  return undefined;
}

/** Tracker issue ids look like MongoDB ObjectIds: 4 bytes of seconds, then 8 random bytes. */
export function newIssueId(nowMs: number): string {
  const seconds = Math.floor(nowMs / 1000) >>> 0;
  return seconds.toString(16).padStart(8, '0') + randomBytes(8).toString('hex');
}

/** Users' cloud ids, shaped like Yandex Cloud's: `aj` and 18 lowercase letters or digits. */
export function newCloudUid(): string {
  const alphabet = 'abcdefghijklmnopqrstuv0123456789';
  return 'aj' + Array.from(randomBytes(18), (byte) => alphabet[byte % 32]).join('');
}
