/**
 * Worklogs by creation time (store/created-near-start.ts): on SQLite the worklogs created near
 * their start are read through the index by start, the others through a partial index. The search
 * and the report must find exactly the worklogs a plain filter finds, on both databases, with
 * creation times on and around the window's edges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import path from 'node:path';
import { CompiledQuery, type KyselyPlugin, Migrator, type RootOperationNode, sql } from 'kysely';
import { AFTER_MS, BEFORE_MS, FAR_FROM_START_SQL } from '../../src/store/created-near-start.js';
import { type ReportScope, reportSums, reportTimeSpan } from '../../src/store/reports.js';
import { searchWorklogs } from '../../src/store/worklogs.js';
import { openSqliteStore } from '../../src/store/database.js';
import { StaticMigrationProvider } from '../../src/store/migrations/index.js';
import { openSqliteConnection } from '../../src/store/sqlite-connection.js';
import { type TestApp, buildTestApp, tempDir } from '../../support/app.js';
import { NOW, createQueue, importIssue } from '../api/fixtures.js';

const DAY = 86_400_000;
const ORG = '1';
const BASE = Date.parse('2024-01-01T00:00:00.000Z');
/** Creation time minus start: the window's edges and one either side of them, and values well inside and far outside it. */
const LAGS = [
  0,
  3_600_000,
  -BEFORE_MS,
  -BEFORE_MS - 1,
  -BEFORE_MS + 1,
  AFTER_MS,
  AFTER_MS + 1,
  AFTER_MS - 1,
  -40 * DAY,
  400 * DAY,
  3 * DAY,
];

interface Row {
  id: number;
  start: number;
  createdAt: number;
  createdBy: number;
  durationSeconds: number;
}

describe('worklogs by creation time, near their start or far from it', () => {
  let t: TestApp;
  let rows: Row[];
  let issueId: string;
  let uid: number;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await createQueue(t);
    const issue = await importIssue(t);
    issueId = issue.id;
    uid = Number((await t.store.db.selectFrom('users').select('uid').where('orgId', '=', ORG).executeTakeFirstOrThrow()).uid);
    // 440 worklogs: every lag of LAGS at 40 starts spread over a year, written straight to the table.
    const values = [];
    for (let index = 0; index < 40 * LAGS.length; index += 1) {
      const start = BASE + Math.floor(index / LAGS.length) * 9 * DAY + (index % 7) * 3_600_000;
      const createdAt = start + LAGS[index % LAGS.length]!;
      values.push({
        orgId: ORG,
        issueId,
        createdBy: uid,
        createdAt,
        updatedBy: uid,
        updatedAt: createdAt,
        start,
        durationSeconds: 60 * (1 + (index % 13)),
        comment: `entry ${index}`,
        version: 1,
        imported: 1 as const,
      });
    }
    await t.store.db.insertInto('worklogs').values(values).execute();
    rows = (
      await t.store.db.selectFrom('worklogs').select(['id', 'start', 'createdAt', 'createdBy', 'durationSeconds']).orderBy('id').execute()
    ).map((row) => ({
      id: Number(row.id),
      start: Number(row.start),
      createdAt: Number(row.createdAt),
      createdBy: Number(row.createdBy),
      durationSeconds: Number(row.durationSeconds),
    }));
  });
  after(() => t.close());

  const first = () => Math.min(...rows.map((row) => row.createdAt));
  const last = () => Math.max(...rows.map((row) => row.createdAt));
  /** An instant around the rows' creation times, often exactly one of them or an edge of a start range. */
  const instant = () =>
    fc.oneof(
      fc.integer({ min: first() - 50 * DAY, max: last() + 50 * DAY }),
      fc.constantFrom(...rows.map((row) => row.createdAt)),
      fc.constantFrom(...rows.map((row) => row.createdAt + 1)),
      // Ends that put a worklog's start on, or one beside, an end of the start range read.
      fc.constantFrom(...rows.flatMap((row) => [-1, 0, 1].flatMap((step) => [row.start + AFTER_MS + step, row.start - BEFORE_MS + step]))),
    );

  it('the set-up has worklogs on both sides of the window, and on its edges', () => {
    const lag = (row: Row) => row.createdAt - row.start;
    assert.ok(rows.some((row) => lag(row) === -BEFORE_MS) && rows.some((row) => lag(row) === AFTER_MS));
    assert.ok(rows.some((row) => lag(row) === -BEFORE_MS - 1) && rows.some((row) => lag(row) === AFTER_MS + 1));
    assert.equal(rows.length, 440);
  });

  it('the search finds, counts and pages exactly the worklogs a plain filter finds, with either end open', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(instant(), { nil: undefined }), fc.option(instant(), { nil: undefined }), async (from, to) => {
        fc.pre(from !== undefined || to !== undefined);
        const expected = rows.filter((row) => (from === undefined || row.createdAt >= from) && (to === undefined || row.createdAt <= to));
        const found = await searchWorklogs(
          t.store.db,
          t.store.dialect,
          ORG,
          { createdFrom: from, createdTo: to },
          { limit: 1000, offset: 0 },
        );
        assert.equal(found.total, expected.length);
        assert.deepEqual(
          found.worklogs.map((worklog) => Number(worklog.id)),
          expected.map((row) => row.id),
        );
        const page = await searchWorklogs(t.store.db, t.store.dialect, ORG, { createdFrom: from, createdTo: to }, { limit: 7, offset: 5 });
        assert.deepEqual(
          page.worklogs.map((worklog) => Number(worklog.id)),
          expected.slice(5, 12).map((row) => row.id),
        );
      }),
      { numRuns: 60 },
    );
  });

  const reportScope = (from: number, to: number): ReportScope => ({
    orgId: ORG,
    by: 'createdAt',
    from,
    to,
    userUids: [],
    issueIds: [],
    queueIds: [],
    groupBy: ['user'],
  });

  it('the search and the report are exact when a worklog starts on an end of the start range read, or one beside it', async () => {
    // One worklog of each lag, and each end of the range the index by start is read over, put on
    // its start, a millisecond before and after, with the range's other end open and closed.
    const samples = LAGS.map((lag) => rows.find((row) => row.createdAt - row.start === lag)!);
    for (const row of samples) {
      for (const step of [-1, 0, 1]) {
        const ranges = [
          { createdFrom: row.start + AFTER_MS + step },
          { createdFrom: row.start + AFTER_MS + step, createdTo: row.createdAt + 60 * DAY },
          { createdTo: row.start - BEFORE_MS + step },
          { createdFrom: row.createdAt - 60 * DAY, createdTo: row.start - BEFORE_MS + step },
        ];
        for (const range of ranges) {
          const from = range.createdFrom ?? -Infinity;
          const to = range.createdTo ?? Infinity;
          const expected = rows.filter((other) => other.createdAt >= from && other.createdAt <= to).length;
          const found = await searchWorklogs(t.store.db, t.store.dialect, ORG, range, { limit: 1, offset: 0 });
          assert.equal(found.total, expected, JSON.stringify({ lag: row.createdAt - row.start, range }));
          // The report adds its parts up, so it also fails if one worklog is in both.
          if (range.createdFrom === undefined || range.createdTo === undefined) continue;
          const scope: ReportScope = { ...reportScope(range.createdFrom, range.createdTo + 1), groupBy: [] };
          const [sum] = await reportSums(t.store.db, t.store.dialect, scope);
          assert.equal(sum?.entries ?? 0, expected, JSON.stringify({ lag: row.createdAt - row.start, range }));
        }
      }
    }
  });

  it('the report by creation time sums exactly the worklogs created in its period', async () => {
    await fc.assert(
      fc.asyncProperty(instant(), instant(), fc.constantFrom(DAY, 7 * DAY), async (a, b, size) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const sums = await reportSums(t.store.db, t.store.dialect, reportScope(from, to), { origin: from, size });
        const expected = new Map<number, { seconds: number; entries: number }>();
        for (const row of rows) {
          if (row.createdAt < from || row.createdAt >= to) continue;
          const cell = Math.floor((row.createdAt - from) / size);
          const sum = expected.get(cell) ?? { seconds: 0, entries: 0 };
          expected.set(cell, { seconds: sum.seconds + row.durationSeconds, entries: sum.entries + 1 });
        }
        const got = new Map(sums.map((sum) => [sum.cell!, { seconds: sum.seconds, entries: sum.entries }]));
        assert.deepEqual(got, expected);
        for (const sum of sums) assert.deepEqual(sum.keys, [uid]);
      }),
      { numRuns: 60 },
    );
  });

  it('SQLite: the partial index is the one migration 0014 made, and each branch reads its index alone', async (context) => {
    if (t.store.dialect !== 'sqlite') return context.skip('SQLite only: PostgreSQL keeps its plain index by creation time');
    const index = await sql<{ sql: string }>`select sql from sqlite_master where name = 'worklogs_created_far_from_start_idx'`.execute(
      t.store.db,
    );
    assert.match(index.rows[0]!.sql, new RegExp(`where ${FAR_FROM_START_SQL.replace(/[-+*]/g, '\\$&')}$`));
    const plain = await sql<{ name: string }>`select name from sqlite_master where name = 'worklogs_report_created_idx'`.execute(
      t.store.db,
    );
    assert.deepEqual(plain.rows, []);

    // The statements the search and the report send, as they send them.
    const sent: RootOperationNode[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: ({ node }) => {
        sent.push(node);
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const db = t.store.db.withPlugin(recorder);
    const scope: ReportScope = { ...reportScope(BASE, BASE + 30 * DAY), groupBy: ['queue', 'user'] };
    await reportTimeSpan(db, 'sqlite', scope);
    await reportSums(db, 'sqlite', scope, { origin: BASE, size: DAY });
    for (const range of [{ createdFrom: BASE, createdTo: BASE + DAY }, { createdFrom: BASE }, { createdTo: BASE + DAY }]) {
      await searchWorklogs(db, 'sqlite', ORG, range, { limit: 50, offset: 0 });
    }
    // Kysely hands the plugin the subqueries too (the union's arms), each a statement of its own
    // here; the statements sent are those no other holds: the span's and the sums' per part (2 +
    // 2), and per search its page and its count (3 × 2).
    const compiled = sent.map((node) => t.store.db.getExecutor().compileQuery(node, { queryId: 'plan' }));
    const outermost = compiled.filter((query) => !compiled.some((other) => other !== query && other.sql.includes(query.sql)));
    assert.equal(new Set(outermost.map((query) => query.sql)).size, 2 + 2 + 3 * 2);
    for (const query of compiled) {
      const plan = await t.store.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]),
      );
      const details = plan.rows.map((row) => row.detail);
      const text = `${query.sql}\n${details.join('\n')}`;
      const reads = details.filter((detail) => /^(SCAN|SEARCH) worklogs/.test(detail));
      // Every read of worklogs is a search: of one of the two indexes, or of rows by id.
      for (const read of reads)
        assert.match(
          read,
          /^SEARCH worklogs USING (COVERING INDEX worklogs_(report_start|created_far_from_start)_idx|INTEGER PRIMARY KEY)/,
          text,
        );
      const indexes = reads.map((read) => /INDEX (\w+)/.exec(read)?.[1]).filter((name) => name !== undefined);
      if (query.sql.includes(' union all '))
        assert.deepEqual(indexes.sort(), ['worklogs_created_far_from_start_idx', 'worklogs_report_start_idx'], text);
      else assert.equal(indexes.length, 1, text);
    }
  });

  it('SQLite: a database made before migration 0014 keeps answering by creation time after it', async (context) => {
    if (t.store.dialect !== 'sqlite') return context.skip('SQLite only: migration 0014 changes nothing on PostgreSQL');
    const temp = tempDir();
    try {
      const file = path.join(temp.dir, 'before-0014.sqlite');
      const old = openSqliteConnection(file);
      const migrator = new Migrator({
        db: old.db,
        provider: new StaticMigrationProvider('sqlite'),
        migrationTableName: 'timeport_migrations',
        migrationLockTableName: 'timeport_migrations_lock',
      });
      const migrated = await migrator.migrateTo('0013_catalog_epoch');
      assert.equal(migrated.error, undefined);
      // The rows alone matter here, not the organization and issue they name.
      old.sqlite.pragma('foreign_keys = OFF');
      const insert = old.sqlite.prepare(
        'insert into worklogs (org_id, issue_id, created_by, created_at, updated_by, updated_at, start, duration_seconds, version, imported) values (?, ?, 1, ?, 1, ?, ?, 60, 1, 1)',
      );
      for (const row of rows) insert.run(ORG, 'issue', row.createdAt, row.createdAt, row.start);
      await old.db.destroy();

      const store = await openSqliteStore(file);
      try {
        const from = BASE + 100 * DAY;
        const to = BASE + 200 * DAY;
        const expected = rows.filter((row) => row.createdAt >= from && row.createdAt <= to).length;
        assert.ok(expected > 0);
        const found = await searchWorklogs(store.db, 'sqlite', ORG, { createdFrom: from, createdTo: to }, { limit: 1, offset: 0 });
        assert.equal(found.total, expected);
        const names = await sql<{
          name: string;
        }>`select name from sqlite_master where tbl_name = 'worklogs' and type = 'index' order by name`.execute(store.db);
        assert.deepEqual(
          names.rows.map((row) => row.name),
          ['worklogs_created_far_from_start_idx', 'worklogs_issue_id_idx', 'worklogs_org_author_id_idx', 'worklogs_report_start_idx'],
        );
      } finally {
        await store.close();
      }
    } finally {
      temp.remove();
    }
  });
});
