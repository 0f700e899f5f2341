import { type Result, accepted, refused } from '../../domain/result.js';
import { checkAgainstSpan, isObject, text } from '../formats/common.js';
import type { SourceEntry, SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';
import { parseSourceTimestamp } from '../time.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { type LiveSource, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Kimai 2 as a live source (docs/source-apis.md, "Kimai"): `GET /api/timesheets?user=all&full=true`
 * with an API token as `Authorization: Bearer`, in ascending id, paged by `page`/`size` until
 * `X-Total-Pages`; `begin`/`end` bound the window in the token user's time zone. Kimai lists no
 * deleted timesheets (`modified_after` sees only the living), so there is no `changesSince`: every
 * run reads its whole window. A token without the `view_other_timesheet` permission is not
 * refused `user=all`: Kimai answers with that user's own timesheets only. Running timesheets (no
 * end yet) are skipped and reported.
 */
export interface KimaiSourceOptions {
  url: string;
  token: string;
  window?: SourceWindow | undefined;
  pageSize?: number | undefined;
  report?: ((line: string) => void) | undefined;
  http?: Partial<SourceHttpOptions>;
}

const DEFAULT_PAGE = 100;

/** A timesheet of `GET /api/timesheets?full=true`, as far as the conversion reads it. */
export interface KimaiTimesheet {
  id: number;
  begin: string;
  end?: string | null;
  duration?: number | null;
  description?: string | null;
  user?: { id: number; username?: string; alias?: string | null } | number;
}

export class KimaiSource implements LiveSource {
  readonly label: string;
  readonly inputName = 'kimai';
  readonly format = kimaiApiFormat;
  readonly running: number[] = [];
  private readonly http: SourceHttp;

  constructor(private readonly options: KimaiSourceOptions) {
    this.http = new SourceHttp({
      name: 'Kimai',
      onRetry: ({ delayMs, reason }) => options.report?.(`Kimai: answered ${reason}; waiting ${Math.ceil(delayMs / 1000)} s`),
      ...options.http,
      baseUrl: options.url,
      headers: { authorization: `Bearer ${options.token}` },
    });
    this.label = `Kimai ${this.http.base.origin}${this.http.base.pathname.replace(/\/$/, '')}`;
  }

  async check(): Promise<void> {
    const me = await this.http.getJson<{ id?: number }>('api/users/me', [401, 403]).catch((error: unknown) => {
      throw error instanceof SourceHttpError ? new LiveSourceError(`${error.message}; is ${this.options.url} a Kimai?`) : error;
    });
    if (me.status !== 200 || typeof me.body?.id !== 'number')
      throw new LiveSourceError(`Kimai refused the API token (${me.status}): give a token made under the user's profile → API access`);
  }

  async *records(): AsyncGenerator<RawRecord> {
    const size = this.options.pageSize ?? DEFAULT_PAGE;
    const seen = new Set<number>();
    for (let page = 1; ; page++) {
      const query = new URLSearchParams({ user: 'all', full: 'true', orderBy: 'id', order: 'ASC', page: String(page), size: String(size) });
      if (this.options.window?.from !== undefined) query.set('begin', `${this.options.window.from}T00:00:00`);
      if (this.options.window?.to !== undefined) query.set('end', `${this.options.window.to}T23:59:59`);
      // A page past the last is a 404: the window emptied while the run paged.
      const answer = await this.http.getJson<KimaiTimesheet[]>(`api/timesheets?${query}`, page > 1 ? [404] : []);
      if (answer.status === 404) return;
      for (const timesheet of answer.body ?? []) {
        if (seen.has(timesheet.id)) continue;
        seen.add(timesheet.id);
        if (timesheet.end === undefined || timesheet.end === null) {
          this.running.push(timesheet.id);
          this.options.report?.(`Kimai: timesheet ${timesheet.id} is still running (no end yet): skipped until it stops`);
          continue;
        }
        yield { kind: 'json', file: this.inputName, line: timesheet.id, path: ['timesheets', timesheet.id], value: timesheet };
      }
      const pages = Number(answer.headers.get('x-total-pages'));
      if (!Number.isFinite(pages) || page >= pages || (answer.body ?? []).length === 0) return;
    }
  }
}

/**
 * A Kimai timesheet: begin and end carry their offset; the duration is Kimai's `duration` in
 * seconds when given, checked against end minus begin within a minute, as the timesheet CSV
 * reader does (../formats/kimai.ts), whose id `kimai:<id>` it shares.
 */
export const kimaiApiFormat: SourceFormat = {
  name: 'kimai-api',
  fileKinds: [],
  detect: () => false,
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Kimai timesheet');
    const timesheet = record.value as unknown as KimaiTimesheet;
    if (typeof timesheet.id !== 'number' || typeof timesheet.begin !== 'string') return refused('not a Kimai timesheet');
    if (typeof timesheet.end !== 'string') return refused('a running timesheet (no end yet)');
    const begin = parseSourceTimestamp(timesheet.begin, settings.zone);
    if (!begin.ok) return refused(`begin: ${begin.error}`);
    const end = parseSourceTimestamp(timesheet.end, settings.zone);
    if (!end.ok) return refused(`end: ${end.error}`);
    const duration = typeof timesheet.duration === 'number' ? timesheet.duration : undefined;
    const checked = checkAgainstSpan(Math.round((end.value - begin.value) / 1000), duration, 59, 'duration');
    if (!checked.ok) return checked;
    const user = typeof timesheet.user === 'object' && timesheet.user !== null ? timesheet.user : undefined;
    const description = text(timesheet.description);
    return accepted({
      sourceId: `kimai:${timesheet.id}`,
      description: description ?? '',
      user: {
        id: user === undefined ? (typeof timesheet.user === 'number' ? String(timesheet.user) : undefined) : String(user.id),
        login: user?.username,
        name: user?.alias ?? user?.username,
      },
      startMs: begin.value,
      durationSeconds: duration ?? checked.value,
      comment: description,
      durationNote: 'Kimai duration in seconds (checked against end minus begin)',
    });
  },
};
