import crypto from 'node:crypto';
import { type Result, accepted, refused } from '../../domain/result.js';
import { FAILURE_COLUMN, type RawRecord } from '../readers.js';

/** A CSV record's columns by name, ignoring case and surrounding spaces. */
export function columnsOf(record: RawRecord): Map<string, string> {
  const map = new Map<string, string>();
  if (record.kind !== 'csv') return map;
  for (const [name, value] of Object.entries(record.values)) map.set(name.trim().toLowerCase(), value ?? '');
  return map;
}

export const hasColumns = (record: RawRecord, names: string[]): boolean => {
  if (record.kind !== 'csv') return false;
  const present = new Set(record.columns.map((name) => name.trim().toLowerCase()));
  return names.every((name) => present.has(name.toLowerCase()));
};

/**
 * An id for a record whose source has none: a hash of its content (the failure column left out),
 * so the same row gets the same id in every run and in a failures file fed back unchanged.
 */
export function contentId(format: string, record: RawRecord): string {
  const hash = crypto.createHash('sha256');
  hash.update(format);
  if (record.kind === 'csv') {
    for (const column of record.columns) if (column !== FAILURE_COLUMN) hash.update(`\u0001${column}\u0002${record.values[column] ?? ''}`);
  } else if (record.kind === 'json') {
    hash.update(JSON.stringify(record.value));
  }
  return `${format}:sha256:${hash.digest('hex').slice(0, 32)}`;
}

export function required(columns: Map<string, string>, name: string): Result<string> {
  const value = columns.get(name.toLowerCase())?.trim();
  return value === undefined || value === '' ? refused(`the column "${name}" is empty`) : accepted(value);
}

export const optional = (columns: Map<string, string>, name: string): string | undefined => {
  const value = columns.get(name.toLowerCase())?.trim();
  return value === undefined || value === '' ? undefined : value;
};

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : typeof value === 'number' ? String(value) : undefined;

/**
 * Cross-checks a duration column against the end minus the start. Sources round the column
 * (Clockify's decimal hours to 0.01 h, Kimai to minutes), while start and end are exact to the
 * second: the exact difference wins, and a disagreement beyond the column's rounding is an error
 * rather than a silent choice.
 */
export function checkAgainstSpan(
  spanSeconds: number,
  columnSeconds: number | undefined,
  toleranceSeconds: number,
  label: string,
): Result<number> {
  if (spanSeconds <= 0) return refused(`the end is not after the start`);
  if (columnSeconds !== undefined && Math.abs(spanSeconds - columnSeconds) > toleranceSeconds) {
    return refused(`${label} says ${columnSeconds} s but the end minus the start is ${spanSeconds} s`);
  }
  return accepted(spanSeconds);
}
