/**
 * How deeply a JSON request body may nest arrays and objects. Tracker's bodies need a handful of
 * levels (a batch entry's `createdBy: {"id": ...}` is 4 deep); every later step that walks a body
 * recursively (schema validation, the U+0000 check, `Idempotency-Key` hashing, JSON.stringify of
 * kept fields) would otherwise overflow the stack on a body such as `[[[[...]]]]` 10,000 deep and
 * answer 500, or store it. So deeper bodies are refused before they are parsed.
 */
export const MAX_JSON_NESTING = 64;

/**
 * Whether JSON text opens more than `limit` arrays or objects inside each other, counted in one
 * pass over the text (brackets inside strings do not count). Malformed text may be misjudged, but
 * it is refused by the parser either way.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index += 1;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      depth += 1;
      if (depth > limit) return true;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth -= 1;
    }
  }
  return false;
}
