/**
 * Records read again from their place in the file (src/importer/readers.ts, `recordsAt`), which
 * `timeport import` sorts by instead of the records (docs/decisions.md, "Shuffled imports sorted
 * by reference"): any CSV or NDJSON file, read again record by record in any order and any
 * grouping, gives exactly the records the streaming reader gave.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { type RawRecord, readRecords, recordsAt } from '../../src/importer/readers.js';
import { tempDir } from '../../support/app.js';
import { collect, shuffled } from './helpers.js';

/** Text for a field: delimiters, quotes, line ends and multi-byte characters included. */
const fieldText = fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', ',', ';', '"', '\n', '\r\n', 'é', '€', '😀'), maxLength: 12 });

const quoted = (text: string, delimiter: string): string =>
  /[",;\r\n]/.test(text) || text.includes(delimiter) || text.trim() !== text || text === '' ? `"${text.replaceAll('"', '""')}"` : text;

/** The records read again in an order from `seed`, `groupSize` at a time, are the records as read (without their spans). */
function assertReadBack(file: string, records: RawRecord[], groupSize: number, seed: number): void {
  const permutation = shuffled(records.length, seed);
  assert.deepEqual(readBack(file, records, permutation, groupSize), records.map(withoutSpan));
}

/** Records read back in a shuffled order, in groups of the given size, put back in the file's order. */
function readBack(file: string, records: RawRecord[], permutation: number[], groupSize: number): RawRecord[] {
  const fd = fs.openSync(file, 'r');
  try {
    const first = records[0];
    const csv = first?.kind === 'csv' ? { columns: first.columns, delimiter: CSV_DELIMITER.get(file)! } : undefined;
    const again: RawRecord[] = new Array<RawRecord>(records.length);
    for (let from = 0; from < permutation.length; from += groupSize) {
      const indexes = permutation.slice(from, from + groupSize);
      const read = recordsAt(
        fd,
        file,
        indexes.map((index) => ({ span: records[index]!.span!, line: records[index]!.line })),
        csv,
      );
      indexes.forEach((index, position) => {
        again[index] = read[position]!;
      });
    }
    return again;
  } finally {
    fs.closeSync(fd);
  }
}

const CSV_DELIMITER = new Map<string, string>();
const withoutSpan = (record: RawRecord): RawRecord => {
  const { span: _span, ...rest } = record;
  return rest as RawRecord;
};

describe('records read again from their spans', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir('timeport-records-at-');
  });
  afterEach(() => temp.remove());

  it('CSV: quoted delimiters, quotes and line ends, CRLF, a BOM, blank lines, no final newline: every record read again alone or in groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(',', ';'),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.tuple(fieldText, fieldText, fieldText, fc.boolean()), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer(),
        async (delimiter, newline, bom, finalNewline, rows, groupSize, seed) => {
          const file = path.join(temp.dir, `entries-${Math.abs(seed)}.csv`);
          const lines = [['id', ' comment ', 'who'].join(delimiter)];
          rows.forEach(([a, b, c, blankBefore], index) => {
            if (blankBefore && index > 0) lines.push('');
            lines.push([quoted(`${index}${a}`, delimiter), quoted(b, delimiter), quoted(c, delimiter)].join(delimiter));
          });
          fs.writeFileSync(file, (bom ? '\uFEFF' : '') + lines.join(newline) + (finalNewline ? newline : ''));
          CSV_DELIMITER.set(file, delimiter);
          const records = await collect(readRecords(file, { delimiter }));
          assert.equal(records.length, rows.length);
          assert.ok(records.every((record) => record.span !== undefined));
          assertReadBack(file, records, groupSize, seed);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('NDJSON: CRLF, a BOM, blank and unreadable lines, multi-byte text: every record read again alone or in groups', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ id: fc.integer(), comment: fieldText }).map((value) => JSON.stringify(value)),
            fc.constantFrom('', '   ', '{not json', '[1, 2'),
          ),
          { minLength: 1, maxLength: 25 },
        ),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        fc.integer(),
        async (lines, newline, bom, groupSize, seed) => {
          const file = path.join(temp.dir, `entries-${Math.abs(seed)}.ndjson`);
          fs.writeFileSync(file, (bom ? '\uFEFF' : '') + lines.join(newline));
          const records = await collect(readRecords(file));
          assert.equal(records.length, lines.filter((line) => line.trim() !== '').length);
          assertReadBack(file, records, groupSize, seed);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a file changed since it was read is an error, not other records', async () => {
    const file = path.join(temp.dir, 'changed.csv');
    fs.writeFileSync(file, 'id,comment\n1,first\n2,second\n');
    const records = await collect(readRecords(file));
    fs.writeFileSync(file, 'id,comment\n1,fi\n');
    const fd = fs.openSync(file, 'r');
    try {
      const wanted = records.map((record) => ({ span: record.span!, line: record.line }));
      assert.throws(() => recordsAt(fd, file, wanted, { columns: ['id', 'comment'], delimiter: ',' }), /changed while it was imported/);
    } finally {
      fs.closeSync(fd);
    }
  });
});
