/**
 * Time-spent report benchmark, in process (no HTTP; bench/reads.ts asks the same questions of the
 * real server over HTTP, on both backends): N worklogs (full 1,000,000, quick 50,000) over two
 * years, 50 users, 20 queues, 2,000 issues, written straight into a fresh SQLite file, then the
 * report's usual questions timed (best of 3).
 *   npm run bench -- report        or  npx tsx bench/report.ts [entries]   (BENCH_REPORT_SEED_ENTRIES too)
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildTestApp, tempDir } from '../support/app.js';
import { REPORT_QUESTIONS, fmt, main, ms, onCleanup, printSection, setting, table } from './lib.js';

const ENTRIES = process.argv[2] === undefined ? setting('BENCH_REPORT_SEED_ENTRIES', 50_000, 1_000_000) : Number(process.argv[2]);
await main(async () => {
  const temp = tempDir('timeport-bench-');
  onCleanup(() => temp.remove());
  const t = await buildTestApp({ file: path.join(temp.dir, 'bench.sqlite'), now: Date.parse('2026-01-01T00:00:00Z') });
  const db = t.store.db;
  const now = Date.parse('2025-12-31T00:00:00Z');
  const began = performance.now();

  await db.transaction().execute(async (trx) => {
    const users: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const user = await trx
        .insertInto('users')
        .values({
          orgId: '1',
          login: `user${i}`,
          loginKey: `user${i}`,
          display: `User ${i}`,
          firstName: '',
          lastName: '',
          email: null,
          isAdmin: 0,
          passportUid: null,
          cloudUid: `c${i}`,
          dismissed: 0,
          createdAt: now,
        })
        .returning('uid')
        .executeTakeFirstOrThrow();
      users.push(user.uid);
    }
    const issues: string[] = [];
    for (let q = 0; q < 20; q += 1) {
      const key = `Q${q}`;
      const queue = await trx
        .insertInto('queues')
        .values({
          orgId: '1',
          key,
          name: `Queue ${q}`,
          description: null,
          leadUid: users[0]!,
          defaultType: 'task',
          defaultPriority: 'normal',
          lastIssueNumber: 100,
          extra: '{}',
          version: 1,
          createdAt: now,
          updatedAt: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let n = 1; n <= 100; n += 1) {
        const id = (q * 1000 + n).toString(16).padStart(24, '0');
        issues.push(id);
        await trx
          .insertInto('issues')
          .values({
            id,
            orgId: '1',
            queueId: Number(queue.id),
            key: `${key}-${n}`,
            number: n,
            summary: `Issue ${n} of ${key}`,
            description: null,
            status: 'open',
            type: 'task',
            priority: 'normal',
            assigneeUid: null,
            createdAt: now,
            createdBy: users[0]!,
            updatedAt: now,
            updatedBy: users[0]!,
            resolvedAt: null,
            resolvedBy: null,
            resolution: null,
            version: 1,
            spentSeconds: 0,
            originalEstimationSeconds: null,
            estimationSeconds: null,
            uniqueMarker: null,
            deadline: null,
            start: null,
            end: null,
            extra: '{}',
          })
          .execute();
      }
    }
    const span = 2 * 365 * 86_400_000;
    const first = Date.parse('2024-01-01T00:00:00Z');
    let seedValue = 42;
    const random = () => (seedValue = (seedValue * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let done = 0; done < ENTRIES; done += 1000) {
      const rows = Array.from({ length: Math.min(1000, ENTRIES - done) }, () => {
        const start = first + Math.floor(random() * span);
        const author = users[Math.floor(random() * users.length)]!;
        return {
          orgId: '1',
          issueId: issues[Math.floor(random() * issues.length)]!,
          createdBy: author,
          createdAt: start + 3_600_000,
          updatedBy: author,
          updatedAt: start + 3_600_000,
          start,
          durationSeconds: 900 * (1 + Math.floor(random() * 32)),
          comment: null,
          version: 1,
          imported: 1 as const,
        };
      });
      await trx.insertInto('worklogs').values(rows).execute();
    }
  });
  const seedSeconds = (performance.now() - began) / 1000;
  console.log(`seeded ${ENTRIES} worklogs in ${seedSeconds.toFixed(1)} s`);

  const rows: string[][] = [];
  for (const query of REPORT_QUESTIONS) {
    const times: number[] = [];
    let size = 0;
    for (let run = 0; run < 3; run += 1) {
      const start = performance.now();
      const response = await t.request({ method: 'GET', url: `/timeport/v1/reports/time-spent?${query}` });
      times.push(performance.now() - start);
      if (response.statusCode !== 200) throw new Error(`${query}: ${response.statusCode} ${response.body}`);
      size = response.body.length;
    }
    console.log(
      `${Math.min(...times)
        .toFixed(0)
        .padStart(6)} ms  ${String(size).padStart(9)} B  ${query}`,
    );
    rows.push([`\`${query}\``, ms(Math.min(...times)), `${fmt(size)} B`]);
  }
  await t.close();
  printSection(
    `Time-spent report in process over ${fmt(ENTRIES)} entries (SQLite)`,
    'report',
    [table(['Question (`/timeport/v1/reports/time-spent?…`)', 'Best of 3', 'Answer size'], rows)],
    [
      `${fmt(ENTRIES)} worklogs over 2024-2025, 50 users, 20 queues × 100 issues, inserted straight into SQLite in ${seedSeconds.toFixed(1)} s; requests injected in process (no network).`,
    ],
  );
});
