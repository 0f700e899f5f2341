import fs from 'node:fs';
import type { Result } from '../domain/result.js';
import { refused } from '../domain/result.js';
import type { DurationSettings } from './durations.js';
import { type SourceFormat, detectFormat, formatByName } from './formats/index.js';
import type { SourceEntry } from './formats/types.js';
import { columnsOf, optional } from './formats/common.js';
import type { LiveSource } from './live/types.js';
import { type IssueRule, mapIssue, mapUser } from './mapping.js';
import { type RawRecord, type RecordAt, type RecordSpan, readRecords, recordsAt, sniffDelimiter } from './readers.js';
import { DATE_ORDER_NAMES, type DateOrder, slashDateReading } from './time.js';

/** How source files are read and mapped; shared by import and reconcile. */
export interface SourceOptions {
  files: string[];
  /** A source read from its API instead of files (then `files` is empty). */
  live?: LiveSource | undefined;
  /** A format name, or undefined to detect each file's format from its first record. */
  format?: string | undefined;
  delimiter?: string | undefined;
  zone?: string | undefined;
  dateOrder?: DateOrder | undefined;
  durations: DurationSettings;
  userMap?: Map<string, string> | undefined;
  issueRule: IssueRule;
}

/** A record with everything known about it; `problem` says why it cannot be imported as it is. */
export interface SourceItem {
  record: RawRecord;
  format: SourceFormat | undefined;
  entry?: SourceEntry;
  issue?: string;
  login?: string;
  /** Why the record cannot be converted or mapped (the kind says which preflight list it goes to). */
  problem?: { kind: 'conversion' | 'user' | 'issue'; reason: string };
  /**
   * Where the record's bytes are in its file, when they alone make this item (not one of several
   * records expanded from one): `InputPlaces` reads it again from there.
   */
  span?: RecordSpan;
}

export class UnknownFormatError extends Error {}

/** The names failures files are made for: the input files, or the live source's stand-in. */
export const inputsOf = (options: SourceOptions): string[] => (options.live === undefined ? options.files : [options.live.inputName]);

/** Every record of every file (or of the live source), converted and mapped, one at a time. */
export async function* sourceItems(options: SourceOptions): AsyncGenerator<SourceItem> {
  if (options.live !== undefined) {
    for await (const record of options.live.records()) yield convertItem(record, options.live.format, options);
    return;
  }
  for (const file of options.files) {
    let format: SourceFormat | undefined = options.format === undefined ? undefined : formatByName(options.format);
    if (options.format !== undefined && format === undefined) throw new UnknownFormatError(`unknown format ${options.format}`);
    for await (const raw of readRecords(file, { delimiter: options.delimiter })) {
      if (raw.kind === 'unreadable') {
        yield withSpan(unreadableItem(raw, format), raw);
        continue;
      }
      if (format === undefined) {
        format = detectFormat(raw);
        if (format === undefined) {
          throw new UnknownFormatError(
            `cannot tell the format of ${file} from its first record; give --format (native, jira, tempo, toggl, clockify, redmine, kimai)`,
          );
        }
      }
      const records = format.expand?.(raw) ?? [raw];
      if (records.length === 1 && records[0] === raw) yield withSpan(convertItem(raw, format, options), raw);
      else for (const record of records) yield convertItem(record, format, options);
    }
  }
}

const unreadableItem = (raw: RawRecord & { kind: 'unreadable' }, format: SourceFormat | undefined): SourceItem => ({
  record: raw,
  format,
  problem: { kind: 'conversion', reason: raw.reason },
});

function withSpan(item: SourceItem, raw: RawRecord): SourceItem {
  if (raw.span !== undefined) item.span = raw.span;
  return item;
}

/** Opens a file to read its items again, if it is as it was when they were placed. */
function openUnchanged(file: string, seen: { size: number; mtimeMs: number }): number {
  const fd = fs.openSync(file, 'r');
  const { size, mtimeMs } = fs.fstatSync(fd);
  if (size !== seen.size || mtimeMs !== seen.mtimeMs) {
    fs.closeSync(fd);
    throw new Error(
      `${file} changed while it was imported (its size or modification time differ from the preflight's); run the import again`,
    );
  }
  return fd;
}

/**
 * An item's place in the input: the file (its index in `InputPlaces`), its record's span and
 * line. Four numbers, which the import's sort keeps in binary (start-order.ts, `PlaceSort`).
 */
export type ItemPlace = [file: number, start: number, end: number, line: number];

/**
 * Items kept by their place in the input files instead of whole, and read again from there
 * (docs/decisions.md, "Shuffled imports sorted by reference"): what `timeport import` sorts by start
 * is a few numbers an entry, not the entry. Each file's format (and a CSV file's columns and
 * delimiter) is what its first placed item was read with; reading an item again converts it as
 * `sourceItems` did.
 */
export class InputPlaces {
  private readonly indexes = new Map<string, number>();
  private readonly files: {
    path: string;
    format: SourceFormat;
    csv: { columns: string[]; delimiter: string } | undefined;
    /** The file's size and modification time when its first item was placed. */
    seen: { size: number; mtimeMs: number };
    fd?: number;
  }[] = [];

  constructor(private readonly delimiter: string | undefined) {}

  /**
   * The item's place, or undefined when it can only be kept whole (no span: a live source's
   * record, a JSON document's, one of several expanded from one).
   */
  placeOf(item: SourceItem): ItemPlace | undefined {
    const { span, format, record } = item;
    if (span === undefined || format === undefined) return undefined;
    let index = this.indexes.get(record.file);
    if (index === undefined) {
      index = this.files.length;
      const csv = record.kind === 'csv' ? { columns: record.columns, delimiter: this.delimiter ?? sniffDelimiter(record.file) } : undefined;
      const { size, mtimeMs } = fs.statSync(record.file);
      this.files.push({ path: record.file, format, csv, seen: { size, mtimeMs } });
      this.indexes.set(record.file, index);
    }
    return [index, span.start, span.end, record.line];
  }

  /** The items at these places, in the order given, read again and converted with `options`. */
  itemsAt(places: readonly ItemPlace[], options: SourceOptions): SourceItem[] {
    const items: SourceItem[] = [];
    for (let from = 0; from < places.length;) {
      const index = places[from]![0];
      let to = from + 1;
      while (to < places.length && places[to]![0] === index) to++;
      const file = this.files[index]!;
      file.fd ??= openUnchanged(file.path, file.seen);
      const wanted: RecordAt[] = [];
      for (let at = from; at < to; at++) {
        const [, start, end, line] = places[at]!;
        wanted.push({ span: { start, end }, line });
      }
      for (const raw of recordsAt(file.fd, file.path, wanted, file.csv)) {
        items.push(raw.kind === 'unreadable' ? unreadableItem(raw, file.format) : convertItem(raw, file.format, options));
      }
      from = to;
    }
    return items;
  }

  /** Closes the files read again; safe to call more than once. */
  close(): void {
    for (const file of this.files) {
      if (file.fd !== undefined) fs.closeSync(file.fd);
      file.fd = undefined;
    }
  }
}

function convertItem(record: RawRecord, format: SourceFormat, options: SourceOptions): SourceItem {
  const converted: Result<SourceEntry> =
    format.fileKinds.includes(record.kind === 'csv' ? 'csv' : 'json') || record.kind === 'json'
      ? format.convert(record, { zone: options.zone, dateOrder: options.dateOrder, durations: options.durations })
      : refused('not readable in this format');
  if (!converted.ok) return { record, format, problem: { kind: 'conversion', reason: converted.error } };
  const entry = converted.value;
  const login = mapUser(entry.user, options.userMap);
  const issue = mapIssue(record, entry, options.issueRule);
  const item: SourceItem = { record, format, entry };
  if (login !== undefined) item.login = login;
  if (issue.ok) item.issue = issue.value;
  if (login === undefined) item.problem = { kind: 'user', reason: 'unmapped user: add it to the --user-map file' };
  else if (!issue.ok) item.problem = { kind: 'issue', reason: issue.error };
  return item;
}

/** The order slashed dates are read in, and what in the input decided it. */
export interface DateOrderFinding {
  /** The order to read with; undefined leaves each slashed date to be read the one way it can be. */
  order: DateOrder | undefined;
  given: boolean;
  /** The first date that can only be month first (`01/19/2021`), and where. */
  monthFirst?: string | undefined;
  /** The first date that can only be day first (`19/01/2021`), and where. */
  dayFirst?: string | undefined;
  /** Dates that name two different days depending on the order (`03/04/2024`). */
  either: number;
}

/**
 * Settles the order of slashed dates for a whole input: `--date-format` when given; otherwise the
 * only order the input's own date columns allow (one `01/19/2021` anywhere makes every date month
 * first). Only when nothing in the input tells (every date could be read both ways) does an
 * ambiguous date need `--date-format`; when the input shows both orders, none is chosen and only
 * the dates that could be either are refused. One extra pass, over files whose format has local
 * dates only.
 */
export async function settleDateOrder(options: SourceOptions): Promise<DateOrderFinding> {
  const finding: DateOrderFinding = { order: options.dateOrder, given: options.dateOrder !== undefined, either: 0 };
  if (finding.given) return finding;
  for (const file of options.files) {
    let format: SourceFormat | undefined = options.format === undefined ? undefined : formatByName(options.format);
    for await (const raw of readRecords(file, { delimiter: options.delimiter })) {
      if (raw.kind !== 'csv') {
        if (raw.kind === 'json') break;
        continue;
      }
      format ??= detectFormat(raw);
      const columns = format?.dateColumns;
      if (columns === undefined) break;
      const values = columnsOf(raw);
      for (const name of columns) {
        const value = optional(values, name);
        // A date and time in one column (`03/22/2024 10:00`): the date is its first word.
        const date = value?.split(/\s+/)[0];
        const reading = date === undefined ? undefined : slashDateReading(date);
        if (reading === 'either') finding.either++;
        else if (reading === 'month-first') finding.monthFirst ??= `"${date}" (${where(raw)})`;
        else if (reading === 'day-first') finding.dayFirst ??= `"${date}" (${where(raw)})`;
      }
    }
  }
  if (finding.monthFirst !== undefined && finding.dayFirst === undefined) finding.order = 'MDY';
  if (finding.dayFirst !== undefined && finding.monthFirst === undefined) finding.order = 'DMY';
  return finding;
}

/** What the preflight says of the slashed dates: which order, and why; nothing when none was needed. */
export function describeDateOrder(finding: DateOrderFinding): string | undefined {
  if (finding.given || (finding.monthFirst === undefined && finding.dayFirst === undefined)) return undefined;
  if (finding.order !== undefined) {
    const example = finding.order === 'MDY' ? `${finding.monthFirst} can only be month first` : `${finding.dayFirst} can only be day first`;
    return `dates: slashed dates read as ${DATE_ORDER_NAMES[finding.order]}, since ${example} (--date-format chooses otherwise)`;
  }
  const refusedNote = finding.either > 0 ? `; the ${finding.either} that could be either are refused: give --date-format` : '';
  return `dates: the input has dates that can only be month first, ${finding.monthFirst}, and dates that can only be day first, ${finding.dayFirst}: each is read the one way it can be${refusedNote}`;
}

/** A label for a record in messages: `file:line`. */
export const where = (record: RawRecord): string => `${record.file}:${record.line}`;
