import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseBusinessDuration } from '../../src/domain/duration.js';
import { Sandbox, type ServerProcess, within } from '../../support/harness.js';
import { listWorklogs } from '../process/tracker.js';

const TOKEN = 'sync-admin-token-0001';
const ENTRIES = 600;

/**
 * `timeport sync` as a user runs it, through the documented worklog API and through Timeport's
 * extension (in batches of 50, so that the kill falls between two): its exit codes (3 while
 * deletions wait for --delete, 0 once the target matches), and a run killed with SIGKILL in the
 * middle, then run again, ending with the target equal to the source and nothing created twice.
 * The server stores on the test backend (SQLite, or PostgreSQL in the runner's second pass); what it
 * stores is read through its API.
 */
for (const api of ['tracker', 'timeport'] as const)
  describe(`timeport sync --api ${api}: exit codes, kill -9 and a re-run`, { timeout: 110_000 }, () => {
    const sandbox = new Sandbox(`timeport-sync-${api}-`);
    let server: ServerProcess;
    const file = path.join(sandbox.dataDir, 'entries.ndjson');
    const stateDir = path.join(sandbox.dataDir, 'sync-state');
    const as = { token: TOKEN, org: '1' };
    const line = (index: number) =>
      JSON.stringify({
        issue: `SYN-${1 + (index % 3)}`,
        createdBy: 'admin',
        createdAt: `2023-05-${String(1 + (index % 28)).padStart(2, '0')}T17:00:00+02:00`,
        start: `2023-05-${String(1 + (index % 28)).padStart(2, '0')}T09:00:00+02:00`,
        duration: `PT${1 + (index % 480)}M`,
        comment: `entry ${index}`,
        externalId: `sync-${index}`,
      });

    before(async () => {
      server = await sandbox.serveOnTestBackend({ env: { TIMEPORT_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' } });
      const ok = async (answer: Promise<{ status: number; text: string }>) => {
        const response = await answer;
        assert.ok(response.status < 300, response.text);
      };
      await ok(server.request('/v3/queues/', { ...as, method: 'POST', body: { key: 'SYN', name: 'Sync', lead: 'admin' } }));
      for (let issue = 0; issue < 3; issue++) {
        await ok(
          server.request('/v3/issues/_import', {
            ...as,
            method: 'POST',
            body: {
              queue: 'SYN',
              summary: `Issue ${issue}`,
              createdAt: '2020-01-01T00:00:00Z',
              createdBy: 'admin',
              updatedAt: '2024-12-31T00:00:00Z',
              updatedBy: 'admin',
            },
          }),
        );
      }
      fs.writeFileSync(file, Array.from({ length: ENTRIES }, (_, index) => line(index)).join('\n') + '\n');
    });
    after(() => sandbox.dispose());

    const args = () => [
      'sync',
      file,
      '--api',
      api,
      ...(api === 'timeport' ? ['--batch-size', '50'] : []),
      '--url',
      server.url,
      '--token',
      TOKEN,
      '--org',
      '1',
      '--state-dir',
      stateDir,
      '--progress-interval',
      '1',
    ];
    /** Every worklog of SYN-1..3 as the API lists it, in id order, with its duration in seconds. */
    const stored = async () => {
      const worklogs = [];
      for (let issue = 1; issue <= 3; issue++) worklogs.push(...(await listWorklogs(server, as, `SYN-${issue}`)));
      return worklogs
        .sort((a, b) => a.id - b.id)
        .map((worklog) => {
          const seconds = parseBusinessDuration(worklog.duration);
          assert.ok(seconds.ok, worklog.duration);
          return { comment: worklog.comment, seconds: seconds.value };
        });
    };
    const stateLines = () => {
      const files = fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((name) => name.endsWith('.ndjson')) : [];
      return files.length === 0 ? 0 : fs.readFileSync(path.join(stateDir, files[0]!), 'utf8').split('\n').length - 2;
    };

    test('killed mid-way and run again: every entry once; then exit 3 while a deletion waits, 0 once applied', async () => {
      const first = sandbox.spawn(process.execPath, ['bin/timeport.js', ...args()]);
      await within(
        (async () => {
          while (stateLines() < 100) {
            if (!first.running) throw new Error(`the sync ended before it could be killed:\n${first.transcript()}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        })(),
        'the first run to write 100 worklogs',
        60_000,
      );
      const exit = await first.kill();
      assert.equal(exit.signal, 'SIGKILL');
      const atKill = (await stored()).length;
      assert.ok(atKill >= 100 && atKill < ENTRIES, `killed in the middle (${atKill} stored)`);

      const second = await sandbox.cli(args(), { timeoutMs: 80_000 });
      assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
      // What the target stored is found again (adopted as an exact match, or from Timeport's ledger),
      // a write in flight at the kill included: only the rest is created.
      const planned =
        /^Plan: (\d+) creates, 0 updates, 0 deletes, (\d+) adopted from the target, (\d+) unchanged, 0 conflicts, 0 ambiguous$/m.exec(
          second.stdout,
        );
      assert.ok(planned !== null, second.stdout);
      const [creates, adopted, unchanged] = planned.slice(1).map(Number) as [number, number, number];
      assert.equal(creates + adopted + unchanged, ENTRIES);
      assert.ok(creates <= ENTRIES - atKill && creates > 0, second.stdout);
      if (api === 'tracker') assert.ok(adopted <= 1, 'at most the write in flight is adopted');
      else assert.equal(adopted, 0, 'the ledger knows every stored entry');
      const comments = (await stored()).map((worklog) => worklog.comment).sort();
      assert.deepEqual(comments, Array.from({ length: ENTRIES }, (_, index) => `entry ${index}`).sort(), 'every entry once');

      // One entry gone, one edited: the edit is applied, the deletion waits (exit 3) until --delete.
      fs.writeFileSync(
        file,
        Array.from({ length: ENTRIES - 1 }, (_, index) => (index === 5 ? line(5).replace('"PT6M"', '"PT7M"') : line(index))).join('\n') +
          '\n',
      );
      const dry = await sandbox.cli([...args(), '--dry-run'], { timeoutMs: 60_000 });
      assert.equal(dry.code, 3, `${dry.stdout}\n${dry.stderr}`);
      const third = await sandbox.cli(args(), { timeoutMs: 60_000 });
      assert.equal(third.code, 3, `${third.stdout}\n${third.stderr}`);
      assert.match(third.stdout, /^Plan: 0 creates, 1 updates, 1 deletes \(1 not applied without --delete\), /m);
      assert.match(third.stdout, new RegExp(`^ {2}sync-${ENTRIES - 1}: worklog \\d+ on SYN-`, 'm'));
      assert.equal((await stored()).find((worklog) => worklog.comment === 'entry 5')!.seconds, 7 * 60);
      assert.equal((await stored()).length, ENTRIES, 'the deletion waits');
      const fourth = await sandbox.cli([...args(), '--delete'], { timeoutMs: 60_000 });
      assert.equal(fourth.code, 0, `${fourth.stdout}\n${fourth.stderr}`);
      assert.equal((await stored()).length, ENTRIES - 1);
      const fifth = await sandbox.cli([...args(), '--dry-run'], { timeoutMs: 60_000 });
      assert.equal(fifth.code, 0, `${fifth.stdout}\n${fifth.stderr}`);
      assert.match(
        fifth.stdout,
        new RegExp(
          `^Plan: 0 creates, 0 updates, 0 deletes, 0 adopted from the target, ${ENTRIES - 1} unchanged, 0 conflicts, 0 ambiguous$`,
          'm',
        ),
      );
    });
  });
