import { isObject } from '../formats/common.js';
import { tempoFormat } from '../formats/tempo.js';
import type { RawRecord } from '../readers.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { JiraConnection, type JiraConnectionOptions } from './jira.js';
import { type LiveSource, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Tempo Cloud (REST API 4) as a live source (facts relied on: docs/source-apis.md, "Tempo"):
 * `GET /4/worklogs` with a Bearer token, `from`/`to` bounding the days worked, paged by
 * `offset`/`limit` (5,000 a page, the most v4 allows) while `metadata.next` names a next page.
 * Version 4 names a worklog's issue by its Jira id only: with a Jira connection the keys are looked
 * up there (a JQL search of 50 ids at a time), else --issue-map maps the ids. `startDate` and
 * `startTime` are the worker's local time, so the Tempo file format, which converts these records,
 * needs --timezone. Tempo's worklog API lists created and changed worklogs (`updatedFrom`) but no
 * deleted ones, so this source has no `changesSince`: every run reads its whole window, and a
 * deleted worklog is seen by its absence.
 */
export interface TempoSourceOptions {
  /** Tempo's API base, e.g. https://api.tempo.io (the paths add `/4/...`). */
  url: string;
  token: string;
  window?: SourceWindow | undefined;
  /** A Jira to look issue keys up in; without it the records keep the issue id. */
  jira?: JiraConnectionOptions | undefined;
  http?: Partial<SourceHttpOptions> | undefined;
  /** Worklogs per page; Tempo v4 allows up to 5,000. */
  pageSize?: number | undefined;
}

interface TempoPage {
  results?: unknown[];
  metadata?: { count?: number; offset?: number; limit?: number; next?: string };
}

export const TEMPO_PAGE_MAX = 5000;

export class TempoSource implements LiveSource {
  readonly label: string;
  readonly inputName = 'tempo';
  readonly format = tempoFormat;
  private readonly http: SourceHttp;
  private readonly jira: JiraConnection | undefined;
  private readonly where: string;

  constructor(private readonly options: TempoSourceOptions) {
    this.http = new SourceHttp({
      name: 'Tempo',
      ...options.http,
      baseUrl: options.url,
      headers: { authorization: `Bearer ${options.token}` },
    });
    this.jira = options.jira === undefined ? undefined : new JiraConnection({ http: options.http, ...options.jira });
    this.where = `${this.http.base.origin}${this.http.base.pathname.replace(/\/$/, '')}`;
    const window = options.window;
    const days = window?.from === undefined && window?.to === undefined ? '' : ` (days ${window?.from ?? '…'} to ${window?.to ?? '…'})`;
    this.label = `Tempo ${this.where}${days}`;
  }

  async check(): Promise<void> {
    const answer = await this.http.getJson<TempoPage>(`4/worklogs?${this.query(0, 1)}`, [400, 401, 403, 404]).catch((error: unknown) => {
      throw error instanceof SourceHttpError
        ? new LiveSourceError(`${error.message}; is ${this.options.url} Tempo's API (https://api.tempo.io)?`)
        : error;
    });
    if (answer.status === 401)
      throw new LiveSourceError(`Tempo refused the token (401): give a token from Tempo → Settings → API integration`);
    if (answer.status === 403) throw new LiveSourceError(`Tempo refused access (403): the token may not read worklogs`);
    if (answer.status === 404)
      throw new LiveSourceError(`Tempo: no worklog API at ${this.where}/4/worklogs (404): give https://api.tempo.io`);
    if (answer.status === 400) throw new LiveSourceError(`Tempo refused the request (400): ${JSON.stringify(answer.body).slice(0, 200)}`);
    await this.jira?.check();
  }

  async *records(): AsyncGenerator<RawRecord> {
    const limit = Math.min(this.options.pageSize ?? TEMPO_PAGE_MAX, TEMPO_PAGE_MAX);
    const seen = new Set<string>();
    let query = this.query(0, limit);
    for (;;) {
      const page = await this.http.getJson<TempoPage>(`4/worklogs?${query}`);
      const results = (page.body?.results ?? []).filter(isObject);
      const keys = await this.jira?.issueKeys(
        results.map((worklog) => (isObject(worklog.issue) ? String(worklog.issue.id) : '')),
        undefined,
      );
      for (const worklog of results) {
        const id = String(worklog.tempoWorklogId);
        // Offset pages are computed afresh: a worklog created meanwhile can push one onto the next page again.
        if (seen.has(id)) continue;
        seen.add(id);
        const issue = isObject(worklog.issue) ? worklog.issue : undefined;
        const key = issue === undefined ? undefined : keys?.get(String(issue.id));
        yield {
          kind: 'json',
          file: this.inputName,
          line: Number(id),
          path: ['results', id],
          value: key == null || issue === undefined ? worklog : { ...worklog, issue: { ...issue, key } },
        };
      }
      const next = page.body?.metadata?.next;
      if (next === undefined || next === '' || results.length === 0) return;
      // The next page's query (its offset) is asked of the same base URL, never of a host an answer names.
      const nextQuery = new URL(next).searchParams.toString();
      if (nextQuery === query)
        throw new LiveSourceError(`Tempo: GET 4/worklogs?${query} named itself as its next page; stopped to not loop`);
      query = nextQuery;
    }
  }

  private query(offset: number, limit: number): string {
    const query = new URLSearchParams();
    if (this.options.window?.from !== undefined) query.set('from', this.options.window.from);
    if (this.options.window?.to !== undefined) query.set('to', this.options.window.to);
    query.set('offset', String(offset));
    query.set('limit', String(limit));
    return query.toString();
  }
}
