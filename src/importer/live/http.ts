import { parseRetryAfter } from '../../client/tracker-client.js';
import { LiveSourceError } from './types.js';

/**
 * Requests to a live source's REST API, as every source needs them: JSON answers, 429 and 503
 * waited out (`Retry-After`, else exponential backoff with jitter), 500/502/504 and broken
 * connections retried a few times (Redmine on SQLite answers 500 under concurrent writes), and no
 * redirect followed (a redirect could carry the credentials to another host: it is an error naming
 * where it pointed). Every URL is resolved against the source's base and must keep its origin.
 */
export interface SourceHttpOptions {
  baseUrl: string;
  /** Headers sent with every request (the source's credentials). */
  headers: Record<string, string>;
  /** What messages call the source: "Redmine". */
  name: string;
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /**
   * A source's own "wait, then ask again" answer besides 429/503 (Toggl's 402 when the hourly
   * quota is used up): the milliseconds to wait, or undefined for an error.
   */
  waitOn?: (status: number, headers: Headers) => number | undefined;
}

export class SourceHttpError extends LiveSourceError {
  constructor(
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const RETRIED = new Set([429, 500, 502, 503, 504]);

export class SourceHttp {
  readonly base: URL;

  constructor(private readonly options: SourceHttpOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:')
      throw new SourceHttpError(undefined, `${options.name}: ${options.baseUrl} is not an http(s) URL`);
  }

  /** The absolute URL of a path relative to the base (`time_entries.json?...`), refused off the base's origin. */
  urlOf(path: string): URL {
    const url = new URL(path.replace(/^\/+/, ''), this.base);
    if (url.origin !== this.base.origin)
      throw new SourceHttpError(undefined, `${this.options.name}: ${url.href} is not on ${this.base.origin}`);
    return url;
  }

  async getJson<T>(path: string, accept: number[] = []): Promise<{ status: number; headers: Headers; body: T }> {
    return this.requestJson<T>('GET', path, { accept });
  }

  /**
   * A POST that only reads (Jira's `worklog/list` and JQL search, the reports APIs' searches take
   * their query in the body), so it is retried like a GET.
   */
  async postJson<T>(path: string, body: unknown, accept: number[] = []): Promise<{ status: number; headers: Headers; body: T }> {
    return this.requestJson<T>('POST', path, { body, accept });
  }

  /** A request with an optional JSON body; a POST sent here only reads, and is retried as a GET is. */
  async requestJson<T>(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; accept?: number[] } = {},
  ): Promise<{ status: number; headers: Headers; body: T }> {
    const accept = options.accept ?? [];
    const url = this.urlOf(path);
    const what = `${this.options.name}: ${method} ${url.pathname}${url.search}`;
    const retries = this.options.retries ?? 6;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...this.options.headers,
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
        });
      } catch (error) {
        if (attempt >= retries)
          throw new SourceHttpError(undefined, `${what}: ${(error as Error).message} (after ${attempt + 1} attempts)`);
        await this.wait(attempt, undefined, `${(error as Error).message}`, sleep);
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        throw new SourceHttpError(
          response.status,
          `${what}: answered ${response.status}, a redirect to ${response.headers.get('location') ?? '(no location)'}; redirects are not followed: give the URL it names`,
        );
      }
      const text = await response.text();
      if (response.ok || accept.includes(response.status)) {
        let body: T;
        try {
          body = (text === '' ? undefined : JSON.parse(text)) as T;
        } catch {
          // An accepted refusal may come as plain text (Toggl's 403): the status is what is asked for.
          if (!response.ok) return { status: response.status, headers: response.headers, body: undefined as T };
          throw new SourceHttpError(response.status, `${what}: the answer is not JSON: ${text.slice(0, 120)}`);
        }
        return { status: response.status, headers: response.headers, body };
      }
      if (RETRIED.has(response.status) && attempt < retries) {
        await this.wait(attempt, parseRetryAfter(response.headers.get('retry-after')), String(response.status), sleep);
        continue;
      }
      const ownWait = this.options.waitOn?.(response.status, response.headers);
      if (ownWait !== undefined && attempt < retries) {
        await this.wait(attempt, ownWait, String(response.status), sleep);
        continue;
      }
      throw new SourceHttpError(response.status, `${what}: ${response.status} ${text.slice(0, 200)}`.trim());
    }
  }

  private async wait(
    attempt: number,
    retryAfterMs: number | undefined,
    reason: string,
    sleep: (ms: number) => Promise<void>,
  ): Promise<void> {
    const base = this.options.baseDelayMs ?? 500;
    const capped = Math.min(base * 2 ** attempt, this.options.maxDelayMs ?? 30_000);
    // Full jitter, so that clients that failed together do not come back together.
    const delayMs = retryAfterMs ?? Math.round(capped / 2 + (Math.random() * capped) / 2);
    this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason });
    await sleep(delayMs);
  }
}
