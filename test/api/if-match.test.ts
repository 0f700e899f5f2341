/** `If-Match` read into a version precondition (src/api/if-match.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseIfMatch } from '../../src/api/if-match.js';
import { requiredVersion } from '../../src/domain/preconditions.js';
import { expectParsed, expectRefused } from '../domain/helpers.js';

describe('parseIfMatch', () => {
  it('reads the quoted version the official client sends, a bare one, and *', () => {
    assert.equal(expectParsed(parseIfMatch(undefined)), undefined);
    assert.deepEqual(expectParsed(parseIfMatch('"3"')), { kind: 'version', version: 3 });
    assert.deepEqual(expectParsed(parseIfMatch(' 12 ')), { kind: 'version', version: 12 });
    assert.deepEqual(expectParsed(parseIfMatch('*')), { kind: 'any' });
    assert.equal(requiredVersion(expectParsed(parseIfMatch('*'))), undefined);
    assert.equal(requiredVersion(expectParsed(parseIfMatch('"7"'))), 7);
  });

  it('refuses what is not a version', () => {
    for (const header of ['', '""', '"0"', '"-1"', 'W/"1"', '"1", "2"', '"a"', '1.0', '"9007199254740992"', '"12345678901234567"'])
      expectRefused(parseIfMatch(header), header);
  });

  it('reads back every version it is given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (version) => {
        assert.deepEqual(expectParsed(parseIfMatch(`"${version}"`)), { kind: 'version', version });
      }),
    );
  });
});
