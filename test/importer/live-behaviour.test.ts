/**
 * `timeport import` and `reconcile` against a server answering as the reference pages say and
 * against one answering as the live service does (issue 17 points 4, 5 and 6): the import answers
 * an array of one worklog (TIMEPORT_IMPORT_ANSWER=array), `Link` targets come without a scheme
 * (TIMEPORT_LINK_STYLE=schemeless), and requests are rate limited. The client reads two worklogs a
 * page here, so every issue's list spans several pages and each `Link` is followed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { loadMappingFile } from '../../src/importer/mapping.js';
import { reconcile } from '../../src/importer/reconcile.js';
import type { AppOptions } from '../../src/api/app.js';
import { type Target, fixture, importFiles, startTarget, storedWorklogs, forgetDoneLines } from './helpers.js';

const VARIANTS: { name: string; app: Pick<AppOptions, 'linkStyle' | 'importAnswer' | 'rateLimit'>; array: boolean }[] = [
  { name: 'as the reference pages say (an object, absolute links)', app: {}, array: false },
  {
    name: 'as the live service answers (an array, scheme-less links, rate limited)',
    app: { importAnswer: 'array', linkStyle: 'schemeless', rateLimit: { max: 10, windowMs: 1000 } },
    array: true,
  },
];

for (const variant of VARIANTS) {
  describe(`import and reconcile against a server answering ${variant.name}`, () => {
    let target: Target;
    before(async () => {
      target = await startTarget(['MIG-1', 'MIG-2', 'MIG-3'], ['alice', 'bob'], {
        app: variant.app,
        client: { listPageSize: 2, retries: 8 },
      });
    });
    after(() => target.close());

    /** `count` entries for `issue`, a day apart, with ids `<prefix>-<n>`. */
    function entriesFile(name: string, issue: string, count: number, prefix: string): string {
      const file = path.join(target.dir, name);
      const lines = Array.from({ length: count }, (_, i) => {
        const day = String(i + 1).padStart(2, '0');
        return JSON.stringify({
          issue,
          createdBy: i % 2 === 0 ? 'alice' : 'bob',
          createdAt: `2024-07-${day}T10:00:00Z`,
          start: `2024-07-${day}T09:00:00Z`,
          duration: 'PT1H',
          externalId: `${prefix}-${i}`,
        });
      });
      fs.writeFileSync(file, lines.join('\n'));
      return file;
    }
    /** A request of the test's own, sent again after a 429 as any client must (one variant is rate limited). */
    async function send(request: Parameters<Target['t']['request']>[0]) {
      for (;;) {
        const response = await target.t.request(request);
        if (response.statusCode !== 429) return response;
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers['retry-after']) * 1000));
      }
    }
    const sourceOptions = (file: string) => ({
      files: [file],
      durations: DEFAULT_DURATION_SETTINGS,
      issueRule: {},
      userMap: loadMappingFile(fixture('users.csv'), 'u'),
    });

    test(`worklogs/_import answers ${variant.array ? 'an array of one worklog' : 'one object'}, and Link targets are written ${variant.app.linkStyle ?? 'absolute'}`, async () => {
      const response = await send({
        method: 'POST',
        url: '/v3/issues/MIG-3/worklogs/_import',
        payload: { createdBy: 'alice', createdAt: '2024-01-01T00:00:00.000+0000', start: '2024-01-01T00:00:00.000+0000', duration: 'PT1H' },
      });
      assert.equal(response.statusCode, 200);
      const body = response.json() as unknown;
      assert.equal(Array.isArray(body), variant.array);
      const worklog = (Array.isArray(body) ? body[0] : body) as { self: string };
      assert.match(worklog.self, /^http:\/\/127\.0\.0\.1:\d+\/v3\/issues\/MIG-3\/worklog\/\d+$/, 'self stays absolute');
      await send({
        method: 'POST',
        url: '/v3/issues/MIG-3/worklogs/_import',
        payload: { createdBy: 'bob', createdAt: '2024-01-02T00:00:00.000+0000', start: '2024-01-02T00:00:00.000+0000', duration: 'PT1H' },
      });
      const list = await send({ method: 'GET', url: '/v3/issues/MIG-3/worklog?perPage=1' });
      const link = String(list.headers.link);
      if (variant.app.linkStyle === 'schemeless')
        assert.match(link, /^<127\.0\.0\.1:\d+\/v3\/issues\/MIG-3\/worklog\?perPage=1&id=\d+>; rel="next"$/);
      else assert.match(link, /^<http:\/\/127\.0\.0\.1:\d+\/v3\/issues\/MIG-3\/worklog\?perPage=1&id=\d+>; rel="next"$/);
      const users = String((await send({ method: 'GET', url: '/v3/users?perPage=1' })).headers.link);
      assert.match(
        users,
        variant.app.linkStyle === 'schemeless'
          ? /^<127\.0\.0\.1:\d+\/v3\/users\?perPage=1&page=2>; rel="next"$/
          : /^<http:\/\/127\.0\.0\.1:\d+\/v3\/users\?perPage=1&page=2>; rel="next"$/,
      );
    });

    test('timeport import through the single import (--api tracker) and the batch extension, then reconcile over several pages', async () => {
      const single = entriesFile('single.ndjson', 'MIG-1', 5, 'single');
      const run = await importFiles(target, [single], { api: 'tracker', journalPath: path.join(target.dir, 'single.journal') });
      assert.deepEqual([run.summary.created, run.summary.failed], [5, 0]);
      const batch = entriesFile('batch.ndjson', 'MIG-2', 5, 'batch');
      const batchRun = await importFiles(target, [batch], { journalPath: path.join(target.dir, 'batch.journal') });
      assert.deepEqual([batchRun.summary.created, batchRun.summary.failed], [5, 0]);
      assert.equal((await storedWorklogs(target, ['MIG-1'])).length, 5, 'three pages of two followed');
      for (const file of [single, batch]) {
        const result = await reconcile(sourceOptions(file), target.client);
        assert.deepEqual(result.differences, [], file);
      }
      // A difference on the last page is seen too.
      await send({
        method: 'POST',
        url: '/v3/issues/MIG-1/worklogs/_import',
        payload: { createdBy: 'alice', createdAt: '2024-07-05T11:00:00.000+0000', start: '2024-07-05T11:00:00.000+0000', duration: 'PT1H' },
      });
      const dirty = await reconcile(sourceOptions(single), target.client);
      assert.deepEqual(
        dirty.differences.map((difference) => [difference.issue, difference.day, difference.serverEntries]),
        [['MIG-1', '2024-07-05', 2]],
      );
    });

    test('a lost answer is looked up on the server, past the first page of the issue’s worklogs', async () => {
      const file = entriesFile('lost.ndjson', 'MIG-3', 6, 'lost');
      const journalPath = path.join(target.dir, 'lost.journal');
      const first = await importFiles(target, [file], { api: 'tracker', journalPath });
      assert.equal(first.summary.created, 6);
      // As if every answer was lost: only "sending" lines survive, so each entry is looked for.
      forgetDoneLines(journalPath);
      const count = (await storedWorklogs(target, ['MIG-3'])).length;
      const second = await importFiles(target, [file], { api: 'tracker', journalPath });
      assert.deepEqual([second.summary.created, second.summary.alreadyPresent, second.summary.failed], [0, 6, 0]);
      assert.equal((await storedWorklogs(target, ['MIG-3'])).length, count);
    });
  });
}

describe('preflight: an entry that starts before its issue was created', () => {
  let target: Target;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());

  test('is warned about (Tracker likely refuses it) and still imported (Timeport accepts it)', async () => {
    const file = path.join(target.dir, 'early.ndjson');
    const entries = [
      {
        issue: 'MIG-1',
        createdBy: 'alice',
        createdAt: '2020-01-02T10:00:00Z',
        start: '2019-12-31T09:00:00Z',
        duration: 'PT1H',
        externalId: 'early-1',
      },
      {
        issue: 'MIG-2',
        createdBy: 'alice',
        createdAt: '2020-01-02T10:00:00Z',
        start: '2020-01-02T09:00:00Z',
        duration: 'PT1H',
        externalId: 'early-2',
      },
    ];
    fs.writeFileSync(file, entries.map((entry) => JSON.stringify(entry)).join('\n'));
    const run = await importFiles(target, [file], { journalPath: path.join(target.dir, 'early.journal') });
    const output = run.out.join('\n');
    assert.match(
      output,
      /issues with an entry starting before the issue was created \(Timeport accepts it; Tracker likely refuses it\): 1\n {4}MIG-1: .* starts 2019-12-31T09:00:00\.000Z, the issue was created 2020-01-01T00:00:00\.000\+0000/,
    );
    assert.doesNotMatch(output, /MIG-2: .* starts/);
    assert.equal(run.summary.created, 2);
  });
});
