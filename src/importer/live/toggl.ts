import { type Result, accepted, refused } from '../../domain/result.js';
import { checkAgainstSpan, isObject, text } from '../formats/common.js';
import type { SourceEntry, SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';
import { parseSourceTimestamp } from '../time.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { type LiveSource, type LiveSourceChanges, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Toggl Track as a live source (docs/source-apis.md, "Toggl Track"). A workspace's entries of every
 * user come from the Reports API v3 detailed search (`POST /reports/api/v3/workspace/<id>/search/
 * time_entries`), paged by the `X-Next-Row-Number`/`X-Next-ID`/`X-Next-Timestamp` cursor it
 * answers with. Only the token owner's own entries can be listed by change time, deletions
 * included (`GET /api/v9/me/time_entries?since=`), so `changesSince` is offered only with
 * `ownEntries`: for a whole workspace nothing lists deletions and every run reads its window.
 * Running entries (no stop yet) are skipped and reported, never imported half-done. Toggl's free
 * plan allows 30 requests an hour (402 past it): the source says before reading what a run costs,
 * and waits out a 402 for as long as `X-Toggl-Quota-Resets-In` says.
 */
export interface TogglSourceOptions {
  /** Default https://api.track.toggl.com (both APIs live there). */
  url?: string | undefined;
  token: string;
  workspace: string;
  /** Days as Toggl's reports read them (the token owner's time zone); `from` is required. */
  window: SourceWindow & { from: string };
  /** Only the token owner's entries: then changes since a time can be listed, deletions included. */
  ownEntries?: boolean | undefined;
  /** Entries a report request asks for; the reference names no maximum. */
  pageSize?: number | undefined;
  /** The longest 402 quota wait accepted (default one hour, the quota's window). */
  maxQuotaWaitMs?: number | undefined;
  /** Where the source says what it skips, what a run costs, and what it waits for. */
  report?: ((line: string) => void) | undefined;
  http?: Partial<SourceHttpOptions>;
}

export const TOGGL_URL = 'https://api.track.toggl.com';
const DEFAULT_PAGE = 50;

interface TogglMe {
  id: number;
  email?: string;
  fullname?: string;
}

/** One row of the detailed search; its time entries share the row's description, user and project. */
interface TogglReportRow {
  user_id?: number;
  username?: string;
  description?: string | null;
  project_id?: number | null;
  task_id?: number | null;
  tag_ids?: number[] | null;
  billable?: boolean;
  time_entries?: { id: number; seconds?: number; start: string; stop?: string | null; at?: string }[];
}

/** A time entry as `GET /api/v9/me/time_entries` answers it. */
interface TogglTimeEntry {
  id: number;
  workspace_id?: number;
  user_id?: number;
  description?: string | null;
  project_id?: number | null;
  task_id?: number | null;
  tag_ids?: number[] | null;
  billable?: boolean;
  start: string;
  stop?: string | null;
  duration?: number;
  at?: string;
  server_deleted_at?: string | null;
}

/** The record a Toggl entry becomes, from either API. */
export interface TogglRecordValue {
  id: number;
  workspace_id: number;
  user_id?: number | undefined;
  username?: string | undefined;
  email?: string | undefined;
  description?: string | null | undefined;
  project_id?: number | null | undefined;
  task_id?: number | null | undefined;
  start: string;
  stop: string;
  seconds: number;
  at?: string | undefined;
}

export class TogglSource implements LiveSource {
  readonly label: string;
  readonly inputName: string;
  readonly format = togglApiFormat;
  /** Requests sent, for the cost line and the tests. */
  requests = 0;
  /** Running entries met and skipped (ids). */
  readonly running: number[] = [];
  changesSince?: (since: Date) => LiveSourceChanges;
  private readonly http: SourceHttp;
  private readonly pageSize: number;
  private me: TogglMe | undefined;

  constructor(private readonly options: TogglSourceOptions) {
    if (!/^\d+$/.test(options.workspace))
      throw new LiveSourceError(`Toggl: the workspace is a number, not ${JSON.stringify(options.workspace)}`);
    const maxQuotaWaitMs = options.maxQuotaWaitMs ?? 3_600_000;
    this.http = new SourceHttp({
      name: 'Toggl',
      onRetry: ({ delayMs, reason }) =>
        options.report?.(
          reason === '402'
            ? `Toggl: the workspace's hourly request quota is used up (402); waiting ${Math.ceil(delayMs / 1000)} s for it to reset`
            : `Toggl: answered ${reason}; waiting ${Math.ceil(delayMs / 1000)} s`,
        ),
      ...options.http,
      baseUrl: options.url ?? TOGGL_URL,
      headers: { authorization: `Basic ${Buffer.from(`${options.token}:api_token`).toString('base64')}` },
      waitOn: (status, headers) => {
        if (status !== 402) return undefined;
        const seconds = Number(headers.get('x-toggl-quota-resets-in'));
        return Number.isFinite(seconds) && seconds >= 0 && seconds * 1000 <= maxQuotaWaitMs ? seconds * 1000 : undefined;
      },
    });
    this.pageSize = options.pageSize ?? DEFAULT_PAGE;
    this.label = `Toggl Track ${this.http.base.origin} (workspace ${options.workspace}${options.ownEntries === true ? ', own entries' : ''})`;
    this.inputName = `toggl-${options.workspace}`;
    if (options.ownEntries === true) this.changesSince = (since) => this.changes(since);
  }

  async check(): Promise<void> {
    const me = await this.send<TogglMe>('GET', 'api/v9/me', undefined, [401, 403]).catch((error: unknown) => {
      throw error instanceof SourceHttpError ? new LiveSourceError(`${error.message}; is ${this.http.base.origin} Toggl Track?`) : error;
    });
    if (me.status === 401 || me.status === 403 || me.body?.id === undefined)
      throw new LiveSourceError(`Toggl refused the API token (${me.status}): give the token of Profile settings → API Token`);
    this.me = me.body;
    const workspace = await this.send<unknown>('GET', `api/v9/workspaces/${this.options.workspace}`, undefined, [401, 403, 404]);
    if (workspace.status !== 200)
      throw new LiveSourceError(`Toggl has no workspace ${this.options.workspace} this token may read (${workspace.status})`);
    const left = workspace.headers.get('x-toggl-quota-remaining');
    const resets = workspace.headers.get('x-toggl-quota-resets-in');
    this.options.report?.(
      `Toggl: the window is read ${this.pageSize} entries a request (N entries cost ⌈N/${this.pageSize}⌉ requests` +
        `${this.options.ownEntries === true ? '; a sync with a state asks once for what changed instead' : ''}); ` +
        (left === null
          ? 'Toggl did not say how much of the hourly quota is left (the free plan allows 30 requests an hour per workspace); '
          : `the workspace's quota has ${left} requests left, resetting in ${resets ?? '?'} s; `) +
        `past the quota the run waits for it to reset (at most an hour each time)`,
    );
  }

  async *records(): AsyncGenerator<RawRecord> {
    const workspace = Number(this.options.workspace);
    const body: Record<string, unknown> = {
      start_date: this.options.window.from,
      end_date: this.options.window.to ?? new Date().toISOString().slice(0, 10),
      page_size: this.pageSize,
    };
    if (this.options.ownEntries === true) body.user_ids = [(await this.owner()).id];
    const seen = new Set<number>();
    for (let page = 1; ; page++) {
      const answer = await this.send<TogglReportRow[]>('POST', `reports/api/v3/workspace/${workspace}/search/time_entries`, body);
      for (const row of answer.body ?? []) {
        for (const entry of row.time_entries ?? []) {
          if (seen.has(entry.id)) continue;
          seen.add(entry.id);
          if (entry.stop === undefined || entry.stop === null || (entry.seconds ?? 0) < 0) {
            this.skipRunning(entry.id, row.username);
            continue;
          }
          yield this.record({
            id: entry.id,
            workspace_id: workspace,
            user_id: row.user_id,
            username: row.username,
            email: this.options.ownEntries === true ? this.me?.email : undefined,
            description: row.description,
            project_id: row.project_id,
            task_id: row.task_id,
            start: entry.start,
            stop: entry.stop,
            seconds: entry.seconds ?? Math.round((Date.parse(entry.stop) - Date.parse(entry.start)) / 1000),
            at: entry.at,
          });
        }
      }
      const nextRow = answer.headers.get('x-next-row-number');
      if (nextRow === null || nextRow === '') return;
      this.options.report?.(`Toggl: page ${page} read (${seen.size} entries so far, ${this.requests} requests sent)`);
      body.first_row_number = Number(nextRow);
      const nextId = answer.headers.get('x-next-id');
      const nextTimestamp = answer.headers.get('x-next-timestamp');
      if (nextId !== null) body.first_id = Number(nextId);
      if (nextTimestamp !== null) body.first_timestamp = Number(nextTimestamp);
    }
  }

  /** The token owner's entries changed at or after `since`, and those deleted; one request for both. */
  private changes(since: Date): LiveSourceChanges {
    let answer: Promise<TogglTimeEntry[]> | undefined;
    const load = () =>
      (answer ??= this.send<TogglTimeEntry[]>('GET', `api/v9/me/time_entries?since=${Math.floor(since.getTime() / 1000)}`).then((got) =>
        (got.body ?? []).filter((entry) => String(entry.workspace_id) === this.options.workspace),
      ));
    return { records: this.changedRecords(load), deleted: this.deletedIds(load) };
  }

  private async *changedRecords(load: () => Promise<TogglTimeEntry[]>): AsyncGenerator<RawRecord> {
    const me = await this.owner();
    const { from, to } = this.options.window;
    for (const entry of await load()) {
      if (entry.server_deleted_at !== undefined && entry.server_deleted_at !== null) continue;
      if (entry.stop === undefined || entry.stop === null || (entry.duration ?? 0) < 0) {
        this.skipRunning(entry.id, me.fullname);
        continue;
      }
      // The report reads the owner's days; here the start's UTC day is all there is to go by.
      const day = new Date(Date.parse(entry.start)).toISOString().slice(0, 10);
      if (day < from || (to !== undefined && day > to)) continue;
      yield this.record({
        id: entry.id,
        workspace_id: Number(this.options.workspace),
        user_id: entry.user_id ?? me.id,
        username: me.fullname,
        email: me.email,
        description: entry.description,
        project_id: entry.project_id,
        task_id: entry.task_id,
        start: entry.start,
        stop: entry.stop,
        seconds: entry.duration ?? Math.round((Date.parse(entry.stop) - Date.parse(entry.start)) / 1000),
        at: entry.at,
      });
    }
  }

  private async *deletedIds(load: () => Promise<TogglTimeEntry[]>): AsyncGenerator<string> {
    for (const entry of await load()) {
      if (entry.server_deleted_at !== undefined && entry.server_deleted_at !== null) yield `toggl:${entry.id}`;
    }
  }

  private async owner(): Promise<TogglMe> {
    if (this.me === undefined) {
      const me = await this.send<TogglMe>('GET', 'api/v9/me');
      if (me.body?.id === undefined) throw new LiveSourceError('Toggl: GET /api/v9/me named no user');
      this.me = me.body;
    }
    return this.me;
  }

  private skipRunning(id: number, who: string | undefined): void {
    this.running.push(id);
    this.options.report?.(
      `Toggl: entry ${id}${who === undefined ? '' : ` of ${who}`} is still running (no stop yet): skipped until it stops`,
    );
  }

  private record(value: TogglRecordValue): RawRecord {
    return { kind: 'json', file: this.inputName, line: value.id, path: ['time_entries', value.id], value };
  }

  private send<T>(method: 'GET' | 'POST', path: string, body?: unknown, accept?: number[]) {
    this.requests++;
    return this.http.requestJson<T>(method, path, { body, accept });
  }
}

/**
 * A Toggl time entry as the source hands it on: start and stop are instants with their offset;
 * the duration is stop minus start, to the second, checked against Toggl's own seconds, as the
 * detailed report CSV reader does (../formats/toggl.ts), and the id is the same `toggl:<id>`, so
 * a file import and a live sync of the same entries agree. Toggl has no issue keys: they come from
 * --issue-regex, --issue-column (project_id, ...) or --issue-map.
 */
export const togglApiFormat: SourceFormat = {
  name: 'toggl-api',
  fileKinds: [],
  detect: () => false,
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Toggl time entry');
    const entry = record.value as unknown as TogglRecordValue;
    if (typeof entry.id !== 'number' || typeof entry.start !== 'string') return refused('not a Toggl time entry');
    if (typeof entry.stop !== 'string') return refused('a running entry (no stop yet)');
    const start = parseSourceTimestamp(entry.start, settings.zone);
    if (!start.ok) return refused(`start: ${start.error}`);
    const stop = parseSourceTimestamp(entry.stop, settings.zone);
    if (!stop.ok) return refused(`stop: ${stop.error}`);
    const seconds = checkAgainstSpan(
      Math.round((stop.value - start.value) / 1000),
      typeof entry.seconds === 'number' ? entry.seconds : undefined,
      1,
      'seconds',
    );
    if (!seconds.ok) return seconds;
    const description = text(entry.description);
    return accepted({
      sourceId: `toggl:${entry.id}`,
      description: description ?? '',
      user: {
        id: entry.user_id === undefined ? undefined : String(entry.user_id),
        name: entry.username,
        email: entry.email,
      },
      startMs: start.value,
      durationSeconds: seconds.value,
      comment: description,
      durationNote: "stop minus start, to the second (checked against Toggl's seconds)",
    });
  },
};
