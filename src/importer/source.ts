import type { Parsed } from '../domain/result.js';
import { refused } from '../domain/result.js';
import type { DurationSettings } from './durations.js';
import { type SourceFormat, detectFormat, formatByName } from './formats/index.js';
import type { SourceEntry } from './formats/types.js';
import { type IssueRule, mapIssue, mapUser } from './mapping.js';
import { type RawRecord, readRecords } from './readers.js';
import type { DateOrder } from './time.js';

/** How source files are read and mapped; shared by import and reconcile. */
export interface SourceOptions {
  files: string[];
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
}

export class UnknownFormatError extends Error {}

/** Every record of every file, converted and mapped, one at a time. */
export async function* sourceItems(options: SourceOptions): AsyncGenerator<SourceItem> {
  for (const file of options.files) {
    let format: SourceFormat | undefined = options.format === undefined ? undefined : formatByName(options.format);
    if (options.format !== undefined && format === undefined) throw new UnknownFormatError(`unknown format ${options.format}`);
    for await (const raw of readRecords(file, { delimiter: options.delimiter })) {
      if (raw.kind === 'unreadable') {
        yield { record: raw, format, problem: { kind: 'conversion', reason: raw.reason } };
        continue;
      }
      if (format === undefined) {
        format = detectFormat(raw);
        if (format === undefined) {
          throw new UnknownFormatError(`cannot tell the format of ${file} from its first record; give --format (native, jira, tempo, toggl, clockify, redmine, kimai)`);
        }
      }
      const records = format.expand?.(raw) ?? [raw];
      for (const record of records) yield convertItem(record, format, options);
    }
  }
}

function convertItem(record: RawRecord, format: SourceFormat, options: SourceOptions): SourceItem {
  const converted: Parsed<SourceEntry> = format.fileKinds.includes(record.kind === 'csv' ? 'csv' : 'json') || record.kind === 'json'
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

/** A label for a record in messages: `file:line`. */
export const where = (record: RawRecord): string => `${record.file}:${record.line}`;
