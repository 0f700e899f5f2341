/**
 * The client's side of `timeport sync` against Timeport (issue 18, point 3), against a real
 * Timeport listening on loopback: the capabilities name both routes, `externalWorklogs` follows
 * the server's Link pages with its filters, `worklogChanges` applies a batch or answers its refusal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExternalWorklog, WorklogChangesAnswer } from '../../src/client/tracker-client.js';
import { type Target, startTarget } from '../importer/helpers.js';

describe('Tracker client against Timeport: worklog changes by external id', () => {
  let target: Target;
  const ids = new Map<string, number>();
  before(async () => {
    target = await startTarget(['MIG-1', 'MIG-2']);
    for (const [source, externalIds] of [
      ['redmine', ['redmine:1', 'redmine:2', 'redmine:3', 'redmine:4', 'redmine:5']],
      ['toggl', ['toggl:1', 'toggl:2']],
    ] as const) {
      const answer = await target.client.importBatch('/timeport/v1/worklogs/_import', {
        source,
        mode: 'atomic',
        entries: externalIds.map((externalId, i) => ({
          issue: i % 2 === 0 ? 'MIG-1' : 'MIG-2',
          externalId,
          createdBy: 'alice',
          createdAt: '2024-03-01T12:00:00.000+0000',
          start: '2024-03-01T09:00:00.000+0000',
          duration: 'PT1H',
        })),
      });
      for (const result of answer.results) ids.set(result.externalId!, result.id!);
    }
  });
  after(() => target.close());

  const all = async (query: Parameters<Target['client']['externalWorklogs']>[0]): Promise<ExternalWorklog[]> => {
    const items: ExternalWorklog[] = [];
    for await (const item of target.client.externalWorklogs(query)) items.push(item);
    return items;
  };

  test('the capabilities name both routes', async () => {
    const capabilities = await target.client.capabilities();
    assert.equal(capabilities?.worklogChanges?.path, '/timeport/v1/worklogs/_changes');
    assert.equal(capabilities?.worklogChanges?.maxChanges, 10_000);
    assert.deepEqual(capabilities?.worklogExternalList, { path: '/timeport/v1/worklogs/_external', maxPerPage: 1000 });
  });

  test('externalWorklogs reads every page, by source and prefix', async () => {
    const redmine = await all({ source: 'redmine', perPage: 2 });
    assert.deepEqual(
      redmine.map((item) => [item.externalId, item.worklog.id, item.syncedVersion, item.worklog.version]),
      ['redmine:1', 'redmine:2', 'redmine:3', 'redmine:4', 'redmine:5'].map((id) => [id, ids.get(id), 1, 1]),
    );
    assert.equal(redmine[1]!.worklog.issue.key, 'MIG-2');
    assert.equal(redmine[0]!.worklog.duration, 'PT1H');
    assert.deepEqual(
      (await all({ prefix: 'toggl:', perPage: 1 })).map((item) => item.externalId),
      ['toggl:1', 'toggl:2'],
    );
    assert.equal((await all({})).length, 7);
  });

  test('worklogChanges applies a batch, and answers a refused one with its results', async () => {
    const applied = (await target.client.worklogChanges({
      source: 'redmine',
      changes: [
        { action: 'update', externalId: 'redmine:1', ifVersion: 1, duration: 'PT2H', comment: 'longer' },
        { action: 'delete', externalId: 'redmine:2', ifVersion: 1 },
      ],
    })) as WorklogChangesAnswer;
    assert.equal(applied.stored, true);
    assert.deepEqual(applied.counts, { updated: 1, deleted: 1, failed: 0 });
    assert.equal(applied.results[0]!.worklog!.version, 2);
    assert.equal(applied.results[0]!.worklog!.comment, 'longer');
    assert.equal(applied.results[1]!.id, ids.get('redmine:2'));
    const listed = await all({ source: 'redmine' });
    assert.deepEqual(
      listed.map((item) => [item.externalId, item.syncedVersion, item.worklog.version]),
      [
        ['redmine:1', 2, 2],
        ['redmine:3', 1, 1],
        ['redmine:4', 1, 1],
        ['redmine:5', 1, 1],
      ],
    );
    // MIG-1: redmine:1 (now 2 h), redmine:3, redmine:5 and toggl:1; MIG-2 lost redmine:2.
    assert.equal((await target.client.getIssue('MIG-1'))?.spent, 'PT5H');
    assert.equal((await target.client.getIssue('MIG-2'))?.spent, 'PT2H');

    const refused = await target.client.worklogChanges({
      changes: [
        { action: 'delete', externalId: 'redmine:3' },
        { action: 'update', externalId: 'redmine:1', ifVersion: 1, duration: 'PT3H' },
      ],
    });
    assert.equal(refused.stored, false);
    assert.ok('statusCode' in refused && refused.statusCode === 422);
    assert.deepEqual(
      refused.results.map((result) => [result.status, result.error?.statusCode]),
      [
        ['valid', undefined],
        ['failed', 412],
      ],
    );
    assert.equal((await all({ source: 'redmine' })).length, 4, 'nothing was deleted');
  });
});
