/**
 * A typed client for the Tracker REST API as `timeport import` and `timeport reconcile` use it:
 * authentication and organization headers, retries with backoff on network errors, 429 (honouring
 * `Retry-After`) and 503, `Link` paging, and discovery of Timeport's extensions. It never retries
 * another 4xx or a 5xx: the import is not idempotent on Tracker, and a retried 500 could store an
 * entry twice (docs/tracker-api.md §Errors).
 */

import { randomUUID } from 'node:crypto';
import { INVALID_FIELDS_MESSAGE } from '../domain/errors.js';

/** Tracker's error body (docs/tracker-api.md §Errors). */
export interface TrackerErrorBody {
  errors: Record<string, string>;
  errorsData?: Record<string, unknown>;
  errorMessages: string[];
  statusCode: number;
}

export interface UserRef {
  self?: string;
  id: string;
  display?: string;
}

export interface TrackerWorklog {
  id: number;
  /** Grows by one with every change of the worklog (Timeport answers it). */
  version?: number;
  issue?: { key: string };
  comment?: string;
  createdBy: UserRef;
  createdAt: string;
  start: string;
  duration: string;
}

export interface TrackerIssue {
  id: string;
  key: string;
  createdAt: string;
  updatedAt: string;
  spent?: string;
}

export interface TrackerUser {
  uid: number;
  login: string;
  display: string;
  email?: string;
}

/** What `GET /timeport/v1/capabilities` answers on a Timeport server. */
export interface TimeportCapabilities {
  timeport: true;
  worklogBatchImport?: { path: string; maxEntries: number; maxBodyBytes: number; maxExternalIdLength?: number };
  importLedger?: { path: string; rollback?: boolean };
  /** Updates and deletes by external id (`POST /timeport/v1/worklogs/_changes`). */
  worklogChanges?: { path: string; maxChanges: number; maxBodyBytes?: number };
  /** What imports with external ids put there (`GET /timeport/v1/worklogs/_external`). */
  worklogExternalList?: { path: string; maxPerPage: number };
}

export const WORKLOG_CHANGES_PATH = '/timeport/v1/worklogs/_changes';
export const EXTERNAL_WORKLOGS_PATH = '/timeport/v1/worklogs/_external';

/**
 * One change of `POST /timeport/v1/worklogs/_changes`. With `ifVersion`, the change is made only
 * if the worklog still has that version. An update sends at least one of start, duration, comment
 * (null removes the comment), checked as PATCH checks them.
 */
export type WorklogChange =
  | {
      action: 'update';
      externalId: string;
      ifVersion?: number;
      start?: string;
      duration?: string;
      comment?: string | null;
    }
  | { action: 'delete'; externalId: string; ifVersion?: number };

export interface WorklogChangesRequest {
  changes: WorklogChange[];
  /** A label for the audit log (at most 500 characters). */
  source?: string;
  /** Check everything, store nothing. */
  dryRun?: boolean;
}

/**
 * What `_changes` answers for one change. `externalId` and `action` are left out only for a change
 * that had no valid ones, which a `WorklogChange` always has.
 */
export interface WorklogChangeResult {
  index: number;
  externalId: string;
  /** `valid`: the change passed its checks but was not made (a dry run, or a refused batch). */
  status: 'updated' | 'deleted' | 'valid' | 'failed';
  /** What the change does: `update` or `delete`. */
  action: 'update' | 'delete';
  /** The worklog after an update, as `GET /v3/issues/<key>/worklog/<id>` answers it. */
  worklog?: TrackerWorklog & { version: number };
  /** The worklog's id (every result but an unknown external id's). */
  id?: number;
  /** Why the change failed: its status is 404 (unknown id), 412 (ifVersion), 422 (fields). */
  error?: TrackerErrorBody;
}

export interface WorklogChangesAnswer {
  dryRun: boolean;
  source?: string;
  /** True when the changes were made; false for a dry run or a refused batch. */
  stored: boolean;
  counts: { updated: number; deleted: number; failed: number };
  results: WorklogChangeResult[];
}

/** A refused batch: Tracker's error body beside the results. */
export type RefusedWorklogChanges = WorklogChangesAnswer & TrackerErrorBody & { statusCode: 422 };

/** One entry of `GET /timeport/v1/worklogs/_external`: a worklog an import created with an external id. */
export interface ExternalWorklog {
  externalId: string;
  /** The `source` label of the batch that created it. */
  source: string | null;
  /** The worklog's version after the last write through the batch import or `_changes`; another version means it was changed since. */
  syncedVersion: number;
  worklog: TrackerWorklog & { version: number; issue: { key: string } };
}

export interface ExternalWorklogQuery {
  /** Only worklogs created by batches with this source label (exact). */
  source?: string;
  /** Only external ids starting with this. */
  prefix?: string;
  /** 1..1000; default the client's list page size. */
  perPage?: number;
}

/** One entry of a batch, as `POST /timeport/v1/worklogs/_import` takes it. */
export interface BatchEntry {
  issue: string;
  externalId?: string;
  createdBy: string | number;
  createdAt: string;
  start: string;
  duration: string;
  comment?: string;
}

export interface BatchRequest {
  entries: BatchEntry[];
  mode?: 'atomic' | 'partial';
  dryRun?: boolean;
  source?: string;
}

export interface BatchEntryResult {
  index: number;
  externalId?: string;
  status: 'created' | 'valid' | 'alreadyPresent' | 'failed';
  id?: number;
  issue?: string;
  error?: TrackerErrorBody;
}

export interface BatchAnswer {
  id?: number;
  stored: boolean;
  counts: { created: number; alreadyPresent: number; failed: number };
  results: BatchEntryResult[];
}

export interface WorklogImportBody {
  createdBy: string | number;
  createdAt: string;
  start: string;
  duration: string;
  comment?: string;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface TrackerClientOptions {
  /** Base URL without the version, e.g. `https://api.tracker.yandex.net` or `http://127.0.0.1:8080`. */
  baseUrl: string;
  token: string;
  /** `X-Org-ID`; exactly one of orgId and cloudOrgId. */
  orgId?: string | undefined;
  /** `X-Cloud-Org-ID`. */
  cloudOrgId?: string | undefined;
  /** `OAuth` for OAuth tokens (and Timeport's), `Bearer` for IAM tokens. */
  authScheme?: 'OAuth' | 'Bearer';
  /** Retries after the first attempt; default 8. */
  retries?: number;
  /** First backoff delay; doubled each time, with jitter; default 500 ms. */
  baseDelayMs?: number;
  /** Longest backoff delay chosen by the client (a server's `Retry-After` is honoured above it up to 10 minutes). */
  maxDelayMs?: number;
  /** Items asked for per page when the client reads a list (`perPage`); default 1000, Tracker's maximum. */
  listPageSize?: number;
  /** Per-request timeout; default 5 minutes (a 10,000-entry batch takes seconds). */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: RetryInfo) => void;
}

/** The server answered with a status the client does not retry. */
export class TrackerApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: TrackerErrorBody | undefined,
    readonly text: string,
    what: string,
  ) {
    super(`${what}: ${status} ${describeError(body, text)}`);
    this.name = 'TrackerApiError';
  }
}

/**
 * A URL the client will not send a request to: a redirect, or a `Link` target or a path a server
 * named that leads off the `--url` origin. The token goes only to that origin.
 */
export class RefusedUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedUrlError';
  }
}

/**
 * A write whose fate is unknown: the connection broke after the request may have reached the
 * server. Against Tracker, which has no idempotency, the caller must look before sending again.
 */
export class AmbiguousWriteError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: the connection failed after the request was sent (${errorText(cause)})`, { cause });
    this.name = 'AmbiguousWriteError';
  }
}

/** The server could not be reached at all, after every retry. */
export class UnreachableError extends Error {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${errorText(cause)}`, { cause });
    this.name = 'UnreachableError';
  }
}

export function describeError(body: TrackerErrorBody | undefined, text: string): string {
  if (body === undefined) return text.slice(0, 300);
  // The generic "invalid fields" line says nothing the field messages do not.
  const general =
    Object.keys(body.errors).length > 0 ? body.errorMessages.filter((text) => text !== INVALID_FIELDS_MESSAGE) : body.errorMessages;
  const parts = [...general, ...Object.entries(body.errors).map(([field, message]) => `${field}: ${message}`)];
  return parts.join('; ');
}

const errorText = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
};

/** Connection errors that happen before a request is sent: retrying them can never duplicate. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Math.min(Number(value.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** The target of `Link: <...>; rel="next"`, if any. */
export function nextLinkOf(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match !== null) return match[1];
  }
  return undefined;
}

interface RequestOptions {
  body?: unknown;
  /** Whether a write may be sent again after a connection broke mid-request (true for idempotent writes). */
  idempotent?: boolean;
  /** Statuses answered to the caller instead of thrown. */
  accept?: number[];
  /** Extra request headers (`Idempotency-Key`). */
  headers?: Record<string, string>;
}

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export class TrackerClient {
  readonly baseUrl: string;
  private readonly base: URL;
  private readonly options: TrackerClientOptions;

  constructor(options: TrackerClientOptions) {
    if ((options.orgId === undefined) === (options.cloudOrgId === undefined)) {
      throw new Error('give exactly one of an organization id (X-Org-ID) and a cloud organization id (X-Cloud-Org-ID)');
    }
    this.options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    let base: URL | undefined;
    try {
      base = new URL(this.baseUrl);
    } catch {
      base = undefined;
    }
    if (
      base === undefined ||
      (base.protocol !== 'http:' && base.protocol !== 'https:') ||
      base.search !== '' ||
      base.hash !== '' ||
      base.username !== '' ||
      base.password !== ''
    ) {
      throw new Error(`${options.baseUrl} is not an http(s) base URL (without a query, fragment or credentials)`);
    }
    this.base = base;
  }

  /**
   * Where a request goes. `target` is a path this client built or a server named (`/v3/...`, the
   * batch path from the capabilities), or a `Link` target: absolute, scheme-less as the live service
   * writes some (`api.tracker.yandex.net/v3/...`), or protocol-relative. Each is resolved with the
   * URL parser, and anything whose origin is not the base URL's is refused rather than sent, so
   * the token never leaves it. Of a Link target only the path and query are kept.
   */
  resolveUrl(target: string): string {
    let url: URL | undefined;
    try {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) url = new URL(target);
      else if (target.startsWith('//')) url = new URL(`${this.base.protocol}${target}`);
      else if (target.startsWith('/')) url = new URL(this.baseUrl + target);
      else url = new URL(`${this.base.protocol}//${target}`);
    } catch {
      url = undefined;
    }
    if (url === undefined) throw new RefusedUrlError(`refusing ${JSON.stringify(target)}: it is not a URL or a path`);
    if (url.origin !== this.base.origin) {
      throw new RefusedUrlError(
        `refusing ${JSON.stringify(target)}: it leads to ${url.origin}, not ${this.base.origin} (the token is sent only there)`,
      );
    }
    return this.base.origin + url.pathname + url.search;
  }

  private headers(hasBody: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `${this.options.authScheme ?? 'OAuth'} ${this.options.token}`,
      accept: 'application/json',
    };
    if (this.options.orgId !== undefined) headers['x-org-id'] = this.options.orgId;
    if (this.options.cloudOrgId !== undefined) headers['x-cloud-org-id'] = this.options.cloudOrgId;
    if (hasBody) headers['content-type'] = 'application/json';
    return headers;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const what = `${method} ${path}`;
    const url = this.resolveUrl(path);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const retries = this.options.retries ?? 8;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const writes = method !== 'GET' && method !== 'HEAD';
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { ...this.headers(payload !== undefined), ...options.headers },
          body: payload,
          // A redirect would resend the token (and the body) wherever it points: never followed.
          redirect: 'manual',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 300_000),
        });
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        const notSent = code !== undefined && NOT_SENT_CODES.has(code);
        if (writes && !notSent && options.idempotent !== true) throw new AmbiguousWriteError(what, error);
        if (attempt >= retries) throw new UnreachableError(what, error);
        const delayMs = this.backoff(attempt);
        this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason: errorText(error) });
        await sleep(delayMs);
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        throw new RefusedUrlError(
          `${what}: the server answered ${response.status} redirecting to ${location === null ? '(no Location)' : JSON.stringify(location)}; redirects are not followed, so that the token is not sent elsewhere: use the final URL as --url`,
        );
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (response.ok || options.accept?.includes(response.status))
        return { status: response.status, headers: response.headers, body: body as T };
      if ((response.status === 429 || response.status === 503) && attempt < retries) {
        const delayMs = parseRetryAfter(response.headers.get('retry-after')) ?? this.backoff(attempt);
        this.options.onRetry?.({ attempt: attempt + 1, delayMs, reason: `${response.status}` });
        await sleep(delayMs);
        continue;
      }
      throw new TrackerApiError(response.status, isTrackerError(body) ? body : undefined, text, what);
    }
  }

  private backoff(attempt: number): number {
    const base = this.options.baseDelayMs ?? 500;
    const capped = Math.min(base * 2 ** attempt, this.options.maxDelayMs ?? 30_000);
    // Full jitter: many clients that failed together do not come back together.
    return Math.round(capped / 2 + (Math.random() * capped) / 2);
  }

  /**
   * Timeport's extensions, or undefined on a server that does not have them (Tracker answers 404).
   * Any other refusal (a bad token) is an error: it would fail the import anyway.
   */
  async capabilities(): Promise<TimeportCapabilities | undefined> {
    const answer = await this.request<unknown>('GET', '/timeport/v1/capabilities', { accept: [404] });
    if (answer.status === 404) return undefined;
    const body = answer.body as Partial<TimeportCapabilities> | undefined;
    if (body?.timeport !== true) return undefined;
    // Paths the server names are checked now, before anything is sent to them.
    const paths = [body.worklogBatchImport?.path, body.importLedger?.path, body.worklogChanges?.path, body.worklogExternalList?.path];
    for (const path of paths) if (path !== undefined) this.resolveUrl(path);
    return body as TimeportCapabilities;
  }

  async getIssue(key: string): Promise<TrackerIssue | undefined> {
    const answer = await this.request<TrackerIssue>('GET', `/v3/issues/${encodeURIComponent(key)}`, { accept: [404] });
    return answer.status === 404 ? undefined : answer.body;
  }

  /** A user by login or uid; logins made only of digits are asked for as `login:<login>`. */
  async getUser(ref: string | number): Promise<TrackerUser | undefined> {
    const segment = typeof ref === 'string' && /^\d+$/.test(ref) ? `login:${ref}` : String(ref);
    const answer = await this.request<TrackerUser>('GET', `/v3/users/${encodeURIComponent(segment)}`, { accept: [404] });
    return answer.status === 404 ? undefined : answer.body;
  }

  /** The documented single import. Tracker has been seen answering an array; both are accepted. */
  async importWorklog(issueKey: string, body: WorklogImportBody): Promise<TrackerWorklog> {
    const answer = await this.request<TrackerWorklog | TrackerWorklog[]>(
      'POST',
      `/v3/issues/${encodeURIComponent(issueKey)}/worklogs/_import`,
      { body },
    );
    const worklog = Array.isArray(answer.body) ? answer.body[0] : answer.body;
    if (worklog === undefined || typeof worklog.id !== 'number')
      throw new Error(`POST worklogs/_import on ${issueKey} answered no worklog`);
    return worklog;
  }

  /**
   * Timeport's batch import. Entries carry external ids, so a resend after a broken connection
   * cannot duplicate: it is retried like a read. A refused atomic batch (422) is answered, not thrown.
   */
  async importBatch(path: string, request: BatchRequest): Promise<BatchAnswer> {
    const atomic = request.mode === 'atomic';
    const answer = await this.request<BatchAnswer>('POST', path, { body: request, idempotent: true, accept: atomic ? [422] : [] });
    if (answer.status === 422 && !Array.isArray(answer.body?.results)) {
      throw new TrackerApiError(422, answer.body as unknown as TrackerErrorBody, JSON.stringify(answer.body), `POST ${path}`);
    }
    return answer.body;
  }

  async rollbackBatch(id: number): Promise<void> {
    await this.request('DELETE', `/timeport/v1/imports/${id}`, { idempotent: true, accept: [409] });
  }

  /**
   * Changes a worklog's start, duration or comment (`PATCH /v3/issues/<key>/worklog/<id>`;
   * docs/decisions.md, "timeport sync"); a null comment removes it. Sending the same values twice
   * leaves the same worklog, so a broken connection is retried.
   */
  async editWorklog(
    issueKey: string,
    worklogId: number,
    body: { start?: string; duration?: string; comment?: string | null },
  ): Promise<TrackerWorklog> {
    const answer = await this.request<TrackerWorklog>('PATCH', `/v3/issues/${encodeURIComponent(issueKey)}/worklog/${worklogId}`, {
      body,
      idempotent: true,
    });
    return answer.body;
  }

  /** Deletes a worklog (`DELETE /v3/issues/<key>/worklog/<id>`, 204); false when it was already gone (404). */
  async deleteWorklog(issueKey: string, worklogId: number): Promise<boolean> {
    const answer = await this.request('DELETE', `/v3/issues/${encodeURIComponent(issueKey)}/worklog/${worklogId}`, {
      idempotent: true,
      accept: [404],
    });
    return answer.status !== 404;
  }

  /**
   * Timeport's updates and deletes by external id (`POST /timeport/v1/worklogs/_changes`), atomic:
   * a refused batch (422, nothing stored) is answered with its per-change results, not thrown.
   * The request carries an `Idempotency-Key` of its own, so a resend after a broken connection is
   * answered from the first one's outcome instead of applying the changes again.
   */
  async worklogChanges(request: WorklogChangesRequest, path = WORKLOG_CHANGES_PATH): Promise<WorklogChangesAnswer | RefusedWorklogChanges> {
    const answer = await this.request<WorklogChangesAnswer | RefusedWorklogChanges>('POST', path, {
      body: request,
      idempotent: true,
      headers: { 'idempotency-key': `timeport-changes-${randomUUID()}` },
      accept: [422],
    });
    if (answer.status === 422 && !Array.isArray(answer.body?.results)) {
      throw new TrackerApiError(422, answer.body as unknown as TrackerErrorBody, JSON.stringify(answer.body), `POST ${path}`);
    }
    return answer.body;
  }

  /**
   * Every worklog an import put into Timeport with an external id, in ascending worklog id,
   * following `Link` (`GET /timeport/v1/worklogs/_external`); a `source` or `prefix` narrows it.
   */
  async *externalWorklogs(query: ExternalWorklogQuery = {}, path = EXTERNAL_WORKLOGS_PATH): AsyncGenerator<ExternalWorklog> {
    const params = new URLSearchParams();
    if (query.source !== undefined) params.set('source', query.source);
    if (query.prefix !== undefined) params.set('prefix', query.prefix);
    params.set('perPage', String(query.perPage ?? this.options.listPageSize ?? 1000));
    let next: string | undefined = `${path}?${params.toString()}`;
    while (next !== undefined) {
      const answer: Answer<ExternalWorklog[]> = await this.request<ExternalWorklog[]>('GET', next);
      for (const item of answer.body) yield item;
      next = nextLinkOf(answer.headers.get('link'));
    }
  }

  /** Every worklog of an issue, following `Link` (ascending id, `perPage` with an `id` cursor). */
  async *issueWorklogs(issueKey: string, perPage = this.options.listPageSize ?? 1000): AsyncGenerator<TrackerWorklog> {
    let next: string | undefined = `/v3/issues/${encodeURIComponent(issueKey)}/worklog?perPage=${perPage}`;
    while (next !== undefined) {
      const answer: Answer<TrackerWorklog[]> = await this.request<TrackerWorklog[]>('GET', next);
      for (const worklog of answer.body) yield worklog;
      next = nextLinkOf(answer.headers.get('link'));
    }
  }
}

function isTrackerError(body: unknown): body is TrackerErrorBody {
  return typeof body === 'object' && body !== null && Array.isArray((body as TrackerErrorBody).errorMessages);
}
