import { type Result, accepted, refused } from '../domain/result.js';
import type { VersionPrecondition } from '../domain/preconditions.js';

/**
 * `If-Match` as the official client sends it on PATCH: the object's `version`, quoted
 * (`If-Match: "3"`, docs/tracker-api.md §Official client, 2 and 6.4). `*` matches any version; a
 * bare number is accepted too, since clients that build the header by hand often leave the quotes
 * out.
 */
const IF_MATCH_PATTERN = /^(?:"([1-9]\d{0,15})"|([1-9]\d{0,15}))$/;

/** Parses an `If-Match` header into a precondition; undefined when it is absent. */
export function parseIfMatch(header: string | undefined): Result<VersionPrecondition | undefined> {
  if (header === undefined) return accepted(undefined);
  const text = header.trim();
  if (text === '*') return accepted({ kind: 'any' });
  const match = IF_MATCH_PATTERN.exec(text);
  if (match === null || !Number.isSafeInteger(Number(match[1] ?? match[2]))) {
    return refused(`${JSON.stringify(header)} is not a version: send the object's version in quotes, for example If-Match: "3"`);
  }
  return accepted({ kind: 'version', version: Number(match[1] ?? match[2]) });
}
