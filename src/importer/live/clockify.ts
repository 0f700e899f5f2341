import { type Result, accepted, refused } from '../../domain/result.js';
import { checkAgainstSpan, isObject, text } from '../formats/common.js';
import type { SourceEntry, SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';
import { parseSourceTimestamp } from '../time.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { type LiveSource, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Clockify as a live source (docs/source-apis.md, "Clockify"): the detailed report of a
 * workspace (`POST /v1/workspaces/<id>/reports/detailed` on the reports host, key in
 * `X-Api-Key`), paged with `detailedFilter.page`/`pageSize` until `totals[0].entriesCount`
 * entries were read. It holds the entries of every user the key may read. Clockify lists no
 * deleted entries, so there is no `changesSince`: every run reads its whole window. Running
 * entries (no end yet) are skipped and reported.
 */
export interface ClockifySourceOptions {
  /** The reports host; default https://reports.api.clockify.me (regional hosts differ). */
  url?: string | undefined;
  apiKey: string;
  workspace: string;
  /** UTC days; `from` is required (the report needs a range). */
  window: SourceWindow & { from: string };
  pageSize?: number | undefined;
  report?: ((line: string) => void) | undefined;
  http?: Partial<SourceHttpOptions>;
}

export const CLOCKIFY_REPORTS_URL = 'https://reports.api.clockify.me';
const DEFAULT_PAGE = 200;

/** A detailed report entry, as far as the conversion reads it. */
export interface ClockifyReportEntry {
  _id: string;
  description?: string | null;
  userId?: string;
  userName?: string;
  userEmail?: string;
  timeInterval?: { start?: string; end?: string | null; duration?: number | null };
}

interface ClockifyDetailedReport {
  totals?: ({ entriesCount?: number } | null)[];
  timeentries?: ClockifyReportEntry[];
}

export class ClockifySource implements LiveSource {
  readonly label: string;
  readonly inputName: string;
  readonly format = clockifyApiFormat;
  readonly running: string[] = [];
  private readonly http: SourceHttp;

  constructor(private readonly options: ClockifySourceOptions) {
    this.http = new SourceHttp({
      name: 'Clockify',
      onRetry: ({ delayMs, reason }) => options.report?.(`Clockify: answered ${reason}; waiting ${Math.ceil(delayMs / 1000)} s`),
      ...options.http,
      baseUrl: options.url ?? CLOCKIFY_REPORTS_URL,
      headers: { 'x-api-key': options.apiKey },
    });
    this.label = `Clockify ${this.http.base.origin} (workspace ${options.workspace})`;
    this.inputName = `clockify-${options.workspace.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  }

  async check(): Promise<void> {
    // A one-entry report of the first day checks the key and the workspace at once.
    const answer = await this.page(1, 1, this.options.window.from, [401, 403, 404]).catch((error: unknown) => {
      throw error instanceof SourceHttpError
        ? new LiveSourceError(`${error.message}; is ${this.http.base.origin} Clockify's reports host?`)
        : error;
    });
    if (answer.status === 401) throw new LiveSourceError('Clockify refused the API key (401): give the key of Profile settings → API');
    if (answer.status !== 200)
      throw new LiveSourceError(`Clockify has no workspace ${this.options.workspace} whose reports this key may read (${answer.status})`);
  }

  async *records(): AsyncGenerator<RawRecord> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE;
    const seen = new Set<string>();
    for (let page = 1; ; page++) {
      const answer = await this.page(page, pageSize, this.options.window.to ?? new Date().toISOString().slice(0, 10));
      const entries = answer.body?.timeentries ?? [];
      for (const entry of entries) {
        // Entries written while the run pages shift later pages: one may come twice, never twice out.
        if (seen.has(entry._id)) continue;
        seen.add(entry._id);
        if (entry.timeInterval?.end === undefined || entry.timeInterval.end === null) {
          this.running.push(entry._id);
          this.options.report?.(
            `Clockify: entry ${entry._id}${entry.userName === undefined ? '' : ` of ${entry.userName}`} is still running (no end yet): skipped until it stops`,
          );
          continue;
        }
        yield { kind: 'json', file: this.inputName, line: seen.size, path: ['timeentries', entry._id], value: entry };
      }
      const total = answer.body?.totals?.[0]?.entriesCount;
      if (entries.length < pageSize || (total !== undefined && page * pageSize >= total)) return;
    }
  }

  private page(page: number, pageSize: number, lastDay: string, accept: number[] = []) {
    return this.http.requestJson<ClockifyDetailedReport>(
      'POST',
      `v1/workspaces/${encodeURIComponent(this.options.workspace)}/reports/detailed`,
      {
        body: {
          dateRangeStart: `${this.options.window.from}T00:00:00.000Z`,
          dateRangeEnd: `${lastDay}T23:59:59.999Z`,
          sortOrder: 'ASCENDING',
          exportType: 'JSON',
          detailedFilter: { page, pageSize, sortColumn: 'DATE' },
        },
        accept,
      },
    );
  }
}

/**
 * A Clockify detailed report entry: the duration is end minus start, to the second, checked
 * against `timeInterval.duration` (seconds), as the detailed report CSV reader does
 * (../formats/clockify.ts); the id is the same `clockify:<id>`.
 */
export const clockifyApiFormat: SourceFormat = {
  name: 'clockify-api',
  fileKinds: [],
  detect: () => false,
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Clockify time entry');
    const entry = record.value as unknown as ClockifyReportEntry;
    const interval = entry.timeInterval;
    if (typeof entry._id !== 'string' || typeof interval?.start !== 'string') return refused('not a Clockify time entry');
    if (typeof interval.end !== 'string') return refused('a running entry (no end yet)');
    const start = parseSourceTimestamp(interval.start, settings.zone);
    if (!start.ok) return refused(`timeInterval.start: ${start.error}`);
    const end = parseSourceTimestamp(interval.end, settings.zone);
    if (!end.ok) return refused(`timeInterval.end: ${end.error}`);
    const seconds = checkAgainstSpan(
      Math.round((end.value - start.value) / 1000),
      typeof interval.duration === 'number' ? interval.duration : undefined,
      1,
      'timeInterval.duration',
    );
    if (!seconds.ok) return seconds;
    const description = text(entry.description);
    return accepted({
      sourceId: `clockify:${entry._id}`,
      description: description ?? '',
      user: { id: entry.userId, name: entry.userName, email: entry.userEmail },
      startMs: start.value,
      durationSeconds: seconds.value,
      comment: description,
      durationNote: 'end minus start, to the second (checked against timeInterval.duration)',
    });
  },
};
