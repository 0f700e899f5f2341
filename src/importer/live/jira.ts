import { jiraFormat } from '../formats/jira.js';
import type { RawRecord } from '../readers.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { type LiveSource, type LiveSourceChanges, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Jira as a live source (facts relied on: docs/source-apis.md, "Jira"). Worklogs changed since a
 * time come as ids from `GET /rest/api/<v>/worklog/updated?since=<ms>` (1,000 a page, `nextPage`
 * until `lastPage`), their content from `POST /rest/api/<v>/worklog/list` (1,000 ids at most),
 * and deletions from `GET /rest/api/<v>/worklog/deleted?since=<ms>`. A full read asks for every
 * worklog updated since 0; `changesSince` asks from a little before the time, since Jira leaves out
 * the last minute. Worklogs name their issue by id only: keys come from a JQL search
 * (`id in (...)`, 50 ids a search), which `--source-project` and `--source-jql` narrow, so a
 * worklog whose issue the filter does not find is not part of the source. Records are Jira's own
 * worklogs, converted by the Jira file format (`jira:<worklog id>`, Atlassian Document Format
 * comments as text), so a file import and a live sync of the same Jira agree.
 */
export interface JiraConnectionOptions {
  url: string;
  /**
   * Jira Cloud: the account's e-mail, sent with the API token as Basic auth. Undefined: the token is a
   * Bearer (a Server/Data Center personal access token, or an OAuth 2.0 access token).
   */
  email?: string | undefined;
  token: string;
  http?: Partial<SourceHttpOptions> | undefined;
}

export interface JiraSourceOptions extends JiraConnectionOptions {
  /** A project key: only its issues' worklogs. */
  project?: string | undefined;
  /** A JQL filter (no ORDER BY): only the worklogs of the issues it finds. */
  jql?: string | undefined;
  /** Days worked (`started`, as Jira writes it), inclusive. */
  window?: SourceWindow | undefined;
}

interface ChangedWorklogs {
  values?: { worklogId: number; updatedTime?: number }[];
  since?: number;
  until?: number;
  nextPage?: string;
  lastPage?: boolean;
  isLastPage?: boolean;
}

interface JiraWorklog {
  id: string;
  issueId: string;
  started?: string;
  [field: string]: unknown;
}

/** Jira's pages of changed worklogs and its bulk worklog read both stop at 1,000. */
export const JIRA_LIST_MAX = 1000;
/**
 * Issue ids per JQL search: the query stays short, one page of keys answers it, and on Cloud the
 * same ids fit `reconcileIssues` (at most 50), which makes the search see issues created or moved
 * moments ago (Cloud's search is otherwise eventually consistent).
 */
const IDS_PER_SEARCH = 50;
/**
 * How far before the asked time `changesSince` reads: Jira's change lists leave out the minute
 * before each request, so the last run could not see that minute; the rest allows for a clock
 * here that differs from Jira's. Changes read twice are simply unchanged the second time.
 */
export const CHANGES_OVERLAP_MS = 5 * 60_000;

/**
 * The REST API of one Jira: its version (3 on Cloud, 2 on Server and Data Center, told apart by
 * `serverInfo`'s `deploymentType`), credentials checked, errors turned into messages that say what
 * to do, and issue keys looked up by id. Shared by the Jira and Tempo sources.
 */
export class JiraConnection {
  readonly http: SourceHttp;
  readonly origin: string;
  private api: '2' | '3' | undefined;
  /** Issue id → key, or null when the search (with its filter) did not find it. */
  private readonly keys = new Map<string, string | null>();

  constructor(private readonly options: JiraConnectionOptions) {
    const basic = options.email === undefined ? undefined : Buffer.from(`${options.email}:${options.token}`).toString('base64');
    this.http = new SourceHttp({
      name: 'Jira',
      ...options.http,
      baseUrl: options.url,
      headers: { authorization: basic === undefined ? `Bearer ${options.token}` : `Basic ${basic}` },
    });
    this.origin = `${this.http.base.origin}${this.http.base.pathname.replace(/\/$/, '')}`;
  }

  /** `rest/api/<v>/<rest>`; the version is known once `check` ran. */
  path(rest: string): string {
    if (this.api === undefined) throw new Error('JiraConnection.check() must run first');
    return `rest/api/${this.api}/${rest}`;
  }

  get version(): '2' | '3' | undefined {
    return this.api;
  }

  async check(): Promise<void> {
    const info = await this.http.getJson<{ deploymentType?: string }>('rest/api/2/serverInfo', [401, 403, 404]).catch((error: unknown) => {
      throw error instanceof SourceHttpError ? new LiveSourceError(`${error.message}; is ${this.options.url} a Jira?`) : error;
    });
    if (info.status === 404 || info.body === undefined || typeof info.body !== 'object')
      throw new LiveSourceError(
        `Jira: no REST API at ${this.origin} (${info.status}): give Jira's base URL, e.g. https://your-domain.atlassian.net`,
      );
    if (info.status === 401) throw new LiveSourceError(this.refusedMessage(info.body));
    this.api = info.body.deploymentType === 'Cloud' ? '3' : '2';
    const me = await this.http.getJson<unknown>(this.path('myself'), [401, 403]);
    if (me.status === 401) throw new LiveSourceError(this.refusedMessage(me.body));
    if (me.status === 403)
      throw new LiveSourceError(`Jira refused access (403)${errorText(me.body)}: the account may not use Jira's REST API`);
  }

  private refusedMessage(body: unknown): string {
    return this.options.email === undefined
      ? `Jira refused the token (401)${errorText(body)}: give a personal access token (Server, Data Center) or an OAuth 2.0 access token; for Jira Cloud's API tokens add --source-email`
      : `Jira refused the e-mail and API token (401)${errorText(body)}: give the e-mail of the Atlassian account and one of its API tokens`;
  }

  /** A read that must succeed; Jira's own error messages are part of the error. */
  async read<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const answer =
      method === 'GET'
        ? await this.http.getJson<T>(path, [400, 401, 403, 404])
        : await this.http.postJson<T>(path, body, [400, 401, 403, 404]);
    if (answer.status === 200) return answer.body;
    const where = `Jira: ${method} /${path.split('?')[0]}`;
    if (answer.status === 401) throw new SourceHttpError(401, `${where}: ${this.refusedMessage(answer.body)}`);
    if (answer.status === 403) throw new SourceHttpError(403, `${where}: access refused (403)${errorText(answer.body)}`);
    if (answer.status === 404) throw new SourceHttpError(404, `${where}: not found (404)${errorText(answer.body)}`);
    throw new SourceHttpError(answer.status, `${where}: refused (400)${errorText(answer.body)}`);
  }

  /**
   * The keys of the given issues that the filter finds (every visible issue without one), through
   * JQL searches of 50 ids; each id is asked once per run.
   */
  async issueKeys(ids: Iterable<string>, filter: string | undefined): Promise<Map<string, string | null>> {
    const wanted = [...new Set(ids)].filter((id) => /^\d+$/.test(id) && !this.keys.has(id));
    for (let start = 0; start < wanted.length; start += IDS_PER_SEARCH)
      await this.searchIds(wanted.slice(start, start + IDS_PER_SEARCH), filter);
    return this.keys;
  }

  /**
   * One search of ids. A JQL that names an id Jira does not show may be refused whole (400), as a
   * worklog's issue can be deleted or hidden between two requests: the ids are then asked in
   * halves, and an id refused alone is one Jira does not show.
   */
  private async searchIds(ids: string[], filter: string | undefined): Promise<void> {
    for (const id of ids) this.keys.set(id, null);
    const jql = `id in (${ids.join(',')})${filter === undefined ? '' : ` AND ${filter}`}`;
    let found: { id: string; key: string }[];
    try {
      found = await this.search(jql, Infinity, ids.map(Number));
    } catch (error) {
      if (!(error instanceof SourceHttpError && error.status === 400)) throw error;
      if (ids.length === 1) return;
      const half = Math.ceil(ids.length / 2);
      await this.searchIds(ids.slice(0, half), filter);
      await this.searchIds(ids.slice(half), filter);
      return;
    }
    for (const issue of found) this.keys.set(String(issue.id), issue.key);
  }

  /** Every issue a JQL query finds, id and key only: `search/jql` (token paging) on Cloud, `search` (startAt) on Server. */
  async search(jql: string, limit = Infinity, reconcile: number[] = []): Promise<{ id: string; key: string }[]> {
    const found: { id: string; key: string }[] = [];
    if (this.api === '3') {
      let nextPageToken: string | undefined;
      do {
        const page = await this.read<{ issues?: { id: string; key: string }[]; nextPageToken?: string | null }>(
          'POST',
          this.path('search/jql'),
          {
            jql,
            fields: ['key'],
            maxResults: Math.min(IDS_PER_SEARCH, limit),
            ...(reconcile.length === 0 ? {} : { reconcileIssues: reconcile }),
            ...(nextPageToken === undefined ? {} : { nextPageToken }),
          },
        );
        found.push(...(page.issues ?? []));
        nextPageToken = page.nextPageToken ?? undefined;
      } while (nextPageToken !== undefined && found.length < limit);
      return found;
    }
    for (;;) {
      const page = await this.read<{ issues?: { id: string; key: string }[]; total?: number }>('POST', this.path('search'), {
        jql,
        fields: ['key'],
        startAt: found.length,
        maxResults: Math.min(IDS_PER_SEARCH, limit),
      });
      const issues = page.issues ?? [];
      found.push(...issues);
      if (issues.length === 0 || found.length >= (page.total ?? 0) || found.length >= limit) return found;
    }
  }
}

/** Jira's error body (`{errorMessages: [...], errors: {field: message}}`) as text, or nothing. */
export function errorText(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { errorMessages, errors } = body as { errorMessages?: unknown; errors?: unknown };
  const parts = [
    ...(Array.isArray(errorMessages) ? errorMessages.filter((message) => typeof message === 'string') : []),
    ...(typeof errors === 'object' && errors !== null
      ? Object.entries(errors).map(([field, message]) => `${field}: ${String(message)}`)
      : []),
  ];
  return parts.length === 0 ? '' : `: ${parts.join('; ')}`;
}

const quoteJql = (text: string): string => `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;

export class JiraSource implements LiveSource {
  readonly label: string;
  readonly inputName: string;
  readonly format = jiraFormat;
  readonly connection: JiraConnection;
  private readonly filter: string | undefined;

  constructor(private readonly options: JiraSourceOptions) {
    this.connection = new JiraConnection(options);
    const parts = [
      ...(options.project === undefined ? [] : [`project = ${quoteJql(options.project)}`]),
      ...(options.jql === undefined ? [] : [`(${options.jql})`]),
    ];
    this.filter = parts.length === 0 ? undefined : parts.join(' AND ');
    const scope = [
      options.project === undefined ? undefined : `project ${options.project}`,
      options.jql === undefined ? undefined : `JQL ${options.jql}`,
    ]
      .filter((part) => part !== undefined)
      .join(', ');
    this.label = `Jira ${this.connection.origin}${scope === '' ? '' : ` (${scope})`}`;
    this.inputName = `jira-${(options.project ?? 'all').replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  }

  async check(): Promise<void> {
    await this.connection.check();
    if (this.options.project !== undefined) {
      const project = await this.connection.http.getJson<unknown>(
        this.connection.path(`project/${encodeURIComponent(this.options.project)}`),
        [404],
      );
      if (project.status === 404)
        throw new LiveSourceError(
          `Jira has no project ${JSON.stringify(this.options.project)} this account may see (404)${errorText(project.body)}`,
        );
    }
    if (this.filter !== undefined) {
      try {
        await this.connection.search(this.filter, 1);
      } catch (error) {
        throw error instanceof LiveSourceError ? new LiveSourceError(`${error.message} (the JQL was ${this.filter})`) : error;
      }
    }
  }

  records(): AsyncIterable<RawRecord> {
    return this.read(0, new Set());
  }

  /**
   * Worklogs created or edited at or after `since` (read from a little before it), and the ids of
   * those deleted: Jira's deletions, then worklogs edited out of the source's scope (moved to an
   * issue the filter does not find, or to a day outside the window), which a full read would no
   * longer list either. The deleted ids are complete once the records were read; read first, they
   * read the changed worklogs themselves.
   */
  changesSince(since: Date): LiveSourceChanges {
    const sinceMs = Math.max(0, since.getTime() - CHANGES_OVERLAP_MS);
    const outOfScope = new Set<string>();
    let recordsRead = false;
    const read = this.read.bind(this);
    const deletedSince = this.deletedSince.bind(this);
    return {
      records: (async function* () {
        yield* read(sinceMs, outOfScope);
        recordsRead = true;
      })(),
      deleted: (async function* () {
        const given = new Set<string>();
        for await (const id of deletedSince(sinceMs)) {
          if (given.has(id)) continue;
          given.add(id);
          yield id;
        }
        if (!recordsRead) for await (const _record of read(sinceMs, outOfScope)) void _record;
        for (const id of outOfScope) if (!given.has(id)) yield id;
      })(),
    };
  }

  private async *deletedSince(sinceMs: number): AsyncGenerator<string> {
    for await (const id of this.changedIds('deleted', sinceMs)) yield `jira:${id}`;
  }

  /** Worklog ids from `worklog/updated` or `worklog/deleted`, oldest change first, following `nextPage` on this Jira. */
  private async *changedIds(kind: 'updated' | 'deleted', sinceMs: number): AsyncGenerator<string> {
    let query = `since=${sinceMs}`;
    for (;;) {
      const page = await this.connection.read<ChangedWorklogs>('GET', this.connection.path(`worklog/${kind}?${query}`));
      const values = page.values ?? [];
      for (const value of values) yield String(value.worklogId);
      // `lastPage` as documented (`isLastPage` as some Server versions name it); without either,
      // only a short page is known to be the last.
      const last = page.lastPage ?? page.isLastPage ?? values.length < JIRA_LIST_MAX;
      if (last || page.nextPage === undefined) return;
      // The next page's query is taken from `nextPage` and asked of the same base URL: behind a
      // proxy (api.atlassian.com) Jira's absolute links may name another host.
      const next = new URL(page.nextPage).searchParams.toString();
      if (next === query)
        throw new LiveSourceError(`Jira: GET worklog/${kind}?${query} named itself as its next page; stopped to not loop`);
      query = next;
    }
  }

  /** The worklogs updated since a time, in the scope; those out of it go into `outOfScope` as source ids. */
  private async *read(sinceMs: number, outOfScope: Set<string>): AsyncGenerator<RawRecord> {
    const seen = new Set<string>();
    let batch: string[] = [];
    for await (const id of this.changedIds('updated', sinceMs)) {
      // A worklog edited while the pages are read comes again on a later page.
      if (seen.has(id)) continue;
      seen.add(id);
      batch.push(id);
      if (batch.length === JIRA_LIST_MAX) {
        yield* this.worklogs(batch, outOfScope);
        batch = [];
      }
    }
    if (batch.length > 0) yield* this.worklogs(batch, outOfScope);
  }

  private async *worklogs(ids: string[], outOfScope: Set<string>): AsyncGenerator<RawRecord> {
    // A worklog deleted since its id was listed is simply not answered.
    const answer = await this.connection.read<JiraWorklog[]>('POST', this.connection.path('worklog/list'), { ids: ids.map(Number) });
    const byId = new Map((Array.isArray(answer) ? answer : []).map((worklog) => [String(worklog.id), worklog]));
    const keys = await this.connection.issueKeys(
      [...byId.values()].map((worklog) => String(worklog.issueId)),
      this.filter,
    );
    const window = this.options.window;
    for (const id of ids) {
      const worklog = byId.get(id);
      if (worklog === undefined) continue;
      const key = keys.get(String(worklog.issueId)) ?? undefined;
      const day = typeof worklog.started === 'string' ? worklog.started.slice(0, 10) : undefined;
      const outside =
        (this.filter !== undefined && key === undefined) ||
        (day !== undefined && ((window?.from !== undefined && day < window.from) || (window?.to !== undefined && day > window.to)));
      if (outside) {
        outOfScope.add(`jira:${id}`);
        continue;
      }
      // The path names the issue key where the Jira file format looks for it (`{"MIG-1": {worklogs}}`).
      yield { kind: 'json', file: this.inputName, line: Number(id), path: [key ?? '', 'worklogs', id], value: worklog };
    }
  }
}
