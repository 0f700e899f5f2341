/** Shared set-up and assertions for the HTTP tests. Not a test file itself (no `.test.ts` suffix). */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { type TestApp, PUBLIC_URL, assertTrackerError, buildTestApp } from '../../support/app.js';
import type { IssueAnswer, UserAnswer, UserReferenceAnswer, WorklogAnswer } from '../../src/api/schemas/resources.js';
import type { ManagedUserAnswer } from '../../src/api/schemas/timeport.js';
import { parseBusinessDuration } from '../../src/domain/duration.js';

/** The clock every API test starts at, unless it needs the real time. */
export const NOW = Date.parse('2025-06-01T12:00:00.000Z');
/** The lifetime of the issue most tests import worklogs into. */
export const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
export const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
export const ISSUE_CREATED_MS = Date.parse('2025-01-10T09:00:00.000Z');
export const ISSUE_UPDATED_MS = Date.parse('2025-02-20T18:00:00.000Z');

export const TRACKER_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
export const ISSUE_ID = /^[0-9a-f]{24}$/;
export const ORG_UNAVAILABLE = 'Organization is not available, not ready or not found';

/** The API's answers, typed by the schemas the server serializes them with (src/api/schemas/). */
export type UserRef = UserReferenceAnswer;

export type WorklogBody = WorklogAnswer;

export type IssueBody = IssueAnswer;

/** A user as `/v3/users/...` answers it, or (with `isAdmin`) as the management routes do. */
export type UserBody = UserAnswer & Partial<Pick<ManagedUserAnswer, 'isAdmin'>>;

/** Asserts the status and returns the JSON body; on a mismatch the body is in the message. */
export function expectStatus<T>(response: LightMyRequestResponse, status: number): T {
  assert.equal(response.statusCode, status, `expected ${status}, got ${response.statusCode}: ${response.body}`);
  return response.json<T>();
}

/** Asserts a Tracker error with the status, and that `errors` has exactly these fields. */
export function expectFieldErrors(response: LightMyRequestResponse, status: number, fields: string[]): Record<string, string> {
  const body = assertTrackerError(response, status);
  assert.deepEqual(Object.keys(body.errors).sort(), [...fields].sort(), `errors of ${response.body}`);
  for (const field of fields) {
    assert.equal(typeof body.errors[field], 'string');
    assert.ok(body.errors[field]!.length > 0, `errors.${field} must say what is wrong`);
  }
  return body.errors;
}

/** Asserts a Tracker error with the status whose messages include (a part of) this one. */
export function expectMessage(response: LightMyRequestResponse, status: number, message: string | RegExp): void {
  const body = assertTrackerError(response, status);
  const text = body.errorMessages.join('\n');
  if (typeof message === 'string') assert.ok(text.includes(message), `expected "${message}" in ${response.body}`);
  else assert.match(text, message);
  assert.equal((body as unknown as Record<string, unknown>).code, undefined, 'no Fastify error code leaks out');
}

export const url = (path: string, version: 'v2' | 'v3' = 'v3'): string => `${PUBLIC_URL}/${version}/${path}`;

export async function createQueue(t: TestApp, key = 'TEST', lead: string | number = 'admin'): Promise<void> {
  expectStatus(await t.request({ method: 'POST', url: '/v3/queues/', payload: { key, name: `Queue ${key}`, lead } }), 201);
}

/** Imports an issue created at ISSUE_CREATED_AT and last updated at ISSUE_UPDATED_AT, by admin. */
export async function importIssue(t: TestApp, fields: Record<string, unknown> = {}, token?: string, org?: string): Promise<IssueBody> {
  const response = await t.request({
    method: 'POST',
    url: '/v3/issues/_import',
    payload: {
      queue: 'TEST',
      summary: 'Imported issue',
      createdAt: ISSUE_CREATED_AT,
      createdBy: 'admin',
      updatedAt: ISSUE_UPDATED_AT,
      updatedBy: 'admin',
      ...fields,
    },
    ...(token === undefined ? {} : { token }),
    ...(org === undefined ? {} : { org }),
  });
  return expectStatus<IssueBody>(response, 200);
}

/**
 * The set-up most HTTP suites share: the app at NOW, queue TEST, and one issue imported into it
 * (with `fields` over importIssue's defaults).
 */
export async function buildAppWithIssue(fields: Record<string, unknown> = {}): Promise<{ t: TestApp; issue: IssueBody }> {
  const t = await buildTestApp({ now: NOW });
  await createQueue(t);
  return { t, issue: await importIssue(t, fields) };
}

export async function getIssue(t: TestApp, ref: string): Promise<IssueBody> {
  return expectStatus<IssueBody>(await t.request({ method: 'GET', url: `/v3/issues/${ref}` }), 200);
}

/** A valid worklog import body, inside the lifetime of the issue importIssue makes. */
export function worklogBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    duration: 'PT1H',
    createdAt: '2025-02-18T16:35:41.740+0000',
    createdBy: 'admin',
    start: '2025-02-18T16:35:41.740+0000',
    ...overrides,
  };
}

export function postWorklog(t: TestApp, key: string, payload: unknown, version: 'v2' | 'v3' = 'v3'): Promise<LightMyRequestResponse> {
  return t.request({ method: 'POST', url: `/${version}/issues/${key}/worklogs/_import`, payload: payload as Record<string, unknown> });
}

export async function importWorklog(t: TestApp, key: string, overrides: Record<string, unknown> = {}): Promise<WorklogBody> {
  return expectStatus<WorklogBody>(await postWorklog(t, key, worklogBody(overrides)), 200);
}

/** Every worklog of an issue, following the `Link` pages. */
export async function listAllWorklogs(t: TestApp, key: string, perPage = 1000): Promise<WorklogBody[]> {
  const all: WorklogBody[] = [];
  let next: string | undefined = `/v3/issues/${key}/worklog?perPage=${perPage}`;
  while (next !== undefined) {
    const response = await t.request({ method: 'GET', url: next });
    all.push(...expectStatus<WorklogBody[]>(response, 200));
    next = nextLink(response);
  }
  return all;
}

/** The path and query of a `Link: <...>; rel="next"` header, or undefined when there is none. */
export function nextLink(response: LightMyRequestResponse): string | undefined {
  const header = response.headers.link;
  if (header === undefined) return undefined;
  const match = /<([^>]+)>;\s*rel="next"/.exec(String(header));
  if (match === null) return undefined;
  const target = new URL(match[1]!);
  assert.equal(target.origin, PUBLIC_URL, 'Link targets are absolute URLs on the public base');
  return target.pathname + target.search;
}

/** Creates a user in organization 1 (or the caller's) and a token for them. */
export async function createUserWithToken(
  t: TestApp,
  login: string,
  fields: Record<string, unknown> = {},
  as: { token?: string; org?: string } = {},
): Promise<{ user: UserBody; token: string }> {
  const user = expectStatus<UserBody>(
    await t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login, ...fields }, ...as }),
    201,
  );
  const { token } = expectStatus<{ token: string }>(
    await t.request({ method: 'POST', url: `/timeport/v1/users/${login}/tokens`, payload: {}, ...as }),
    201,
  );
  return { user, token };
}

/**
 * What a refused request must leave unchanged: the issue as organization 1's admin reads it, its
 * worklogs, and every stored worklog and issue row (of one organization only, when given).
 */
export async function snapshot(t: TestApp, key: string, orgId?: string): Promise<unknown> {
  const issue = await getIssue(t, key);
  const worklogs = await listAllWorklogs(t, key);
  let rowsQuery = t.store.db.selectFrom('worklogs').selectAll().orderBy('id');
  let issueRowsQuery = t.store.db.selectFrom('issues').selectAll().orderBy('id');
  if (orgId !== undefined) {
    rowsQuery = rowsQuery.where('orgId', '=', orgId);
    issueRowsQuery = issueRowsQuery.where('orgId', '=', orgId);
  }
  return { issue, worklogs, rows: await rowsQuery.execute(), issueRows: await issueRowsQuery.execute() };
}

/** The seconds of a duration the server answered (`spent`, a worklog's `duration`); 0 when absent. */
export const durationSeconds = (duration: string | undefined): number => {
  if (duration === undefined) return 0;
  const parsed = parseBusinessDuration(duration);
  if (!parsed.ok) throw new Error(`the server answered an unreadable duration ${duration}`);
  return parsed.value;
};
