import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvSync } from 'csv-parse/sync';
import parser from 'stream-json/parser.js';
import { lineRecords } from './file-lines.js';

/**
 * Streaming readers: records come one at a time, so memory does not grow with the file. CSV
 * through csv-parse; NDJSON line by line; JSON through stream-json's token stream, assembling only
 * the objects that are records (array elements at the top, or under `worklogs`/`results`), so a
 * Jira or Tempo export of any length is read in constant memory (one record, or for a Jira file
 * keyed by issue, one issue's list at most).
 */

export type FileKind = 'csv' | 'ndjson' | 'json';

/** A column a failures file adds; it is ignored when the file is read back. */
export const FAILURE_COLUMN = 'timeport_failure';

/**
 * Where a record's bytes lie in its file, from `start` up to (not including) `end`: enough to read
 * it again alone (`recordsAt`). CSV and NDJSON records have one; records of a JSON document do not
 * (stream-json does not tell where its tokens are).
 */
export interface RecordSpan {
  start: number;
  end: number;
}

export type RawRecord =
  | { kind: 'csv'; file: string; line: number; columns: string[]; values: Record<string, string>; span?: RecordSpan }
  | { kind: 'json'; file: string; line: number; value: unknown; path: (string | number)[]; span?: RecordSpan }
  | { kind: 'unreadable'; file: string; line: number; reason: string; text: string; span?: RecordSpan };

export interface ReaderOptions {
  delimiter?: string | undefined;
}

export function fileKindOf(file: string): FileKind {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv' || extension === '.tsv' || extension === '.txt') return 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.json') return 'json';
  const head = readHead(file).trimStart();
  if (head.startsWith('[')) return 'json';
  if (head.startsWith('{')) {
    const firstLine = head.split('\n', 1)[0]!;
    try {
      JSON.parse(firstLine);
      return 'ndjson';
    } catch {
      return 'json';
    }
  }
  return 'csv';
}

function readHead(file: string, bytes = 65_536): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = fs.readSync(fd, buffer, 0, bytes, 0);
    return buffer
      .subarray(0, read)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
  } finally {
    fs.closeSync(fd);
  }
}

/** `,`, `;` or a tab, whichever the header line has most of (Redmine writes `;` in many locales). */
export function sniffDelimiter(file: string): string {
  const header = readHead(file).split(/\r?\n/, 1)[0] ?? '';
  const counts = [',', ';', '\t'].map((delimiter) => [delimiter, header.split(delimiter).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

export async function* readRecords(file: string, options: ReaderOptions = {}): AsyncGenerator<RawRecord> {
  const kind = fileKindOf(file);
  if (kind === 'csv') yield* readCsv(file, options.delimiter ?? sniffDelimiter(file));
  else if (kind === 'ndjson') yield* readNdjson(file);
  else yield* readJson(file);
}

/** Options of csv-parse that decide what a record's bytes parse to: the same when a record is read again. */
const csvOptions = (delimiter: string) => ({ delimiter, skip_empty_lines: true }) as const;

async function* readCsv(file: string, delimiter: string): AsyncGenerator<RawRecord> {
  let columns: string[] = [];
  /** Where the next record's bytes start: after the record before it (the header at first). */
  let recordStart = 0;
  const csv = parseCsv({
    ...csvOptions(delimiter),
    bom: true,
    columns: (header: string[]) => {
      columns = header.map((name) => name.trim());
      recordStart = csv.info.bytes;
      return columns;
    },
    info: true,
  });
  fs.createReadStream(file).pipe(csv);
  for await (const item of csv as AsyncIterable<{ record: Record<string, string>; info: { lines: number; bytes: number } }>) {
    const record: RawRecord = { kind: 'csv', file, line: item.info.lines, columns, values: item.record };
    // A UTF-16 file (told by its BOM) is decoded by csv-parse alone: its records are not read again.
    if (csv.options.encoding === 'utf8') record.span = { start: recordStart, end: item.info.bytes };
    recordStart = item.info.bytes;
    yield record;
  }
}

/**
 * NDJSON: one record a line, `\n` or `\r\n` ending it (JSON Lines; docs/decisions.md, "Shuffled
 * imports sorted by reference"). A blank line is no record; a line that is not JSON is an
 * unreadable record.
 */
async function* readNdjson(file: string): AsyncGenerator<RawRecord> {
  let line = 0;
  for (const { text, offset, bytes } of lineRecords(file)) {
    line++;
    const record = ndjsonRecord(file, line, text);
    if (record === undefined) continue;
    record.span = { start: offset, end: offset + bytes };
    yield record;
  }
}

function ndjsonRecord(file: string, line: number, text: string): RawRecord | undefined {
  const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
  if (trimmed === '') return undefined;
  try {
    return { kind: 'json', file, line, value: JSON.parse(trimmed) as unknown, path: [line - 1] };
  } catch (error) {
    return { kind: 'unreadable', file, line, reason: `line ${line} is not JSON: ${(error as Error).message}`, text: trimmed };
  }
}

/** A record to read again: its span, and the line `readRecords` gave it. */
export interface RecordAt {
  span: RecordSpan;
  line: number;
}

/**
 * Records read again from their spans in a CSV or NDJSON file open as `fd`, in the order asked,
 * each as `readRecords` gave it. CSV records are parsed in one csv-parse pass over their bytes put
 * together (a parser a record would cost more than the record); `columns` and `delimiter` are the
 * file's. Throws when the bytes no longer hold those records (the file changed since).
 */
export function recordsAt(
  fd: number,
  file: string,
  wanted: readonly RecordAt[],
  csv?: { columns: string[]; delimiter: string },
): RawRecord[] {
  const bytes = spanBytes(fd, file, wanted);
  const records: RawRecord[] = [];
  let offset = 0;
  if (csv === undefined) {
    for (const { span, line } of wanted) {
      const length = span.end - span.start;
      const record = ndjsonRecord(file, line, bytes.toString('utf8', offset, offset + length));
      if (record === undefined) throw new Error(`${file} changed while it was imported: line ${line} is blank now`);
      records.push(record);
      offset += length;
    }
    return records;
  }
  for (let from = 0; from < wanted.length;) {
    // Each span ends with its record's delimiter but the file's last, which is parsed alone: a
    // delimiter added to it might not be the one csv-parse finds in the others.
    let to = from;
    let end = offset;
    do {
      end += wanted[to]!.span.end - wanted[to]!.span.start;
      to++;
    } while (to < wanted.length && (bytes[end - 1] === 10 || bytes[end - 1] === 13));
    const parsed = parseCsvSync(bytes.subarray(offset, end), { ...csvOptions(csv.delimiter), columns: csv.columns }) as Record<
      string,
      string
    >[];
    if (parsed.length !== to - from) throw new Error(`${file} changed while it was imported: its records moved`);
    for (let index = from; index < to; index++) {
      records.push({ kind: 'csv', file, line: wanted[index]!.line, columns: csv.columns, values: parsed[index - from]! });
    }
    from = to;
    offset = end;
  }
  return records;
}

/**
 * The spans' bytes, one after another in the order given; read in the file's order, which costs
 * a third less a read than scattered reads of the page cache (BENCHMARKS.md, "Shuffled imports
 * sorted by reference").
 */
function spanBytes(fd: number, file: string, wanted: readonly RecordAt[]): Buffer {
  const slots = new Float64Array(wanted.length);
  let total = 0;
  wanted.forEach(({ span }, index) => {
    slots[index] = total;
    total += span.end - span.start;
  });
  const bytes = Buffer.allocUnsafe(total);
  const order = new Uint32Array(wanted.length);
  for (let index = 0; index < order.length; index++) order[index] = index;
  order.sort((a, b) => wanted[a]!.span.start - wanted[b]!.span.start);
  for (const index of order) {
    const { start, end } = wanted[index]!.span;
    if (fs.readSync(fd, bytes, slots[index]!, end - start, start) !== end - start) {
      throw new Error(`${file} changed while it was imported: it is shorter`);
    }
  }
  return bytes;
}

type Token = { name: string; value?: unknown };

interface Frame {
  isArray: boolean;
  /** The value being built, when inside a record. */
  container: unknown[] | Record<string, unknown> | undefined;
  index: number;
  key: string;
}

/** Whether a value at this path is a record: an element of the top array, or of a `worklogs`/`results` list. */
const isRecordPath = (at: (string | number)[]): boolean => {
  if (typeof at[at.length - 1] !== 'number') return false;
  return at.length === 1 || at[at.length - 2] === 'worklogs' || at[at.length - 2] === 'results';
};

async function* readJson(file: string): AsyncGenerator<RawRecord> {
  const tokens = fs.createReadStream(file).pipe(parser.asStream({ streamValues: false }));
  const frames: Frame[] = [];
  /** Depth (frames.length) at which the record being assembled started, or -1. */
  let recordDepth = -1;
  let recordPath: (string | number)[] = [];
  let count = 0;
  const pathNow = (): (string | number)[] => frames.map((frame) => (frame.isArray ? frame.index : frame.key));
  /** Announces a value starting in the current container and answers its path. */
  const valueStarts = (): (string | number)[] => {
    const top = frames[frames.length - 1];
    if (top?.isArray === true) top.index++;
    return pathNow();
  };
  const place = (value: unknown) => {
    const top = frames[frames.length - 1];
    if (top === undefined || top.container === undefined) return;
    if (Array.isArray(top.container)) top.container.push(value);
    else top.container[top.key] = value;
  };
  for await (const token of tokens as AsyncIterable<Token>) {
    switch (token.name) {
      case 'startObject':
      case 'startArray': {
        const at = valueStarts();
        const container = token.name === 'startObject' ? {} : [];
        if (recordDepth < 0 && isRecordPath(at)) {
          recordDepth = frames.length;
          recordPath = at;
        }
        if (recordDepth >= 0) place(container);
        frames.push({ isArray: token.name === 'startArray', container: recordDepth >= 0 ? container : undefined, index: -1, key: '' });
        break;
      }
      case 'endObject':
      case 'endArray': {
        const frame = frames.pop()!;
        if (recordDepth >= 0 && frames.length === recordDepth) {
          recordDepth = -1;
          count++;
          yield { kind: 'json', file, line: count, value: frame.container, path: recordPath };
        }
        break;
      }
      case 'keyValue':
        frames[frames.length - 1]!.key = String(token.value);
        break;
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue': {
        valueStarts();
        if (recordDepth >= 0) {
          const value =
            token.name === 'numberValue'
              ? Number(token.value)
              : token.name === 'nullValue'
                ? null
                : token.name === 'trueValue'
                  ? true
                  : token.name === 'falseValue'
                    ? false
                    : token.value;
          place(value);
        }
        break;
      }
      default:
        break;
    }
  }
}
