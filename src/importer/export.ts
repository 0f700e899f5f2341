import { stringify } from 'csv-stringify/sync';
import type { TrackerClient } from '../client/tracker-client.js';
import { dayInZone } from '../domain/time-zone.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import { DEFAULT_DURATION_SETTINGS } from './durations.js';
import { NATIVE_COLUMNS } from './failures.js';
import { TrackerSource, trackerApiFormat } from './live/tracker.js';

/**
 * `timeport export`: a target's worklogs in the native format, which `timeport import` reads back
 * unchanged (CSV or NDJSON of issue, createdBy, createdAt, start, duration, comment, externalId).
 * The worklogs are read as the Tracker source reads them, over createdAt windows split below
 * Tracker's 10,000 cap, so an export is never cut short. The external id is the worklog's source
 * id (`tracker:<org>:<id>`): importing the file twice into Timeport creates nothing the second time.
 */
export interface ExportOptions {
  client: TrackerClient;
  /** The organization as source ids name it: `org 1`, `cloud <id>`. */
  orgLabel: string;
  format: 'ndjson' | 'csv';
  /** Days of the work (`start`) to export, inclusive, in `zone`; open when undefined. */
  fromDay?: string | undefined;
  toDay?: string | undefined;
  zone: string;
  write: (text: string) => Promise<void>;
  /** Called every 1,000 worklogs read. */
  onProgress?: (read: number) => void;
}

export interface ExportSummary {
  written: number;
  /** Worklogs read but outside the days asked for. */
  outside: number;
  /** The createdAt windows searched. */
  windows: number;
}

export class ExportError extends Error {}

const DAY_MS = 86_400_000;

export async function runExport(options: ExportOptions): Promise<ExportSummary> {
  // Tracker searches by when a worklog was written, not by its day of work: read from a day before
  // the first day (any zone's midnight lies within it) up to now, and keep the days asked for.
  const fromMs = options.fromDay === undefined ? undefined : Date.parse(`${options.fromDay}T00:00:00Z`) - DAY_MS;
  const source = new TrackerSource({ client: options.client, orgLabel: options.orgLabel, fromMs });
  const summary: ExportSummary = { written: 0, outside: 0, windows: 0 };
  if (options.format === 'csv') await options.write(stringify([NATIVE_COLUMNS]));
  let read = 0;
  let batch: string[] = [];
  for await (const record of source.records()) {
    if (++read % 1000 === 0) options.onProgress?.(read);
    const converted = trackerApiFormat.convert(record, { durations: DEFAULT_DURATION_SETTINGS });
    if (!converted.ok) throw new ExportError(`worklog ${record.line}: ${converted.error}`);
    const entry = converted.value;
    const day = dayInZone(entry.startMs, options.zone);
    if ((options.fromDay !== undefined && day < options.fromDay) || (options.toDay !== undefined && day > options.toDay)) {
      summary.outside++;
      continue;
    }
    const worklog = record.kind === 'json' ? (record.value as { issue?: { key?: string }; duration: string }) : undefined;
    if (entry.user.login === undefined)
      throw new ExportError(`worklog ${record.line}: its author (user ${entry.user.id}) has no login the target will answer`);
    const row = {
      issue: worklog?.issue?.key ?? '',
      createdBy: entry.user.login,
      createdAt: formatTrackerTimestamp(entry.createdAtMs ?? entry.startMs),
      start: formatTrackerTimestamp(entry.startMs),
      // The duration as the target wrote it (ISO 8601 on Tracker's calendar), not recomputed.
      duration: worklog?.duration ?? '',
      comment: entry.comment ?? '',
      externalId: entry.sourceId,
    };
    batch.push(
      options.format === 'csv' ? stringify([NATIVE_COLUMNS.map((column) => row[column as keyof typeof row])]) : `${JSON.stringify(row)}\n`,
    );
    summary.written++;
    if (batch.length >= 1000) {
      await options.write(batch.join(''));
      batch = [];
    }
  }
  if (batch.length > 0) await options.write(batch.join(''));
  summary.windows = source.windows.length;
  return summary;
}
