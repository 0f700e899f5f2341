/**
 * `TIMEPORT_PROFILE=live` (issue 17 point 6): one variable makes a local Timeport answer as the
 * live service does: the import answers an array of one worklog, `Link` targets come without a
 * scheme, and requests are rate limited. `timeport import`, `reconcile`, `sync` and `export` (the
 * CLI, as a user runs it) pass against it as against the default server; each variable still wins over the profile.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, Sandbox, type ServerProcess } from '../../support/harness.js';
import { type As, call, createQueue, expectStatus, importIssue, listWorklogs, worklogBody } from './tracker.js';

const TOKEN = 'live-profile-token-000000001';
const ADMIN: As = { token: TOKEN, org: '1' };
const show = (result: CliResult): string => `exit ${result.code}\n--- stdout ---\n${result.stdout}--- stderr ---\n${result.stderr}`;

const PROFILES = [
  { name: 'the default profile', env: {}, array: false, schemeless: false, limited: false },
  { name: 'TIMEPORT_PROFILE=live', env: { TIMEPORT_PROFILE: 'live' }, array: true, schemeless: true, limited: true },
  {
    name: 'TIMEPORT_PROFILE=live with TIMEPORT_IMPORT_ANSWER=object and TIMEPORT_RATE_LIMIT=off',
    env: { TIMEPORT_PROFILE: 'live', TIMEPORT_IMPORT_ANSWER: 'object', TIMEPORT_RATE_LIMIT: 'off' },
    array: false,
    schemeless: true,
    limited: false,
  },
];

for (const profile of PROFILES) {
  describe(`the server under ${profile.name}`, { timeout: 300_000 }, () => {
    const box = new Sandbox('timeport-live-profile-');
    let server: ServerProcess;

    before(async () => {
      server = await box.serve({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn', ...profile.env }, waitMs: 60_000 });
      await createQueue(server, ADMIN, 'MIG');
      for (let i = 0; i < 3; i++) await importIssue(server, ADMIN, 'MIG');
      expectStatus(await call(server, ADMIN, '/timeport/v1/users', { method: 'POST', body: { login: 'alice' } }), 201);
    });
    after(() => box.dispose());

    it('says how it answers on start, before the listening line', () => {
      const line = /^(Live profile: .*)$/m.exec(server.child.stdout)?.[1];
      if (profile.name === 'the default profile') assert.equal(line, undefined);
      else if (profile.limited)
        assert.equal(
          line,
          'Live profile: worklogs/_import answers an array, Link targets have no scheme, at most 10 requests per token every 1 s.',
        );
      else assert.equal(line, 'Live profile: Link targets have no scheme.');
    });

    it(`answers the import with ${profile.array ? 'an array of one worklog' : 'one object'} and writes Link targets ${profile.schemeless ? 'without' : 'with'} a scheme`, async () => {
      const answer = await call(server, ADMIN, '/v3/issues/MIG-2/worklogs/_import', { method: 'POST', body: worklogBody() });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(Array.isArray(answer.json()), profile.array);
      await call(server, ADMIN, '/v3/issues/MIG-2/worklogs/_import', {
        method: 'POST',
        body: worklogBody({ createdAt: '2025-02-18T17:00:00.000+0000' }),
      });
      const page = await call(server, ADMIN, '/v3/issues/MIG-2/worklog?perPage=1');
      const target = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link))?.[1] ?? '';
      assert.equal(target.startsWith('http://'), !profile.schemeless, target);
      assert.match(target, /127\.0\.0\.1:\d+\/v3\/issues\/MIG-2\/worklog\?perPage=1&id=\d+$/);
    });

    it('timeport import (single import and batch) and timeport reconcile exit 0', async () => {
      const target = ['--url', server.url, '--token', TOKEN, '--org', '1'];
      for (const [api, issue] of [
        ['tracker', 'MIG-1'],
        ['auto', 'MIG-3'],
      ] as const) {
        const file = path.join(box.dataDir, `entries-${api}.csv`);
        const rows = [1, 2, 3].map((n) => `${issue},alice,2025-02-0${n}T10:00:00Z,2025-02-0${n}T09:00:00Z,PT1H,entry ${n},${api}-${n}`);
        fs.writeFileSync(file, ['issue,createdBy,createdAt,start,duration,comment,externalId', ...rows].join('\n') + '\n');
        const result = await box.cli(
          ['import', file, ...target, '--api', api, '--journal', path.join(box.dataDir, `journal-${api}.ndjson`)],
          { timeoutMs: 90_000 },
        );
        assert.equal(result.code, 0, show(result));
        assert.match(result.stdout, api === 'tracker' ? /Tracker single-entry import/ : /Timeport batch import/, show(result));
        assert.match(result.stdout, /created 3, already present 0, failed 0/, show(result));
        // The command may have used this second's requests of the live profile's limit.
        if (profile.limited) await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await listWorklogs(server, ADMIN, issue)).length, 3);
        const reconciled = await box.cli(['reconcile', file, ...target], { timeoutMs: 90_000 });
        assert.equal(reconciled.code, 0, show(reconciled));
      }
    });

    it('timeport sync (create, edit, delete) and timeport export exit 0', async () => {
      const target = ['--url', server.url, '--token', TOKEN, '--org', '1'];
      const file = path.join(box.dataDir, 'synced.csv');
      const header = 'issue,createdBy,createdAt,start,duration,comment,externalId';
      const row = (n: number, duration = 'PT1H') =>
        `MIG-2,alice,2025-02-1${n}T10:00:00Z,2025-02-1${n}T09:00:00Z,${duration},synced ${n},sync-${n}`;
      const sync = async (rows: string[], extra: string[] = []) => {
        fs.writeFileSync(file, [header, ...rows].join('\n') + '\n');
        // Each run may use this second's requests of the live profile's limit.
        if (profile.limited) await new Promise((resolve) => setTimeout(resolve, 1100));
        const result = await box.cli(['sync', file, ...target, '--state-dir', box.dataDir, ...extra], { timeoutMs: 90_000 });
        assert.equal(result.code, 0, show(result));
        return result.stdout;
      };
      assert.match(await sync([row(1), row(2), row(3)]), /Plan: 3 creates, 0 updates, 0 deletes/);
      assert.match(await sync([row(1), row(2, 'PT2H'), row(3)]), /Plan: 0 creates, 1 updates, 0 deletes/);
      assert.match(await sync([row(1), row(2, 'PT2H')], ['--delete']), /Plan: 0 creates, 0 updates, 1 deletes/);
      const synced = (await listWorklogs(server, ADMIN, 'MIG-2')).filter((worklog) => worklog.comment?.startsWith('synced'));
      assert.deepEqual(synced.map((worklog) => [worklog.comment, worklog.duration]).sort(), [
        ['synced 1', 'PT1H'],
        ['synced 2', 'PT2H'],
      ]);

      if (profile.limited) await new Promise((resolve) => setTimeout(resolve, 1100));
      const exported = path.join(box.dataDir, 'exported.ndjson');
      const result = await box.cli(['export', ...target, '--output', exported], { timeoutMs: 90_000 });
      assert.equal(result.code, 0, show(result));
      const all = (await Promise.all(['MIG-1', 'MIG-2', 'MIG-3'].map((issue) => listWorklogs(server, ADMIN, issue)))).flat();
      assert.equal(fs.readFileSync(exported, 'utf8').trim().split('\n').length, all.length);
      if (profile.limited) await new Promise((resolve) => setTimeout(resolve, 1100));
      const reconciled = await box.cli(['reconcile', exported, ...target], { timeoutMs: 90_000 });
      assert.equal(reconciled.code, 0, show(reconciled));
    });

    it(profile.limited ? 'limits requests per token: a burst meets 429 with Retry-After' : 'does not limit requests', async () => {
      const answers = await Promise.all(Array.from({ length: 40 }, () => call(server, ADMIN, '/v3/myself')));
      const limited = answers.filter((answer) => answer.status === 429);
      assert.equal(limited.length > 0, profile.limited, answers.map((answer) => answer.status).join(' '));
      for (const answer of limited) assert.match(String(answer.headers['retry-after']), /^\d+$/);
    });
  });
}

describe('timeport import sends its token only to --url (issue 14 point 4)', { timeout: 300_000 }, () => {
  const box = new Sandbox('timeport-origin-');
  /** Where the tricks point: it must never be asked anything. */
  const elsewhere: string[] = [];
  const elsewhereServer = http.createServer((request, response) => {
    elsewhere.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
    response.writeHead(500).end();
  });
  let trick: (request: http.IncomingMessage, response: http.ServerResponse) => void = () => undefined;
  const trickServer = http.createServer((request, response) => trick(request, response));
  let elsewhereUrl = '';
  let trickUrl = '';

  before(async () => {
    for (const server of [elsewhereServer, trickServer]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhereServer.address() as AddressInfo).port}`;
    trickUrl = `http://127.0.0.1:${(trickServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const server of [elsewhereServer, trickServer]) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await box.dispose();
  });

  const run = async () => {
    const file = path.join(box.dataDir, 'one.csv');
    fs.writeFileSync(
      file,
      'issue,createdBy,createdAt,start,duration,externalId\nMIG-1,alice,2025-02-01T10:00:00Z,2025-02-01T09:00:00Z,PT1H,one\n',
    );
    return box.cli(
      ['import', file, '--url', trickUrl, '--token', TOKEN, '--org', '1', '--journal', path.join(box.dataDir, 'journal.ndjson')],
      { timeoutMs: 90_000 },
    );
  };

  it('a redirect stops the command with an error naming where it pointed', async () => {
    trick = (_request, response) => response.writeHead(307, { location: `${elsewhereUrl}/timeport/v1/capabilities` }).end();
    const result = await run();
    assert.equal(result.code, 1, show(result));
    assert.match(result.stderr, new RegExp(`307 redirecting to "${elsewhereUrl}/timeport/v1/capabilities"`), show(result));
    assert.deepEqual(elsewhere, []);
  });

  it('a batch path from the capabilities on another origin stops the command before anything is sent', async () => {
    for (const path of [
      `//127.0.0.1:${new URL(elsewhereUrl).port}/batch`,
      `${elsewhereUrl}/batch`,
      `127.0.0.1:${new URL(elsewhereUrl).port}/batch`,
    ]) {
      trick = (request, response) => {
        const body =
          request.url === '/timeport/v1/capabilities'
            ? { timeport: true, worklogBatchImport: { path, maxEntries: 10, maxBodyBytes: 100_000 } }
            : { errors: {}, errorsData: {}, errorMessages: ['no'], statusCode: 404 };
        response
          .writeHead(request.url === '/timeport/v1/capabilities' ? 200 : 404, { 'content-type': 'application/json' })
          .end(JSON.stringify(body));
      };
      const result = await run();
      assert.equal(result.code, 1, show(result));
      assert.match(
        result.stderr,
        /refusing .* leads to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+ \(the token is sent only there\)/,
        show(result),
      );
    }
    assert.deepEqual(elsewhere, []);
  });
});
