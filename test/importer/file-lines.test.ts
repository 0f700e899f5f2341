/**
 * Lines of a file with the byte offset each starts at (src/importer/file-lines.ts), which the
 * sync keeps instead of the lines and reads back one at a time: every offset must be exact, also
 * for multi-byte characters and for lines that cross the reader's 1 MiB chunks.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { lineRecords, readLineAt, readLines } from '../../src/importer/file-lines.js';
import { tempDir } from '../../support/app.js';

describe('lineRecords and readLineAt', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('timeport-file-lines-');
  });
  afterEach(() => temp.remove());

  /** Writes the lines, answers what the reader gives and what each offset reads back. */
  const roundTrip = (file: string, lines: string[], trailingNewline: boolean) => {
    fs.writeFileSync(file, lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : ''));
    const records = [...lineRecords(file)];
    const fd = fs.openSync(file, 'r');
    try {
      return { records, readBack: records.map(({ offset }) => readLineAt(fd, offset)) };
    } finally {
      fs.closeSync(fd);
    }
  };
  const expectedOffsets = (lines: string[]) => {
    let offset = 0;
    return lines.map((line) => {
      const at = offset;
      offset += Buffer.byteLength(line) + 1;
      return at;
    });
  };

  it('gives every line with the byte it starts at, and that byte reads the line back', () => {
    const file = path.join(temp.dir, 'lines.ndjson');
    fc.assert(
      fc.property(
        fc.array(
          fc
            .string({ unit: fc.oneof(fc.constantFrom('a', 'é', '€', '😀', '\r', ' '), fc.string({ maxLength: 1 })) })
            .map((text) => text.replaceAll('\n', '')),
          { maxLength: 30 },
        ),
        fc.boolean(),
        (lines, trailingNewline) => {
          // A file "a\n" and a file "a" both hold one line; an empty last line is no line.
          const expected = !trailingNewline && lines.at(-1) === '' ? lines.slice(0, -1) : lines;
          const { records, readBack } = roundTrip(file, lines, trailingNewline);
          assert.deepEqual(
            records.map((record) => record.text),
            expected,
          );
          assert.deepEqual(
            records.map((record) => record.offset),
            expectedOffsets(expected),
          );
          assert.deepEqual(
            records.map((record) => record.bytes),
            expected.map((line) => Buffer.byteLength(line)),
          );
          assert.deepEqual(readBack, expected);
          assert.deepEqual([...readLines(file)], expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps offsets exact across the 1 MiB chunks, with multi-byte characters on the boundaries', () => {
    const file = path.join(temp.dir, 'big.ndjson');
    // Lines of 3-byte characters whose lengths put chunk boundaries inside characters and lines,
    // and one line longer than two chunks.
    const lines = ['x'.repeat((1 << 20) - 2), '€'.repeat(5), '€'.repeat(400_000), 'short', 'é'.repeat(1_500_000), '', '😀 last'];
    const { records, readBack } = roundTrip(file, lines, false);
    assert.deepEqual(
      records.map((record) => record.bytes),
      lines.map((line) => Buffer.byteLength(line)),
    );
    assert.deepEqual(
      records.map((record) => record.offset),
      expectedOffsets(lines),
    );
    assert.ok(records.every((record, index) => record.text === lines[index]));
    assert.ok(readBack.every((text, index) => text === lines[index]));
  });
});
