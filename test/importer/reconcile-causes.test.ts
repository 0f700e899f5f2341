/** `timeport reconcile` says why each total differs: missing (and failed in the last run), extra, duration, a neighbouring day. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { describeDifference, reconcile } from '../../src/importer/reconcile.js';
import { type Target, importFiles, startTarget } from './helpers.js';

const HEADER = 'issue,createdBy,createdAt,start,duration,comment,externalId';

describe('reconcile explains its differences', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());

  const write = (name: string, rows: string[]) => {
    const file = path.join(target.dir, name);
    fs.writeFileSync(file, [HEADER, ...rows].join('\n') + '\n');
    return file;
  };
  const compare = (file: string, zone?: string) =>
    reconcile({ files: [file], durations: DEFAULT_DURATION_SETTINGS, issueRule: {}, zone }, target.client, { failuresDir: target.dir });

  test('missing in the target, and failed in the last run (from its failures file)', async () => {
    // The second entry was written after the issue's last update (2025-01-01): the server refuses it.
    const file = write('missing.csv', [
      'MIG-1,alice,2024-07-01T10:00:00Z,2024-07-01T09:00:00Z,PT1H,kept,m-1',
      'MIG-1,alice,2025-06-01T10:00:00Z,2024-07-02T09:00:00Z,PT2H,refused,m-2',
    ]);
    const run = await importFiles(target, [file]);
    assert.deepEqual([run.summary.created, run.summary.failed], [1, 1]);
    const result = await compare(file);
    assert.equal(result.differences.length, 1);
    assert.deepEqual(result.differences[0]!.cause, { kind: 'missing', failed: 1 });
    assert.match(describeDifference(result.differences[0]!), /MIG-1 alice 2024-07-02: .*missing in the target; 1 failed in the last run/);
  });

  test('extra in the target, and a duration changed there', async () => {
    const file = write('changed.csv', ['MIG-2,bob,2024-08-01T10:00:00Z,2024-08-01T09:00:00Z,PT1H,one,c-1']);
    await importFiles(target, [file]);
    const extra = await target.t.request({
      method: 'POST',
      url: '/v3/issues/MIG-2/worklogs/_import',
      payload: { createdBy: 'bob', createdAt: '2024-08-05T10:00:00Z', start: '2024-08-05T09:00:00Z', duration: 'PT30M' },
    });
    assert.equal(extra.statusCode, 200, extra.body);
    const stored = (await target.t.request({ method: 'GET', url: '/v2/issues/MIG-2/worklog' })).json() as {
      id: number;
      comment?: string;
    }[];
    const one = stored.find((worklog) => worklog.comment === 'one')!;
    const edited = await target.t.request({ method: 'PATCH', url: `/v2/issues/MIG-2/worklog/${one.id}`, payload: { duration: 'PT45M' } });
    assert.equal(edited.statusCode, 200, edited.body);
    const causes = (await compare(file)).differences
      .filter((difference) => difference.issue === 'MIG-2')
      .map((difference) => [difference.day, difference.cause.kind]);
    assert.deepEqual(causes, [
      ['2024-08-01', 'duration'],
      ['2024-08-05', 'extra'],
    ]);
  });

  test('the same time on a neighbouring day: a different --timezone than at import', async () => {
    // Local wall-clock times: imported as Tokyo time, compared as UTC.
    const file = write('zoned.csv', ['MIG-3,alice,2024-09-04 01:00:00,2024-09-04 00:30:00,PT1H,zoned,z-1']);
    const run = await importFiles(target, [file], { zone: 'Asia/Tokyo' });
    assert.equal(run.summary.created, 1, run.out.join('\n'));
    assert.deepEqual(
      (await compare(file, 'Asia/Tokyo')).differences.filter((difference) => difference.issue === 'MIG-3'),
      [],
    );
    const shifted = (await compare(file, 'UTC')).differences.filter((difference) => difference.issue === 'MIG-3');
    assert.deepEqual(
      shifted.map((difference) => [difference.day, difference.cause]),
      [
        ['2024-09-03', { kind: 'day', otherDay: '2024-09-04' }],
        ['2024-09-04', { kind: 'day', otherDay: '2024-09-03' }],
      ],
    );
    assert.match(
      describeDifference(shifted[0]!),
      /day differs: the same time is on 2024-09-04 on the other side \(a different --timezone\?\)/,
    );
  });
});
