import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { formatBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import type { SourceEntry } from './formats/types.js';
import { FAILURE_COLUMN, type RawRecord } from './readers.js';

/**
 * The failures file (docs/peer-importers.md, pain point 8): one CSV per input file that had
 * failures in the latest run (an earlier run's file is removed when the latest had none), to fix
 * and feed back. For a CSV input it holds the original columns and rows, plus the reason in
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

  /**
   * Why these inputs cannot have a failures file each, if they cannot: one input's failures file
   * would be another input (`a.csv` beside `a.failures.csv`), or two inputs would share one.
   */
  conflict(inputs: string[]): string | undefined {
    const resolvedInputs = new Set(inputs.map((input) => path.resolve(input)));
    const owners = new Map<string, string>();
    for (const input of inputs) {
      const target = this.pathFor(input);
      if (resolvedInputs.has(path.resolve(target)))
        return `the failures file of ${input} would be ${target}, which is also an input; give --failures-dir`;
      const owner = owners.get(path.resolve(target));
      if (owner !== undefined && path.resolve(owner) !== path.resolve(input))
        return `${owner} and ${input} would share the failures file ${target}; rename one`;
      owners.set(path.resolve(target), input);
    }
    return undefined;
  }

  /**
   * Removes the failures files that earlier runs left for these inputs, so that after this run
   * each input's failures file lists this run's failures or does not exist: one left from an
   * earlier run never looks current. Answers the paths removed.
   */
  removeEarlier(inputs: string[]): string[] {
    const removed: string[] = [];
    for (const target of new Set(inputs.map((input) => this.pathFor(input)))) {
      try {
        fs.unlinkSync(target);
        removed.push(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return removed;
  }

  add(record: RawRecord, reason: string, converted?: { entry: SourceEntry; issue?: string; login?: string; createdAtMs?: number }): void {
    let file = this.open.get(record.file);
    const isCsv = record.kind === 'csv';
    if (file === undefined) {
      const target = this.pathFor(record.file);
      const columns = isCsv
        ? [...record.columns.filter((column) => column !== FAILURE_COLUMN), FAILURE_COLUMN]
        : [...NATIVE_COLUMNS, FAILURE_COLUMN];
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
