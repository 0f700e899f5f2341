import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import parser from 'stream-json/parser.js';

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

export type RawRecord =
  | { kind: 'csv'; file: string; line: number; columns: string[]; values: Record<string, string> }
  | { kind: 'json'; file: string; line: number; value: unknown; path: (string | number)[] }
  | { kind: 'unreadable'; file: string; line: number; reason: string; text: string };

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

async function* readCsv(file: string, delimiter: string): AsyncGenerator<RawRecord> {
  let columns: string[] = [];
  const csv = fs.createReadStream(file).pipe(
    parseCsv({
      bom: true,
      delimiter,
      columns: (header: string[]) => {
        columns = header.map((name) => name.trim());
        return columns;
      },
      skip_empty_lines: true,
      info: true,
    }),
  );
  for await (const item of csv as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    yield { kind: 'csv', file, line: item.info.lines, columns, values: item.record };
  }
}

async function* readNdjson(file: string): AsyncGenerator<RawRecord> {
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (trimmed === '') continue;
    try {
      yield { kind: 'json', file, line, value: JSON.parse(trimmed) as unknown, path: [line - 1] };
    } catch (error) {
      yield { kind: 'unreadable', file, line, reason: `line ${line} is not JSON: ${(error as Error).message}`, text: trimmed };
    }
  }
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
