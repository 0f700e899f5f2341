/**
 * Tracker API calls the process tests make against a running server, with their status checked.
 * Not a test file itself (no `.test.ts` suffix).
 */
import assert from 'node:assert/strict';
import type { HttpResponse, RequestOptions, ServerProcess } from '../../support/harness.js';

/** Who calls: a token and the organization header to send with it. */
export interface As {
  token: string;
  org?: string;
  cloudOrg?: string;
}

/** The lifetime of the issue the tests import worklogs into (in the past, as imports require). */
export const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
export const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
/** A moment inside that lifetime. */
export const WORKLOG_AT = '2025-02-18T16:35:41.740+0000';

export interface Worklog {
  self: string;
  id: number;
  version: number;
  issue: { key: string };
  comment?: string;
  createdBy: { id: string; display: string };
  createdAt: string;
  updatedAt: string;
  start: string;
  duration: string;
}

export interface Issue {
  self: string;
  id: string;
  key: string;
  createdAt: string;
  updatedAt: string;
  spent?: string;
}

export interface Myself {
  self: string;
  uid: number;
  login: string;
  display: string;
  email?: string;
}

/** Asserts the status and returns the JSON body; the body is in the message on a mismatch. */
export function expectStatus<T>(response: HttpResponse, status: number, what = 'response'): T {
  assert.equal(response.status, status, `${what}: expected ${status}, got ${response.status}: ${response.text}`);
  return response.json<T>();
}

export function call(server: ServerProcess, as: As, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
  return server.request(path, { ...options, token: as.token, org: as.org, cloudOrg: as.cloudOrg });
}

export async function myself(server: ServerProcess, as: As): Promise<Myself> {
  return expectStatus<Myself>(await call(server, as, '/v3/myself'), 200, 'GET /v3/myself');
}

export async function createQueue(server: ServerProcess, as: As, key = 'TEST', lead = 'admin'): Promise<void> {
  const response = await call(server, as, '/v3/queues/', { method: 'POST', body: { key, name: `Queue ${key}`, lead } });
  expectStatus(response, 201, 'POST /v3/queues/');
}

/** Imports an issue into the queue, created and last updated in the past by `by`. */
export async function importIssue(server: ServerProcess, as: As, queue = 'TEST', by = 'admin'): Promise<Issue> {
  const body = {
    queue,
    summary: 'Imported issue',
    createdAt: ISSUE_CREATED_AT,
    createdBy: by,
    updatedAt: ISSUE_UPDATED_AT,
    updatedBy: by,
  };
  return expectStatus<Issue>(await call(server, as, '/v3/issues/_import', { method: 'POST', body }), 200, 'POST /v3/issues/_import');
}

/** A valid worklog import body inside the issue's lifetime; fields may be overridden. */
export function worklogBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { duration: 'PT1H', createdAt: WORKLOG_AT, createdBy: 'admin', start: WORKLOG_AT, ...fields };
}

export function postWorklog(server: ServerProcess, as: As, key: string, body: unknown): Promise<HttpResponse> {
  return call(server, as, `/v3/issues/${key}/worklogs/_import`, { method: 'POST', body });
}

export async function importWorklog(server: ServerProcess, as: As, key: string, fields: Record<string, unknown> = {}): Promise<Worklog> {
  return expectStatus<Worklog>(await postWorklog(server, as, key, worklogBody(fields)), 200, 'worklog import');
}

export async function getIssue(server: ServerProcess, as: As, key: string): Promise<Issue> {
  return expectStatus<Issue>(await call(server, as, `/v3/issues/${key}`), 200, `GET /v3/issues/${key}`);
}

/** Every worklog of an issue, following the `id` cursor pages of 1000. */
export async function listWorklogs(server: ServerProcess, as: As, key: string): Promise<Worklog[]> {
  const worklogs: Worklog[] = [];
  for (;;) {
    const after = worklogs.length === 0 ? '' : `&id=${worklogs[worklogs.length - 1]!.id}`;
    const response = await call(server, as, `/v3/issues/${key}/worklog?perPage=1000${after}`);
    const page = expectStatus<Worklog[]>(response, 200, `GET /v3/issues/${key}/worklog`);
    worklogs.push(...page);
    if (response.headers.link === undefined) return worklogs;
    assert.equal(page.length, 1000, 'a next link only after a full page');
  }
}
