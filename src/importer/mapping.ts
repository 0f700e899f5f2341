import fs from 'node:fs';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { parseIssueKey } from '../domain/keys.js';
import { type Result, accepted, refused } from '../domain/result.js';
import type { SourceEntry, SourceUser } from './formats/types.js';
import type { RawRecord } from './readers.js';

/**
 * Users and issues, mapped explicitly (docs/peer-importers.md, pain point 6): a source user becomes
 * a Tracker login only through the user map (or when the source already names Tracker logins),
 * never by a silent fallback; an issue comes from the format, a column, a regex on the description,
 * or a mapping file. What cannot be mapped is listed by the preflight before anything is sent.
 */

/** Reads a two-column mapping file (CSV `source,target` with a header, or a JSON object). */
export function loadMappingFile(file: string, what: string): Map<string, string> {
  const textValue = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const map = new Map<string, string>();
  if (textValue.trimStart().startsWith('{')) {
    const object = JSON.parse(textValue) as Record<string, unknown>;
    for (const [source, target] of Object.entries(object)) {
      if (typeof target !== 'string') throw new Error(`${what} ${file}: the value of ${JSON.stringify(source)} is not a string`);
      map.set(source.trim().toLowerCase(), target.trim());
    }
    return map;
  }
  const rows = parseCsvSync(textValue, { skip_empty_lines: true, relax_column_count: false, trim: true }) as string[][];
  for (const [index, row] of rows.entries()) {
    if (index === 0) continue; // the header
    if (row.length < 2 || row[0] === '' || row[1] === '') throw new Error(`${what} ${file}: row ${index + 1} needs a source and a target`);
    map.set(row[0]!.toLowerCase(), row[1]!);
  }
  return map;
}

export const describeUser = (user: SourceUser): string =>
  [
    user.name,
    user.email === undefined ? undefined : `<${user.email}>`,
    user.login === undefined ? undefined : `login ${user.login}`,
    user.id === undefined ? undefined : `id ${user.id}`,
  ]
    .filter((part) => part !== undefined)
    .join(' ') || '(no user)';

/** A stable key for counting one source user. */
export const userKey = (user: SourceUser): string =>
  JSON.stringify([user.id, user.email?.toLowerCase(), user.login?.toLowerCase(), user.name]);

/**
 * The Tracker login of a source user: the user map by id, e-mail, login or name (any case), else
 * the source's own login when it has one (native files name Tracker logins). Undefined: unmapped.
 */
export function mapUser(user: SourceUser, userMap: Map<string, string> | undefined): string | undefined {
  for (const candidate of [user.id, user.email, user.login, user.name]) {
    if (candidate === undefined) continue;
    const mapped = userMap?.get(candidate.toLowerCase());
    if (mapped !== undefined) return mapped;
  }
  return user.login;
}

export interface IssueRule {
  /** A column (CSV) or a dotted path (JSON) holding the issue. */
  column?: string | undefined;
  /** Applied to the description; the first capture group (or the match) is the issue. */
  regex?: RegExp | undefined;
  /** Source value → issue key. */
  map?: Map<string, string> | undefined;
}

function valueAt(record: RawRecord, column: string): string | undefined {
  if (record.kind === 'csv') {
    const name = record.columns.find((candidate) => candidate.toLowerCase() === column.toLowerCase());
    const value = name === undefined ? undefined : record.values[name]?.trim();
    return value === '' ? undefined : value;
  }
  if (record.kind !== 'json') return undefined;
  let value: unknown = record.value;
  for (const part of column.split('.'))
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The Tracker issue key of an entry, upper-cased, or why there is none. */
export function mapIssue(record: RawRecord, entry: SourceEntry, rule: IssueRule): Result<string> {
  let value: string | undefined;
  let from: string;
  if (rule.column !== undefined) {
    value = valueAt(record, rule.column);
    from = `column ${JSON.stringify(rule.column)}`;
  } else if (rule.regex !== undefined) {
    const match = rule.regex.exec(entry.description);
    value = match === null ? undefined : (match[1] ?? match[0]);
    from = `--issue-regex on ${JSON.stringify(entry.description.slice(0, 80))}`;
  } else {
    value = entry.issueCandidate;
    from = 'the source';
  }
  if (value === undefined) return refused(`no issue: ${from} gives none (see --issue-column, --issue-regex, --issue-map)`);
  const mapped = rule.map?.get(value.toLowerCase()) ?? value;
  const key = parseIssueKey(mapped.trim());
  if (key === undefined) {
    return refused(
      `no issue: ${JSON.stringify(value)} from ${from} is not an issue key${rule.map === undefined ? ' (map it with --issue-map)' : ' and is not in the --issue-map file'}`,
    );
  }
  return accepted(`${key.queueKey}-${key.number}`);
}
