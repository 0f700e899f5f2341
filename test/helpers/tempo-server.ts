/**
 * A local Tempo (REST API 4) that answers `GET /4/worklogs` as Tempo's pages describe it
 * (test/fixtures/live/tempo/README.md): a Bearer token, `from`/`to` on the worklog's date,
 * `offset`/`limit` paging (50 by default, 5,000 at most) with `metadata.next`, and worklogs shaped
 * as the reference's example. It holds mutable state, so a test can create, edit and delete
 * worklogs between runs. Not a test file.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TEMPLATE = (
  JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'live', 'tempo', 'worklogs-page.json'), 'utf8')) as {
    results: Record<string, unknown>[];
  }
).results[0]!;

interface StoredWorklog {
  id: number;
  issueId: number;
  accountId: string;
  startDate: string;
  startTime: string;
  seconds: number;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export class FakeTempo {
  /** Whether the token may read worklogs (else 403). */
  allowed = true;
  /** The next this-many requests answer 429 with `Retry-After: 1`. */
  throttle = 0;
  readonly requests: string[] = [];
  readonly worklogs = new Map<number, StoredWorklog>();
  private server: http.Server | undefined;
  private nextId = 3900;
  url = '';

  constructor(readonly token: string) {}

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => this.answer(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  add(entry: { issueId: number; accountId: string; startDate: string; startTime: string; seconds: number; description: string }): number {
    const id = ++this.nextId;
    const at = '2024-06-01T10:00:00Z';
    this.worklogs.set(id, { id, ...entry, createdAt: at, updatedAt: at });
    return id;
  }

  edit(id: number, change: Partial<Pick<StoredWorklog, 'startDate' | 'startTime' | 'seconds' | 'description'>>): void {
    const worklog = this.worklogs.get(id);
    if (worklog === undefined) throw new Error(`no worklog ${id}`);
    Object.assign(worklog, change, { updatedAt: '2024-06-02T10:00:00Z' });
  }

  delete(id: number): void {
    if (!this.worklogs.delete(id)) throw new Error(`no worklog ${id}`);
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url!, 'http://127.0.0.1');
    const base = `http://${request.headers.host}`;
    this.requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (this.throttle > 0) {
      this.throttle--;
      response.writeHead(429, { 'retry-after': '1' }).end();
      return;
    }
    if (request.headers.authorization !== `Bearer ${this.token}`) {
      response.writeHead(401).end();
      return;
    }
    if (!this.allowed) {
      response.writeHead(403).end();
      return;
    }
    if (request.method !== 'GET' || url.pathname !== '/4/worklogs') {
      response.writeHead(404).end();
      return;
    }
    const from = url.searchParams.get('from');
    const to = url.searchParams.get('to');
    const offset = Number(url.searchParams.get('offset') ?? '0');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '50'), 5000);
    const all = [...this.worklogs.values()]
      .filter((worklog) => (from === null || worklog.startDate >= from) && (to === null || worklog.startDate <= to))
      .sort((a, b) => a.id - b.id);
    const results = all.slice(offset, offset + limit).map((worklog) => ({
      ...TEMPLATE,
      self: `${base}/4/worklogs/${worklog.id}`,
      tempoWorklogId: worklog.id,
      issue: { self: `https://example.atlassian.net/rest/api/2/issue/${worklog.issueId}`, id: worklog.issueId },
      timeSpentSeconds: worklog.seconds,
      billableSeconds: worklog.seconds,
      startDate: worklog.startDate,
      startTime: worklog.startTime,
      description: worklog.description,
      createdAt: worklog.createdAt,
      updatedAt: worklog.updatedAt,
      author: { self: `https://example.atlassian.net/rest/api/2/user?accountId=${worklog.accountId}`, accountId: worklog.accountId },
    }));
    const page = (at: number) => {
      const query = new URLSearchParams(url.searchParams);
      query.set('offset', String(at));
      query.set('limit', String(limit));
      return `${base}/4/worklogs?${query}`;
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        self: `${base}${url.pathname}${url.search}`,
        metadata: {
          count: results.length,
          offset,
          limit,
          ...(offset + limit < all.length ? { next: page(offset + limit) } : {}),
        },
        results,
      }),
    );
  }
}
