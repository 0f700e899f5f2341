import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Sandbox, type ServerProcess, within } from '../../support/harness.js';
import { expectStatus } from '../process/tracker.js';

const TOKEN = 'resume-admin-token-0001';
const ENTRIES = 50_000;
const ISSUES = 5;

/**
 * Pain point 9 with real processes: `timeport import` killed with SIGKILL in the middle of a
 * 50,000-entry import, then run again, ends with exactly 50,000 entries on the server. The server
 * stores on the test backend (SQLite, or PostgreSQL in the runner's second pass); what it stores is
 * read through its API.
 */
// About 25 s on an idle two-core machine; the bound leaves room for a loaded CI machine.
describe('timeport import: kill -9 and resume', { timeout: 110_000 }, () => {
  const sandbox = new Sandbox('timeport-resume-');
  let server: ServerProcess;
  const file = path.join(sandbox.dataDir, 'entries.ndjson');
  const journal = path.join(sandbox.dataDir, 'journal.ndjson');
  const as = { token: TOKEN, org: '1' };

  before(async () => {
    server = await sandbox.serveOnTestBackend({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
    const ok = async (answer: Promise<{ status: number; text: string }>) => {
      const response = await answer;
      assert.ok(response.status < 300, response.text);
    };
    await ok(server.request('/v3/queues/', { ...as, method: 'POST', body: { key: 'BIG', name: 'Big', lead: 'admin' } }));
    for (let issue = 0; issue < ISSUES; issue++) {
      await ok(
        server.request('/v3/issues/_import', {
          ...as,
          method: 'POST',
          body: {
            queue: 'BIG',
            summary: `Issue ${issue}`,
            createdAt: '2020-01-01T00:00:00Z',
            createdBy: 'admin',
            updatedAt: '2024-12-31T00:00:00Z',
            updatedBy: 'admin',
          },
        }),
      );
    }
    const lines: string[] = [];
    for (let index = 0; index < ENTRIES; index++) {
      const day = String(1 + (index % 28)).padStart(2, '0');
      lines.push(
        JSON.stringify({
          issue: `BIG-${1 + (index % ISSUES)}`,
          createdBy: 'admin',
          createdAt: `2023-05-${day}T17:00:00+02:00`,
          start: `2023-05-${day}T09:00:00+02:00`,
          duration: `PT${1 + (index % 480)}M`,
          comment: `entry ${index}`,
          externalId: `resume-${index}`,
        }),
      );
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
  });
  after(() => sandbox.dispose());

  const args = [
    'bin/timeport.js',
    'import',
    file,
    '--url',
    '',
    '--token',
    TOKEN,
    '--org',
    '1',
    '--journal',
    journal,
    '--batch-size',
    '5000',
    '--progress-interval',
    '1',
  ];
  const argsFor = () => args.map((arg) => (arg === '' ? server.url : arg));
  /** How many worklogs the server stores, as its time-spent report counts them (every entry starts in May 2023). */
  const storedCount = async () => {
    const response = await server.request('/timeport/v1/reports/time-spent?from=2023-05-01&to=2023-05-31', as);
    return expectStatus<{ total: { count: number } }>(response, 200, 'GET /timeport/v1/reports/time-spent').total.count;
  };
  /** The external ids of what imports put on the server and still exists (Timeport's ledger, `GET /timeport/v1/worklogs/_external`). */
  const ledgerExternalIds = async () => {
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const response = await server.request(`/timeport/v1/worklogs/_external?perPage=1000${cursor}`, as);
      const page = expectStatus<{ externalId: string; worklog: { id: number } }[]>(response, 200, 'GET /timeport/v1/worklogs/_external');
      ids.push(...page.map((item) => item.externalId));
      if (response.headers.link === undefined) return ids;
      cursor = `&id=${page[page.length - 1]!.worklog.id}`;
    }
  };
  /** A plain progress line (stderr is not a terminal) once entries are done: count, rate and ETA. */
  const PROGRESS_WITH_ETA = /Importing: [1-9]\d*\/50000 entries, [1-9]\d*\/s, ETA \d+ s/;
  const doneLines = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('"st":"done"').length - 1 : 0);

  test('a re-run after kill -9 finishes with exactly 50,000 entries, none twice', async () => {
    const first = sandbox.spawn(process.execPath, argsFor());
    await within(
      (async () => {
        // Killed once 10,000 entries are journaled and a progress line with a count, a rate and an
        // ETA has been printed. The first line can come before any entry is done (`0/50000, ETA
        // unknown` on a slow machine), and the first 10,000 can be done before the first line (on a
        // fast one), so the wait is for both.
        while (doneLines() < 10_000 || !PROGRESS_WITH_ETA.test(first.stderr)) {
          if (!first.running) {
            const progress = PROGRESS_WITH_ETA.test(first.stderr)
              ? 'a progress line with an ETA was printed'
              : 'no progress line with a count, rate and ETA was printed';
            throw new Error(`the import ended before it could be killed (${progress}):\n${first.transcript()}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })(),
      'the first run to journal 10,000 entries',
      60_000,
    );
    const exit = await first.kill();
    assert.equal(exit.signal, 'SIGKILL');
    const atKill = await storedCount();
    assert.ok(atKill >= 10_000 && atKill < ENTRIES, `killed in the middle (${atKill} stored)`);

    const second = await sandbox.cli(argsFor().slice(1), { timeoutMs: 80_000 });
    assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
    assert.equal(await storedCount(), ENTRIES);
    const summary = /Import finished in [\d.]+ s: created (\d+), already present (\d+), failed 0, skipped \(in the journal\) (\d+)/.exec(
      second.stdout,
    );
    assert.ok(summary !== null, second.stdout);
    const [created, present, skipped] = summary.slice(1).map(Number) as [number, number, number];
    assert.equal(created + present + skipped, ENTRIES);
    // A batch in flight at the kill may still have been committed by the server: it is "already present" now.
    assert.ok(present + skipped >= atKill, 'what was stored before the kill is not created again');
    assert.ok(created <= ENTRIES - atKill);
    assert.equal(new Set(await ledgerExternalIds()).size, ENTRIES);
  });
});
