import { createHash, randomBytes } from 'node:crypto';

/** Generated tokens: a recognisable prefix and 256 random bits. */
export const TOKEN_PREFIX = 'tpt_';
export const newToken = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url');

/** Only this hash of a token is stored. SHA-256 suffices: tokens are random, not guessable passwords. */
export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** A token chosen by the operator (TIMEPORT_ADMIN_TOKEN, `org create --token`) must be long enough to be a secret. */
export const MIN_CHOSEN_TOKEN_LENGTH = 16;
const CHOSEN_TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/**
 * A chosen token must hold more entropy than 16 random hexadecimal characters (16 x 4 = 64 bits):
 * "more than 16 characters of entropy" (issue 14), in the plainest characters there are.
 */
export const MIN_CHOSEN_TOKEN_ENTROPY_BITS = 64;

/** Printable ASCII, by class: what a character of each class adds to the alphabet a guesser must try. */
const CHARACTER_CLASSES: readonly { pattern: RegExp; size: number }[] = [
  { pattern: /[a-z]/, size: 26 },
  { pattern: /[A-Z]/, size: 26 },
  { pattern: /[0-9]/, size: 10 },
  { pattern: /[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/, size: 32 },
];

/**
 * An estimate of a chosen token's entropy in bits (docs/decisions.md): the characters that count,
 * times log2 of the alphabet made of the classes the token uses (lower case 26, upper case 26,
 * digits 10, other printable ASCII 32). A character counts unless it repeats the one before it or
 * is the next or previous character after it (`aaaa`, `abcd`, `4321` count once), since people
 * pad tokens that way. An upper bound for tokens a person chose, and close for random ones.
 */
export function chosenTokenEntropyBits(token: string): number {
  const alphabet = CHARACTER_CLASSES.reduce((sum, { pattern, size }) => sum + (pattern.test(token) ? size : 0), 0);
  let counted = 0;
  for (let index = 0; index < token.length; index += 1) {
    const step = index === 0 ? Number.NaN : token.charCodeAt(index) - token.charCodeAt(index - 1);
    if (!(Math.abs(step) <= 1)) counted += 1;
  }
  return alphabet === 0 ? 0 : counted * Math.log2(alphabet);
}

export function chosenTokenError(token: string): string | undefined {
  if (token.length < MIN_CHOSEN_TOKEN_LENGTH) return `a token must be at least ${MIN_CHOSEN_TOKEN_LENGTH} characters long`;
  if (token.length > 256) return 'a token must be at most 256 characters long';
  if (!CHOSEN_TOKEN_PATTERN.test(token)) return 'a token may contain only printable ASCII characters without spaces';
  const bits = chosenTokenEntropyBits(token);
  if (bits <= MIN_CHOSEN_TOKEN_ENTROPY_BITS) {
    return `a token must be harder to guess: it holds about ${Math.floor(bits)} bits of entropy, and more than ${MIN_CHOSEN_TOKEN_ENTROPY_BITS} (16 random hexadecimal characters) are needed; use more characters, mixed classes and no runs such as aaaa or 1234, or leave it unset to get a random token`;
  }
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
