/**
 * Local stand-ins for Toggl Track, Clockify and Kimai, answering as their reference documentation
 * shows (docs/source-apis.md): the bodies are the examples in test/fixtures/live/<source>/ with the
 * test's entries filled in, the paging, quota and error answers as documented. Each holds its
 * entries in memory, so a test can create, edit and delete entries between runs. Not a test file.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'live');
const fixture = <T>(source: string, name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, source, name), 'utf8')) as T;

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  /** JSON (an object or array), or plain text (a string). */
  body?: unknown;
}

export interface SeenRequest {
  method: string;
  path: string;
  body: unknown;
}

/** A JSON server on 127.0.0.1: `queued` answers go out first (one per request), then `route`. */
export class LocalService {
  url = '';
  readonly seen: SeenRequest[] = [];
  readonly queued: Answer[] = [];
  private server: http.Server | undefined;

  constructor(private readonly route: (request: SeenRequest & { url: URL; headers: http.IncomingHttpHeaders }) => Answer) {}

  async start(): Promise<this> {
    this.server = http.createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      request.on('end', () => {
        const url = new URL(request.url!, 'http://local');
        const seen = {
          method: request.method!,
          path: `${url.pathname}${url.search}`,
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
        };
        this.seen.push(seen);
        const answer = this.queued.shift() ?? this.route({ ...seen, url, headers: request.headers });
        const isText = typeof answer.body === 'string';
        response.writeHead(answer.status, {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json',
          ...answer.headers,
        });
        response.end(answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

// ---------------------------------------------------------------------------------------------
// Toggl Track

export interface TogglEntry {
  id: number;
  workspace_id: number;
  user_id: number;
  username: string;
  description: string;
  start: string;
  /** null while running. */
  stop: string | null;
  at: string;
  server_deleted_at: string | null;
}

export class TogglServer extends LocalService {
  readonly token = 'toggl-api-token-0001';
  readonly workspace = 4242;
  readonly me = {
    ...fixture<Record<string, unknown>>('toggl', 'me.json'),
    id: 7100001,
    fullname: 'Alice Example',
    email: 'alice@example.com',
  };
  readonly entries = new Map<number, TogglEntry>();
  quotaRemaining = 30;
  /** The server's clock, for `at` and `server_deleted_at`; tests may set it. */
  now = (): number => Date.now();
  private nextId = 500_000_001;

  constructor() {
    super((request) => this.answer(request));
  }

  /** Adds a stopped entry (or a running one without `minutes`) and answers its id. */
  add(entry: { user?: 'alice' | 'bob'; description: string; start: string; minutes?: number; workspace?: number }): number {
    const id = this.nextId++;
    const user = entry.user === 'bob' ? { user_id: 7100002, username: 'Bob Example' } : { user_id: 7100001, username: 'Alice Example' };
    const startMs = Date.parse(entry.start);
    this.entries.set(id, {
      id,
      workspace_id: entry.workspace ?? this.workspace,
      ...user,
      description: entry.description,
      start: iso(startMs),
      stop: entry.minutes === undefined ? null : iso(startMs + entry.minutes * 60_000),
      at: iso(this.now()),
      server_deleted_at: null,
    });
    return id;
  }

  edit(id: number, change: { description?: string; start?: string; minutes?: number }): void {
    const entry = this.entries.get(id)!;
    const startMs = change.start === undefined ? Date.parse(entry.start) : Date.parse(change.start);
    const minutes = change.minutes ?? (entry.stop === null ? undefined : (Date.parse(entry.stop) - Date.parse(entry.start)) / 60_000);
    Object.assign(entry, {
      description: change.description ?? entry.description,
      start: iso(startMs),
      stop: minutes === undefined ? null : iso(startMs + minutes * 60_000),
      at: iso(this.now()),
    });
  }

  delete(id: number): void {
    const entry = this.entries.get(id)!;
    entry.server_deleted_at = iso(this.now());
    entry.at = entry.server_deleted_at;
  }

  private quota(): Record<string, string> {
    return { 'x-toggl-quota-remaining': String(this.quotaRemaining), 'x-toggl-quota-resets-in': '1800' };
  }

  private answer(request: SeenRequest & { url: URL; headers: http.IncomingHttpHeaders }): Answer {
    const expected = `Basic ${Buffer.from(`${this.token}:api_token`).toString('base64')}`;
    if (request.headers.authorization !== expected) return { status: 403, body: 'Incorrect username and/or password' };
    const route = request.url.pathname;
    if (route === '/api/v9/me') return { status: 200, body: this.me };
    let match = /^\/api\/v9\/workspaces\/(\d+)$/.exec(route);
    if (match !== null) {
      if (Number(match[1]) !== this.workspace) return { status: 403, headers: this.quota(), body: 'Incorrect username and/or password' };
      return { status: 200, headers: this.quota(), body: { ...fixture<object>('toggl', 'workspace.json'), id: this.workspace } };
    }
    if (route === '/api/v9/me/time_entries') {
      const since = Number(request.url.searchParams.get('since')) * 1000;
      const template = fixture<Record<string, unknown>>('toggl', 'time-entry.json');
      const body = [...this.entries.values()]
        .filter((entry) => entry.user_id === this.me.id && Date.parse(entry.at) >= since)
        .map((entry) => ({
          ...template,
          id: entry.id,
          workspace_id: entry.workspace_id,
          wid: entry.workspace_id,
          user_id: entry.user_id,
          uid: entry.user_id,
          description: entry.description,
          start: entry.start,
          stop: entry.stop,
          duration:
            entry.stop === null ? -Math.floor(Date.parse(entry.start) / 1000) : (Date.parse(entry.stop) - Date.parse(entry.start)) / 1000,
          at: entry.at,
          server_deleted_at: entry.server_deleted_at,
        }));
      return { status: 200, body };
    }
    match = /^\/reports\/api\/v3\/workspace\/(\d+)\/search\/time_entries$/.exec(route);
    if (match !== null && request.method === 'POST') {
      if (Number(match[1]) !== this.workspace) return { status: 403, headers: this.quota(), body: 'Incorrect username and/or password' };
      const filter = request.body as {
        start_date?: string;
        end_date?: string;
        page_size?: number;
        first_row_number?: number;
        user_ids?: number[];
      };
      if (filter.start_date === undefined) return { status: 400, headers: this.quota(), body: 'start_date is required' };
      const rows = [...this.entries.values()]
        .filter(
          (entry) =>
            entry.workspace_id === this.workspace &&
            entry.server_deleted_at === null &&
            entry.start.slice(0, 10) >= filter.start_date! &&
            (filter.end_date === undefined || entry.start.slice(0, 10) <= filter.end_date) &&
            (filter.user_ids === undefined || filter.user_ids.includes(entry.user_id)),
        )
        .sort((a, b) => a.start.localeCompare(b.start) || a.id - b.id);
      const first = (filter.first_row_number ?? 1) - 1;
      const size = filter.page_size ?? 50;
      const template = fixture<Record<string, unknown>>('toggl', 'report-row.json');
      const page = rows.slice(first, first + size).map((entry, index) => ({
        ...template,
        user_id: entry.user_id,
        username: entry.username,
        description: entry.description,
        row_number: first + index + 1,
        time_entries: [
          {
            id: entry.id,
            seconds:
              entry.stop === null ? -Math.floor(Date.parse(entry.start) / 1000) : (Date.parse(entry.stop) - Date.parse(entry.start)) / 1000,
            start: entry.start,
            stop: entry.stop,
            at: entry.at,
            at_tz: entry.at,
          },
        ],
      }));
      const next = rows[first + size];
      const headers: Record<string, string> = this.quota();
      if (next !== undefined) {
        headers['x-next-row-number'] = String(first + size + 1);
        headers['x-next-id'] = String(next.id);
        headers['x-next-timestamp'] = String(Math.floor(Date.parse(next.start) / 1000));
      }
      return { status: 200, headers, body: page };
    }
    return { status: 404, body: 'Not Found' };
  }
}

// ---------------------------------------------------------------------------------------------
// Clockify

export interface ClockifyEntry {
  _id: string;
  description: string;
  userId: string;
  userName: string;
  userEmail: string;
  start: string;
  end: string | null;
}

export class ClockifyServer extends LocalService {
  readonly apiKey = 'clockify-api-key-0001';
  readonly workspace = '65e1a0c2b4f0d21c3a9e7777';
  readonly entries = new Map<string, ClockifyEntry>();
  private nextId = 1;

  constructor() {
    super((request) => this.answer(request));
  }

  add(entry: { user?: 'alice' | 'bob'; description: string; start: string; minutes?: number }): string {
    const id = `65e1a0c2b4f0d21c3a${String(this.nextId++).padStart(6, '0')}`;
    const user =
      entry.user === 'bob'
        ? { userId: '5a0ab5acb07987125438b002', userName: 'Bob Example', userEmail: 'bob@example.com' }
        : { userId: '5a0ab5acb07987125438b001', userName: 'Alice Example', userEmail: 'alice@example.com' };
    const startMs = Date.parse(entry.start);
    this.entries.set(id, {
      _id: id,
      description: entry.description,
      ...user,
      start: iso(startMs),
      end: entry.minutes === undefined ? null : iso(startMs + entry.minutes * 60_000),
    });
    return id;
  }

  edit(id: string, change: { description?: string; minutes?: number }): void {
    const entry = this.entries.get(id)!;
    if (change.description !== undefined) entry.description = change.description;
    if (change.minutes !== undefined) entry.end = iso(Date.parse(entry.start) + change.minutes * 60_000);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  private answer(request: SeenRequest & { url: URL; headers: http.IncomingHttpHeaders }): Answer {
    if (request.headers['x-api-key'] !== this.apiKey)
      return { status: 401, body: { message: 'Full authentication is required to access this resource', code: 1000 } };
    const match = /^\/v1\/workspaces\/([^/]+)\/reports\/detailed$/.exec(request.url.pathname);
    if (match === null || request.method !== 'POST') return { status: 404, body: { message: 'Not found', code: 404 } };
    if (match[1] !== this.workspace) return { status: 403, body: { message: 'Access denied', code: 403 } };
    const body = request.body as { dateRangeStart: string; dateRangeEnd: string; detailedFilter: { page: number; pageSize: number } };
    const from = Date.parse(body.dateRangeStart);
    const to = Date.parse(body.dateRangeEnd);
    const all = [...this.entries.values()]
      .filter((entry) => Date.parse(entry.start) >= from && Date.parse(entry.start) <= to)
      .sort((a, b) => a.start.localeCompare(b.start) || a._id.localeCompare(b._id));
    const { page, pageSize } = body.detailedFilter;
    const report = fixture<{ totals: Record<string, unknown>[]; timeentries: Record<string, unknown>[] }>(
      'clockify',
      'detailed-report.json',
    );
    const seconds = (entry: ClockifyEntry) => (entry.end === null ? null : (Date.parse(entry.end) - Date.parse(entry.start)) / 1000);
    return {
      status: 200,
      body: {
        totals: [
          {
            ...report.totals[0],
            totalTime: all.reduce((sum, entry) => sum + (seconds(entry) ?? 0), 0),
            entriesCount: all.length,
          },
        ],
        timeentries: all.slice((page - 1) * pageSize, page * pageSize).map((entry) => ({
          ...report.timeentries[0],
          _id: entry._id,
          description: entry.description,
          userId: entry.userId,
          userName: entry.userName,
          userEmail: entry.userEmail,
          timeInterval: { start: entry.start, end: entry.end, duration: seconds(entry) },
        })),
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Kimai

export interface KimaiTimesheetState {
  id: number;
  user: { id: number; username: string; alias: string };
  description: string;
  begin: string;
  end: string | null;
}

/** Kimai writes times in the user's zone with its offset (`+0100`); here always UTC+1. */
const kimaiTime = (ms: number) => new Date(ms + 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+0100');
const kimaiMs = (text: string) => Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));

export class KimaiServer extends LocalService {
  readonly token = 'kimai-api-token-0001';
  readonly timesheets = new Map<number, KimaiTimesheetState>();
  private nextId = 101;

  constructor() {
    super((request) => this.answer(request));
  }

  add(entry: { user?: 'alice' | 'bob'; description: string; start: string; minutes?: number }): number {
    const id = this.nextId++;
    const startMs = Date.parse(entry.start);
    this.timesheets.set(id, {
      id,
      user: entry.user === 'bob' ? { id: 3, username: 'bob', alias: 'Bob Example' } : { id: 2, username: 'alice', alias: 'Alice Example' },
      description: entry.description,
      begin: kimaiTime(startMs),
      end: entry.minutes === undefined ? null : kimaiTime(startMs + entry.minutes * 60_000),
    });
    return id;
  }

  edit(id: number, change: { description?: string; minutes?: number }): void {
    const timesheet = this.timesheets.get(id)!;
    if (change.description !== undefined) timesheet.description = change.description;
    if (change.minutes !== undefined) timesheet.end = kimaiTime(kimaiMs(timesheet.begin) + change.minutes * 60_000);
  }

  delete(id: number): void {
    this.timesheets.delete(id);
  }

  private answer(request: SeenRequest & { url: URL; headers: http.IncomingHttpHeaders }): Answer {
    if (request.headers.authorization !== `Bearer ${this.token}`)
      return { status: 401, body: { code: 401, message: 'Invalid credentials' } };
    const query = request.url.searchParams;
    if (request.url.pathname === '/api/users/me') return { status: 200, body: fixture('kimai', 'user-me.json') };
    if (request.url.pathname !== '/api/timesheets') return { status: 404, body: { code: 404, message: 'Not Found' } };
    // `begin`/`end` are the user's local time (HTML5 format, no offset): UTC+1 here.
    const local = (text: string | null) => (text === null ? undefined : Date.parse(`${text}+01:00`));
    const begin = local(query.get('begin'));
    const end = local(query.get('end'));
    const all = [...this.timesheets.values()]
      .filter(
        (timesheet) => (begin === undefined || kimaiMs(timesheet.begin) >= begin) && (end === undefined || kimaiMs(timesheet.begin) <= end),
      )
      .sort(
        (a, b) => (query.get('orderBy') === 'id' ? a.id - b.id : a.begin.localeCompare(b.begin)) * (query.get('order') === 'ASC' ? 1 : -1),
      );
    const size = Number(query.get('size') ?? 50);
    const page = Number(query.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(all.length / size));
    if (page > pages) return { status: 404, body: { code: 404, message: 'Not Found' } };
    const template = fixture<Record<string, unknown>>('kimai', 'timesheet.json');
    return {
      status: 200,
      headers: { 'x-page': String(page), 'x-total-count': String(all.length), 'x-total-pages': String(pages), 'x-per-page': String(size) },
      body: all.slice((page - 1) * size, page * size).map((timesheet) => ({
        ...template,
        id: timesheet.id,
        user: { ...(template.user as object), ...timesheet.user },
        description: timesheet.description,
        begin: timesheet.begin,
        end: timesheet.end,
        duration: timesheet.end === null ? 0 : (kimaiMs(timesheet.end) - kimaiMs(timesheet.begin)) / 1000,
      })),
    };
  }
}
