/**
 * A local Jira (Cloud REST v3 or Server/Data Center v2) that answers the worklog and search
 * operations as Jira's reference documents them (test/fixtures/live/jira/README.md names the pages;
 * the example bodies there are the templates of its answers). It holds mutable state, so a test can
 * create, edit and delete worklogs between runs; its clock starts just behind the real time and the
 * test moves it on, and, as Jira, it leaves
 * out of its change lists whatever changed in the minute before a request. Not a test file.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'live', 'jira');
const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as T;

export interface FakeJiraUser {
  accountId: string;
  displayName: string;
  emailAddress?: string;
  /** Server/Data Center: the user name and key. */
  name?: string;
}

interface StoredWorklog {
  id: number;
  issueId: number;
  author: FakeJiraUser;
  startedMs: number;
  offset: string;
  timeSpentSeconds: number;
  comment: string | undefined;
  createdMs: number;
  updatedMs: number;
}

/** Jira's timestamps: `2021-01-17T12:34:00.000+0000`, here always UTC. */
export const jiraTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/** The words of a comment as Atlassian Document Format (v3), one paragraph a line. */
export const adf = (text: string): unknown => ({
  type: 'doc',
  version: 1,
  content: text.split('\n').map((line) => ({ type: 'paragraph', content: [{ type: 'text', text: line }] })),
});

export class FakeJira {
  /**
   * The server's clock (ms); writes are stamped with it, and it only moves forward. It starts ten
   * minutes behind the machine's clock: close enough for a sync's changes-only read, which asks
   * from its own last start with 15 minutes allowed for clock skew, and far enough behind that a
   * test can move it on by minutes without passing the real time (a worklog written in the future
   * cannot be imported).
   */
  now = Date.now() - 10 * 60_000;
  /** Ids per page of `worklog/updated` and `worklog/deleted`: 1,000 as documented. */
  pageSize = 1000;
  /** The next this-many requests answer 429 with `Retry-After: 1`. */
  throttle = 0;
  /**
   * Whether a JQL naming an issue id that does not exist is refused (400) rather than matching
   * nothing: the source must survive either.
   */
  refuseUnknownIds = false;
  /** Whether the account may use the REST API at all (else 403 to every authenticated request). */
  allowed = true;
  /** Every request, as `METHOD /path?query`. */
  readonly requests: string[] = [];
  /** The bodies of the JQL searches asked. */
  readonly searches: Record<string, unknown>[] = [];
  readonly issues = new Map<number, { id: number; key: string; project: string }>();
  readonly worklogs = new Map<number, StoredWorklog>();
  readonly deletions: { worklogId: number; updatedTime: number }[] = [];
  private server: http.Server | undefined;
  private nextWorklogId = 100_000;
  private nextIssueId = 10_000;
  private lastStamp = 0;
  url = '';

  constructor(
    readonly options: {
      deployment: 'Cloud' | 'Server';
      /** Cloud: Basic auth of this e-mail and the token; Server: the token as a Bearer. */
      email?: string;
      token: string;
      projects?: string[];
    },
  ) {}

  get version(): '2' | '3' {
    return this.options.deployment === 'Cloud' ? '3' : '2';
  }

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => this.answer(request, body, response));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  /** Moves the clock on (by a minute and a second by default: past the minute Jira leaves out). */
  later(ms = 61_000): void {
    this.now += ms;
  }

  private stamp(): number {
    // One write a millisecond, and the clock moves with the writes.
    this.lastStamp = Math.max(this.now, this.lastStamp + 1);
    this.now = this.lastStamp;
    return this.lastStamp;
  }

  addIssue(key: string): number {
    const id = ++this.nextIssueId;
    this.issues.set(id, { id, key, project: key.split('-')[0]! });
    return id;
  }

  issueId(key: string): number {
    for (const issue of this.issues.values()) if (issue.key === key) return issue.id;
    throw new Error(`no issue ${key}`);
  }

  addWorklog(entry: { issue: string; author: FakeJiraUser; started: string; seconds: number; comment?: string }): number {
    const id = ++this.nextWorklogId;
    const at = this.stamp();
    this.worklogs.set(id, {
      id,
      issueId: this.issueId(entry.issue),
      author: entry.author,
      startedMs: Date.parse(entry.started),
      offset: '+0000',
      timeSpentSeconds: entry.seconds,
      comment: entry.comment,
      createdMs: at,
      updatedMs: at,
    });
    return id;
  }

  editWorklog(id: number, change: { started?: string; seconds?: number; comment?: string; issue?: string }): void {
    const worklog = this.worklogs.get(id);
    if (worklog === undefined) throw new Error(`no worklog ${id}`);
    if (change.started !== undefined) worklog.startedMs = Date.parse(change.started);
    if (change.seconds !== undefined) worklog.timeSpentSeconds = change.seconds;
    if (change.comment !== undefined) worklog.comment = change.comment;
    if (change.issue !== undefined) worklog.issueId = this.issueId(change.issue);
    worklog.updatedMs = this.stamp();
  }

  deleteWorklog(id: number): void {
    if (!this.worklogs.delete(id)) throw new Error(`no worklog ${id}`);
    this.deletions.push({ worklogId: id, updatedTime: this.stamp() });
  }

  /** A worklog as `worklog/list` answers it: the reference's example with this worklog's values. */
  worklogJson(worklog: StoredWorklog, base: string): Record<string, unknown> {
    const [template] = fixture<Record<string, unknown>[]>('worklog-list.json');
    const user = this.userJson(worklog.author, base);
    return {
      ...template,
      self: `${base}/rest/api/${this.version}/issue/${worklog.issueId}/worklog/${worklog.id}`,
      author: user,
      updateAuthor: user,
      // v3 writes comments in Atlassian Document Format, v2 as plain text.
      comment: worklog.comment === undefined ? undefined : this.version === '3' ? adf(worklog.comment) : worklog.comment,
      created: jiraTime(worklog.createdMs),
      updated: jiraTime(worklog.updatedMs),
      started: jiraTime(worklog.startedMs),
      timeSpent: `${Math.floor(worklog.timeSpentSeconds / 3600)}h ${Math.floor((worklog.timeSpentSeconds % 3600) / 60)}m`,
      timeSpentSeconds: worklog.timeSpentSeconds,
      id: String(worklog.id),
      issueId: String(worklog.issueId),
      visibility: undefined,
    };
  }

  private userJson(user: FakeJiraUser, base: string): Record<string, unknown> {
    return this.version === '3'
      ? {
          self: `${base}/rest/api/3/user?accountId=${user.accountId}`,
          accountId: user.accountId,
          displayName: user.displayName,
          ...(user.emailAddress === undefined ? {} : { emailAddress: user.emailAddress }),
          active: true,
        }
      : {
          self: `${base}/rest/api/2/user?username=${user.name}`,
          name: user.name,
          key: user.name,
          displayName: user.displayName,
          ...(user.emailAddress === undefined ? {} : { emailAddress: user.emailAddress }),
          active: true,
        };
  }

  private authorized(request: http.IncomingMessage): boolean {
    const header = request.headers.authorization ?? '';
    if (this.options.email !== undefined)
      return header === `Basic ${Buffer.from(`${this.options.email}:${this.options.token}`).toString('base64')}`;
    return header === `Bearer ${this.options.token}`;
  }

  private answer(request: http.IncomingMessage, body: string, response: http.ServerResponse): void {
    const url = new URL(request.url!, 'http://127.0.0.1');
    const base = `http://${request.headers.host}`;
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(json));
    };
    const errors = (status: number, ...errorMessages: string[]) => send(status, { errorMessages, errors: {} });
    if (this.throttle > 0) {
      this.throttle--;
      response.writeHead(429, { 'retry-after': '1', 'content-type': 'text/plain' }).end('Too Many Requests');
      return;
    }
    const route = url.pathname;
    if (request.method === 'GET' && route === '/rest/api/2/serverInfo') {
      // "This operation can be accessed anonymously."
      send(200, {
        ...fixture<Record<string, unknown>>('server-info.json'),
        baseUrl: base,
        deploymentType: this.options.deployment,
        serverTime: jiraTime(this.now),
      });
      return;
    }
    const version = /^\/rest\/api\/(2|3)\//.exec(route)?.[1];
    if (version === undefined || (version === '3' && this.version === '2')) {
      errors(404, 'Not found');
      return;
    }
    if (!this.authorized(request)) {
      errors(401, 'You are not authenticated. Authentication required to perform this operation.');
      return;
    }
    if (!this.allowed) {
      errors(403, 'You do not have the permission to see the specified resource.');
      return;
    }
    const rest = route.slice('/rest/api/x/'.length);
    if (request.method === 'GET' && rest === 'myself') {
      send(200, { ...fixture<Record<string, unknown>>('myself.json'), self: `${base}/rest/api/${version}/myself` });
      return;
    }
    const project = /^project\/([^/]+)$/.exec(rest);
    if (request.method === 'GET' && project !== null) {
      const key = decodeURIComponent(project[1]!);
      if (!(this.options.projects ?? []).includes(key)) errors(404, `No project could be found with key '${key}'.`);
      else send(200, { self: `${base}/rest/api/${version}/project/${key}`, id: '10000', key, name: key });
      return;
    }
    if (request.method === 'GET' && (rest === 'worklog/updated' || rest === 'worklog/deleted')) {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since)) {
        errors(400, `The 'since' parameter must be a number.`);
        return;
      }
      // "does not return worklogs updated during the minute preceding the request"
      const settled = this.now - 60_000;
      const changed =
        rest === 'worklog/updated'
          ? [...this.worklogs.values()].map((worklog) => ({ worklogId: worklog.id, updatedTime: worklog.updatedMs, properties: [] }))
          : this.deletions.map((deletion) => ({ ...deletion, properties: [] }));
      const after = changed
        .filter((item) => item.updatedTime > since && item.updatedTime <= settled)
        .sort((a, b) => a.updatedTime - b.updatedTime);
      const values = after.slice(0, this.pageSize);
      const last = values.at(-1)?.updatedTime ?? since;
      send(200, {
        values,
        since: values[0]?.updatedTime ?? since,
        until: last,
        self: `${base}${route}?since=${since}`,
        nextPage: `${base}${route}?since=${last}`,
        lastPage: after.length <= this.pageSize,
      });
      return;
    }
    if (request.method === 'POST' && rest === 'worklog/list') {
      const ids = (JSON.parse(body || '{}') as { ids?: unknown }).ids;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((id) => Number.isInteger(id))) {
        errors(400, 'The request contains more than 1000 worklog IDs or is empty.');
        return;
      }
      send(
        200,
        ids.flatMap((id: number) => {
          const worklog = this.worklogs.get(id);
          return worklog === undefined ? [] : [this.worklogJson(worklog, base)];
        }),
      );
      return;
    }
    if (request.method === 'POST' && ((version === '3' && rest === 'search/jql') || (version === '2' && rest === 'search'))) {
      const query = JSON.parse(body || '{}') as {
        jql?: string;
        maxResults?: number;
        startAt?: number;
        nextPageToken?: string;
        reconcileIssues?: unknown;
      };
      this.searches.push(query);
      // "Strong consistency issue ids to be reconciled with search results. Accepts max 50 ids"
      if (query.reconcileIssues !== undefined && (!Array.isArray(query.reconcileIssues) || query.reconcileIssues.length > 50)) {
        errors(400, 'Invalid request payload. Refer to the REST API documentation and try again.');
        return;
      }
      let matches: (issue: { id: number; key: string; project: string }) => boolean;
      try {
        matches = parseJql(query.jql ?? '', this.refuseUnknownIds ? (id) => this.issues.has(Number(id)) : undefined);
      } catch (error) {
        errors(400, `Error in the JQL Query: ${(error as Error).message}`);
        return;
      }
      const found = [...this.issues.values()].filter(matches).sort((a, b) => a.id - b.id);
      const start = version === '3' ? Number(query.nextPageToken ?? '0') : (query.startAt ?? 0);
      const size = Math.min(query.maxResults ?? 50, version === '3' ? 5000 : 1000);
      const page = found.slice(start, start + size).map((issue) => ({
        expand: '',
        id: String(issue.id),
        key: issue.key,
        self: `${base}/rest/api/${version}/issue/${issue.id}`,
        fields: {},
      }));
      const more = start + size < found.length;
      if (version === '3') send(200, { isLast: !more, issues: page, ...(more ? { nextPageToken: String(start + size) } : {}) });
      else send(200, { expand: 'schema,names', startAt: start, maxResults: size, total: found.length, issues: page });
      return;
    }
    errors(404, 'Not found');
  }
}

/**
 * The JQL the source sends, and a little more: `id in (1, 2)`, `key in (A-1)`, `project = KEY`
 * (quoted or not), joined by AND, in parentheses. Anything else is an error, as Jira's would be.
 */
function parseJql(text: string, knownId?: (id: string) => boolean): (issue: { id: number; key: string; project: string }) => boolean {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[(),=]|[^\s(),=]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token.toLowerCase() !== expected)) {
      throw new Error(`expecting ${expected ?? 'more'} but got ${token === undefined ? 'the end' : `'${token}'`}`);
    }
    return token;
  };
  const value = (token: string) => (token.startsWith('"') ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token);
  type Issue = { id: number; key: string; project: string };
  const term = (): ((issue: Issue) => boolean) => {
    if (peek() === '(') {
      take('(');
      const inner = expression();
      take(')');
      return inner;
    }
    const field = take().toLowerCase();
    if (field === 'project') {
      take('=');
      const project = value(take());
      return (issue) => issue.project === project;
    }
    if (field === 'id' || field === 'key') {
      take('in');
      take('(');
      const values: string[] = [];
      for (;;) {
        values.push(value(take()));
        if (peek() === ',') take(',');
        else break;
      }
      take(')');
      const unknown = field === 'id' && knownId !== undefined ? values.find((id) => !knownId(id)) : undefined;
      if (unknown !== undefined) throw new Error(`A value with ID '${unknown}' does not exist for the field 'id'.`);
      return field === 'id' ? (issue) => values.includes(String(issue.id)) : (issue) => values.includes(issue.key);
    }
    throw new Error(`Field '${field}' does not exist or you do not have permission to view it.`);
  };
  const expression = (): ((issue: Issue) => boolean) => {
    const terms = [term()];
    while (peek()?.toLowerCase() === 'and') {
      take('and');
      terms.push(term());
    }
    return (issue) => terms.every((one) => one(issue));
  };
  const whole = expression();
  if (at !== tokens.length) throw new Error(`unexpected '${tokens[at]}'`);
  return whole;
}
