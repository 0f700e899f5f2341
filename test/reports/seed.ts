/** Data for report tests, brought in through the public API as a migration would. Not a test file. */
import assert from 'node:assert/strict';
import type { TestApp } from '../../support/app.js';

export interface Seeded {
  /** Tokens of the users created, by login. */
  tokens: Record<string, string>;
  /** Issue keys by summary. */
  issues: Record<string, string>;
}

export interface SeedEntry {
  issue: string;
  user: string;
  start: string;
  duration: string;
  createdAt?: string;
  comment?: string;
}

export interface SeedPlan {
  users: { login: string; display: string; isAdmin?: boolean }[];
  queues: { key: string; name: string }[];
  /** Summary and queue key of each issue; every issue lives from 2020 to 2025-06-01. */
  issues: { summary: string; queue: string }[];
  entries: SeedEntry[];
}

async function send(t: TestApp, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<unknown> {
  const response = await t.request({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

export async function seed(t: TestApp, plan: SeedPlan): Promise<Seeded> {
  const tokens: Record<string, string> = {};
  for (const user of plan.users) {
    await send(t, 'POST', '/timeport/v1/users', { login: user.login, display: user.display, isAdmin: user.isAdmin ?? false });
    tokens[user.login] = ((await send(t, 'POST', `/timeport/v1/users/${user.login}/tokens`)) as { token: string }).token;
  }
  for (const queue of plan.queues) {
    await send(t, 'POST', '/v3/queues/', {
      key: queue.key,
      name: queue.name,
      lead: 'admin',
      defaultType: 'task',
      defaultPriority: 'normal',
    });
  }
  const issues: Record<string, string> = {};
  for (const issue of plan.issues) {
    const created = (await send(t, 'POST', '/v3/issues/_import', {
      queue: issue.queue,
      summary: issue.summary,
      createdAt: '2020-01-01T00:00:00.000+0000',
      createdBy: 'admin',
      updatedAt: '2025-06-01T00:00:00.000+0000',
      updatedBy: 'admin',
    })) as { key: string };
    issues[issue.summary] = created.key;
  }
  for (const entry of plan.entries) {
    await send(t, 'POST', `/v3/issues/${issues[entry.issue] ?? entry.issue}/worklogs/_import`, {
      start: entry.start,
      duration: entry.duration,
      createdAt: entry.createdAt ?? '2025-05-01T12:00:00.000+0000',
      createdBy: entry.user,
      ...(entry.comment === undefined ? {} : { comment: entry.comment }),
    });
  }
  return { tokens, issues };
}

/** A small organization: two queues, three issues, three people, entries around a DST change in New York. */
export const SMALL_PLAN: SeedPlan = {
  users: [
    { login: 'alice', display: 'Alice Archer' },
    { login: 'bob', display: 'Bob Baker' },
  ],
  queues: [
    { key: 'MIG', name: 'Migration' },
    { key: 'OPS', name: 'Operations' },
  ],
  issues: [
    { summary: 'Port the timesheets', queue: 'MIG' },
    { summary: '=SUM(A1:A2) "quoted", summary', queue: 'MIG' },
    { summary: 'Patch the servers', queue: 'OPS' },
  ],
  entries: [
    // 2025-03-01 in UTC; 2025-03-02 in Moscow (+03).
    { issue: 'Port the timesheets', user: 'alice', start: '2025-03-01T22:30:00+0000', duration: 'PT2H' },
    { issue: 'Port the timesheets', user: 'alice', start: '2025-03-03T09:00:00+0000', duration: 'PT520M' },
    { issue: '=SUM(A1:A2) "quoted", summary', user: 'bob', start: '2025-03-03T10:00:00+0000', duration: 'PT1H30M' },
    { issue: 'Patch the servers', user: 'bob', start: '2025-03-10T08:00:00+0000', duration: 'P1D', createdAt: '2025-04-02T08:00:00+0000' },
    { issue: 'Patch the servers', user: 'admin', start: '2025-04-01T00:15:00+0000', duration: 'PT45M' },
  ],
};
