import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { formatBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import type { SourceEntry } from './formats/types.js';
import { FAILURE_COLUMN, type RawRecord } from './readers.js';

/**
 * The failures file (peer notes pain point 8): one CSV per input file that had failures, to fix and
 * feed back. For a CSV input it holds the original columns and rows, plus the reason in
 * `timeport_failure`, which the readers ignore; the row keeps its source id, so feeding the file
 * back never duplicates. For a JSON input it holds the entries in the native format, with the
 * source id as `externalId`.
 */
export const NATIVE_COLUMNS = ['issue', 'createdBy', 'createdAt', 'start', 'duration', 'comment', 'externalId'];

export class FailureFiles {
  private readonly open = new Map<string, { fd: number; path: string; count: number }>();

  constructor(
    /** Where the files go; undefined: beside each input. */
    private readonly directory: string | undefined,
  ) {}

  pathFor(input: string): string {
    const base = path.basename(input).replace(/\.[^.]+$/, '');
    return path.join(this.directory ?? path.dirname(input), `${base}.failures.csv`);
  }

  add(record: RawRecord, reason: string, converted?: { entry: SourceEntry; issue?: string; login?: string; createdAtMs?: number }): void {
    let file = this.open.get(record.file);
    const isCsv = record.kind === 'csv';
    if (file === undefined) {
      const target = this.pathFor(record.file);
      const columns = isCsv ? [...record.columns.filter((column) => column !== FAILURE_COLUMN), FAILURE_COLUMN] : [...NATIVE_COLUMNS, FAILURE_COLUMN];
      const fd = fs.openSync(target, 'w');
      fs.writeSync(fd, stringify([columns]));
      file = { fd, path: target, count: 0 };
      this.open.set(record.file, file);
    }
    let row: string[];
    if (record.kind === 'csv') {
      row = [...record.columns.filter((column) => column !== FAILURE_COLUMN).map((column) => record.values[column] ?? ''), reason];
    } else if (converted !== undefined) {
      const { entry } = converted;
      row = [
        converted.issue ?? entry.issueCandidate ?? '',
        converted.login ?? entry.user.login ?? entry.user.email ?? entry.user.name ?? entry.user.id ?? '',
        formatTrackerTimestamp(converted.createdAtMs ?? entry.createdAtMs ?? entry.startMs),
        formatTrackerTimestamp(entry.startMs),
        formatBusinessDuration(entry.durationSeconds),
        entry.comment ?? '',
        entry.sourceId,
        reason,
      ];
    } else {
      row = ['', '', '', '', '', '', '', `${reason}; the record: ${record.kind === 'json' ? JSON.stringify(record.value) : record.text}`];
    }
    fs.writeSync(file.fd, stringify([row]));
    file.count++;
  }

  /** Closes the files and answers what was written. */
  close(): { path: string; count: number }[] {
    const written = [...this.open.values()].map(({ path: target, count }) => ({ path: target, count }));
    for (const file of this.open.values()) fs.closeSync(file.fd);
    this.open.clear();
    return written;
  }
}
