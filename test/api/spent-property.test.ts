/**
 * Property: whatever creates, imports, edits and deletes several clients send, all at once or one
 * after another, every issue's `spent` equals the sum of its listed worklogs after each step, the
 * stored sum agrees, and no request is ever answered with a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../support/app.js';
import {
  NOW,
  type IssueBody,
  type WorklogBody,
  createQueue,
  createUserWithToken,
  getIssue,
  importIssue,
  listAllWorklogs,
  durationSeconds as seconds,
} from './fixtures.js';

type Client = 0 | 1 | 2;

/** One request; `target` picks an issue, `pick` a worklog among the issue's listed ones. */
type Command =
  | { op: 'create'; client: Client; target: number; durationSeconds: number }
  | { op: 'import'; client: Client; target: number; durationSeconds: number }
  | { op: 'edit'; client: Client; target: number; pick: number; durationSeconds: number; withVersion: boolean }
  | { op: 'delete'; client: Client; target: number; pick: number };

const client = fc.constantFrom<Client>(0, 1, 2);
const target = fc.nat({ max: 1 });
const durationSeconds = fc.oneof(fc.integer({ min: 1, max: 59 }), fc.integer({ min: 60, max: 3 * 40 * 3600 }));
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), client, target, durationSeconds }),
  fc.record({ op: fc.constant('import' as const), client, target, durationSeconds }),
  fc.record({ op: fc.constant('edit' as const), client, target, pick: fc.nat(), durationSeconds, withVersion: fc.boolean() }),
  fc.record({ op: fc.constant('delete' as const), client, target, pick: fc.nat() }),
);
/** A step: up to four requests from different clients sent at the same time. */
const steps = fc.array(fc.array(command, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 });

/** What each request may be answered: a refusal must be one of the expected ones, never a 5xx. */
const ALLOWED: Record<Command['op'], number[]> = {
  create: [201],
  import: [200, 403],
  edit: [200, 403, 404, 412],
  delete: [204, 403, 404, 412],
};

describe('spent is the sum of the worklogs, under concurrent changes', () => {
  let t: TestApp;
  let tokens: [string, string, string];

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
    tokens = [ADMIN_TOKEN, (await createUserWithToken(t, 'alice')).token, (await createUserWithToken(t, 'bob')).token];
  });
  after(() => t.close());

  async function checkSpent(issue: IssueBody): Promise<WorklogBody[]> {
    const worklogs = await listAllWorklogs(t, issue.key, 7);
    const current = await getIssue(t, issue.key);
    const listed = worklogs.reduce((sum, worklog) => sum + seconds(worklog.duration), 0);
    assert.equal(seconds(current.spent), listed, `spent of ${issue.key} is ${current.spent ?? 'absent'}, its worklogs sum to ${listed} s`);
    const stored = await t.store.db
      .selectFrom('worklogs')
      .select((eb) => eb.fn.sum<number | string | null>('durationSeconds').as('total'))
      .where('issueId', '=', issue.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(stored.total ?? 0), listed);
    return worklogs;
  }

  function send(command: Command, issue: IssueBody, worklogs: WorklogBody[]): Promise<LightMyRequestResponse> {
    const token = tokens[command.client];
    const duration = `PT${'durationSeconds' in command ? command.durationSeconds : 1}S`;
    switch (command.op) {
      case 'create':
        return t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklog/`,
          payload: { start: '2025-05-01T10:00:00.000+0000', duration, comment: null },
          token,
        });
      case 'import':
        return t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklogs/_import`,
          payload: { duration, createdAt: issue.createdAt, createdBy: command.client === 2 ? 'bob' : 'alice', start: issue.createdAt },
          token,
        });
      case 'edit': {
        const worklog = worklogs[command.pick % Math.max(1, worklogs.length)];
        const id = worklog?.id ?? 999_999;
        return t.request({
          method: 'PATCH',
          url: `/v3/issues/${issue.key}/worklog/${id}`,
          payload: { duration },
          token,
          headers: command.withVersion ? { 'if-match': `"${worklog?.version ?? 1}"` } : {},
        });
      }
      case 'delete': {
        const id = worklogs[command.pick % Math.max(1, worklogs.length)]?.id ?? 999_999;
        return t.request({
          method: 'DELETE',
          url: `/v3/issues/${issue.key}/worklog/${id}`,
          token,
          headers: { 'content-type': 'application/json' },
          payload: '',
        });
      }
    }
  }

  it('holds after every step of random interleavings', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(steps, async (plan) => {
        run += 1;
        const issues = [await importIssue(t, { summary: `run ${run} a` }), await importIssue(t, { summary: `run ${run} b` })];
        const listed = new Map<string, WorklogBody[]>(issues.map((issue) => [issue.key, []]));
        for (const step of plan) {
          const responses = await Promise.all(
            step.map((command) => send(command, issues[command.target]!, listed.get(issues[command.target]!.key)!)),
          );
          responses.forEach((response, i) => {
            const command = step[i]!;
            assert.ok(ALLOWED[command.op].includes(response.statusCode), `${command.op} answered ${response.statusCode}: ${response.body}`);
          });
          for (const issue of issues) listed.set(issue.key, await checkSpent(issue));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('holds when many clients hit the same entries at once', async () => {
    const issue = await importIssue(t, { summary: 'contended' });
    const seeds = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklog`,
          payload: { start: '2025-05-01T10:00:00Z', duration: `PT${i + 1}H` },
          token: tokens[i % 3],
        }),
      ),
    );
    const ids = seeds.map((response) => response.json<WorklogBody>().id);
    // Everyone edits and deletes everything at once: authors and the admin succeed once per entry
    // and version, the rest are refused, and spent still adds up.
    const responses = await Promise.all(
      ids.flatMap((id, i) => [
        t.request({
          method: 'PATCH',
          url: `/v3/issues/${issue.key}/worklog/${id}`,
          payload: { duration: 'PT30M' },
          token: tokens[(i + 1) % 3],
          headers: { 'if-match': '"1"' },
        }),
        t.request({
          method: 'PATCH',
          url: `/v3/issues/${issue.key}/worklog/${id}`,
          payload: { duration: 'PT45M' },
          token: ADMIN_TOKEN,
          headers: { 'if-match': '"1"' },
        }),
        i % 2 === 0
          ? t.request({ method: 'DELETE', url: `/v3/issues/${issue.key}/worklog/${id}`, token: tokens[i % 3] })
          : t.request({ method: 'GET', url: `/v3/issues/${issue.key}` }),
        t.request({
          method: 'POST',
          url: `/v3/issues/${issue.key}/worklogs/_import`,
          payload: { duration: 'PT1M', createdAt: issue.createdAt, createdBy: 'alice', start: issue.createdAt },
        }),
      ]),
    );
    for (const response of responses) assert.ok(response.statusCode < 500, response.body);
    await checkSpent(issue);
  });
});
