/**
 * `npm run bench -- indexes` (issue 19, point 2): what each time index of `worklogs` costs the batch
 * import at size, and what the reads lose without it. On the real server (a separate process),
 * SQLite and PostgreSQL. The indexes whose insertion point is random for entries not in time
 * order (the time-spent report's two) are dropped one at a time (and together) from the database beside the running
 * server, the batch import of random-order entries is measured, and the index is built again.
 * Each variant is measured on two databases, their probes interleaved:
 *
 * - an empty one (a fresh one per variant), and
 * - one holding N entries (full: 5,000,000). The fill goes through the batch extension in
 *   time order with those indexes dropped, and they are built afterwards: minutes instead of the
 *   quarter of an hour a random-order fill takes, with the same rows and the same index contents
 *   (a built index has fuller pages than one grown by random inserts; said beside the figures).
 *
 * Beside each variant at size: the reads that lean on the dropped index (the time-spent report by
 * start and by createdAt, and the worklog search by author and createdAt), timed over HTTP.
 *
 * Settings (environment): BENCH_INDEX_ENTRIES (N: quick 50,000, full 5,000,000),
 * BENCH_INDEX_PROBE (random-order entries per measurement: quick 10,000, full 50,000), BENCH_ROUNDS
 * (measurements per variant and database, interleaved, median: quick 1, full 2),
 * BENCH_BACKENDS, BENCH_PG_URL.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SQLITE_FILE } from '../support/harness.js';
import {
  type Api,
  type Backend,
  backends,
  benchEntry,
  fmt,
  importBatches,
  log,
  main,
  median,
  ms,
  postgresBackend,
  printSection,
  ratio,
  sandbox,
  seedIssues,
  seedUsers,
  setting,
  sqliteBackend,
  startServer,
  stopServer,
  table,
} from './lib.js';

const ENTRIES = setting('BENCH_INDEX_ENTRIES', 50_000, 5_000_000);
const PROBE = setting('BENCH_INDEX_PROBE', 10_000, 50_000);
const ROUNDS = setting('BENCH_ROUNDS', 1, 2);
const ISSUES = 200;
const USERS = 10;

/**
 * The worklog indexes whose insertion point is random for entries not in time order: the index by
 * start, and the one by creation time (on SQLite since migration 0014 only for the worklogs created
 * far from their start, store/created-near-start.ts; the index by start also serves creation time
 * there). Until migration 0012 the author index, `(org_id, created_by, created_at)`, was a third;
 * this script measured it, and it now grows in id order (BENCHMARKS.md).
 */
const TIME_INDEXES: Record<Backend['name'], readonly string[]> = {
  SQLite: ['worklogs_report_start_idx', 'worklogs_created_far_from_start_idx'],
  PostgreSQL: ['worklogs_report_start_idx', 'worklogs_report_created_idx'],
};

const variantsOf = (kind: Backend['name']): { label: string; drop: readonly string[] }[] => [
  { label: 'every index (as shipped)', drop: [] },
  ...TIME_INDEXES[kind].map((index) => ({ label: `without ${index}`, drop: [index] })),
  { label: 'without both', drop: TIME_INDEXES[kind] },
];

/** The reads each index serves, asked of the data set (queue BENCH, users user0 ... user9). */
const READS: { label: string; method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  {
    label: 'report by start, two years, per user',
    method: 'GET',
    path: '/timeport/v1/reports/time-spent?from=2024-01-01&to=2025-12-31&groupBy=user',
  },
  {
    label: 'report by start, one month, per issue and user',
    method: 'GET',
    path: '/timeport/v1/reports/time-spent?from=2025-06-01&to=2025-06-30&groupBy=issue,user',
  },
  {
    label: 'report by createdAt, one year, per month',
    method: 'GET',
    path: '/timeport/v1/reports/time-spent?from=2025-01-01&to=2025-12-31&groupBy=month&by=createdAt',
  },
  {
    label: 'worklog search: one author, one month (first page)',
    method: 'POST',
    path: '/v3/worklog/_search?perPage=50',
    body: { createdBy: 'user7', createdAt: { from: '2025-06-01T00:00:00.000+0000', to: '2025-07-01T00:00:00.000+0000' } },
  },
  {
    // Any author: on SQLite the widest read of the index by start for a creation time (a day plus the window).
    label: 'worklog search: any author, one day by createdAt (first page)',
    method: 'POST',
    path: '/v3/worklog/_search?perPage=50',
    body: { createdAt: { from: '2025-06-10T00:00:00.000+0000', to: '2025-06-11T00:00:00.000+0000' } },
  },
];

/** Drops and builds indexes on the database behind a running server, over a connection of its own. */
interface IndexAdmin {
  drop(indexes: readonly string[]): Promise<void>;
  build(indexes: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

async function indexAdmin(backend: Backend, dataDir: string): Promise<IndexAdmin> {
  if (backend.databaseUrl === '') {
    const db = new Database(path.join(dataDir, SQLITE_FILE));
    db.pragma('busy_timeout = 60000');
    const definitions = new Map(
      TIME_INDEXES.SQLite.map((name) => {
        const row = db.prepare('select sql from sqlite_master where type = ? and name = ?').get('index', name) as
          { sql: string } | undefined;
        if (row === undefined) throw new Error(`SQLite: index ${name} not found`);
        return [name, row.sql];
      }),
    );
    return {
      drop: async (indexes) => {
        for (const name of indexes) db.exec(`drop index ${name}`);
      },
      build: async (indexes) => {
        const began = performance.now();
        for (const name of indexes) db.exec(definitions.get(name)!);
        return (performance.now() - began) / 1000;
      },
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: backend.databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  const { rows } = await client.query<{ indexname: string; indexdef: string }>(
    'select indexname, indexdef from pg_indexes where indexname = any($1)',
    [TIME_INDEXES.PostgreSQL],
  );
  const definitions = new Map(rows.map((row) => [row.indexname, row.indexdef]));
  for (const name of TIME_INDEXES.PostgreSQL) if (!definitions.has(name)) throw new Error(`PostgreSQL: index ${name} not found`);
  return {
    drop: async (indexes) => {
      for (const name of indexes) await client.query(`drop index ${name}`);
    },
    build: async (indexes) => {
      const began = performance.now();
      for (const name of indexes) await client.query(definitions.get(name)!);
      await client.query('analyze worklogs');
      return (performance.now() - began) / 1000;
    },
    close: () => client.end(),
  };
}

interface Seeded {
  api: Api;
  admin: IndexAdmin;
  issues: string[];
  users: string[];
  next: number;
}

async function seeded(backend: Backend): Promise<Seeded> {
  const box = sandbox();
  const api = await startServer(box, backend);
  const issues = await seedIssues(api, 'BENCH', ISSUES);
  const users = ['admin', ...(await seedUsers(api, USERS))];
  const admin = await indexAdmin(backend, box.dataDir);
  const target: Seeded = { api, admin, issues, users, next: 0 };
  // A warm-up: the server's statements prepared, the caches filled.
  await send(target, { total: 2000, size: 1000, concurrency: 1, order: 'random' });
  return target;
}

/** Imports the target's next `total` entries through the batch extension; answers the seconds taken. */
async function send(
  target: Seeded,
  batches: { total: number; size: number; concurrency: number; order: 'random' | 'time' },
): Promise<number> {
  const seconds = await importBatches(target.api, {
    from: target.next,
    total: batches.total,
    size: batches.size,
    concurrency: batches.concurrency,
    make: (n) => benchEntry(n, target.issues, target.users, 'idx', batches.order),
  });
  target.next += batches.total;
  return seconds;
}

/**
 * After minutes of index building the client's idle keep-alive sockets may be the ones the server
 * is closing (its keep-alive timeout), and a POST on one fails with ECONNRESET; a few reads first
 * retire them.
 */
async function refreshConnections(api: Api): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt += 1) await api.get('/healthz').catch(() => undefined);
  await api.get('/healthz');
}

/** The batch import of PROBE random-order entries (batches of 5,000, 2 in flight): entries/s. */
async function probe(target: Seeded): Promise<number> {
  await refreshConnections(target.api);
  return PROBE / (await send(target, { total: PROBE, size: 5000, concurrency: 2, order: 'random' }));
}

async function timeReads(api: Api): Promise<number[]> {
  const times: number[] = [];
  for (const read of READS) {
    let best = Infinity;
    for (let run = 0; run < 2; run += 1) {
      const began = performance.now();
      await api.call(read.method, read.path, read.body);
      best = Math.min(best, performance.now() - began);
    }
    times.push(best);
  }
  return times;
}

interface Result {
  backend: Backend['name'];
  empty: number[];
  full: number[];
  reads: number[][];
  fillSeconds: number;
  buildSeconds: number;
  stored: number;
}

async function benchBackend(kind: Backend['name']): Promise<Result | undefined> {
  const backend = kind === 'SQLite' ? sqliteBackend() : await postgresBackend('_idx_full');
  if (backend === undefined) return undefined;
  const full = await seeded(backend);
  await full.admin.drop(TIME_INDEXES[kind]);
  const fill = Math.max(0, ENTRIES - full.next);
  log(`${kind}: filling to ${fmt(ENTRIES)} entries in time order, time indexes dropped`);
  const fillSeconds = await send(full, { total: fill, size: 10_000, concurrency: 2, order: 'time' });
  const buildSeconds = await full.admin.build(TIME_INDEXES[kind]);
  log(`${kind}: filled in ${fillSeconds.toFixed(1)} s, indexes built in ${buildSeconds.toFixed(1)} s`);

  // Each variant: a fresh empty database beside the full one, the same indexes dropped on both,
  // and their probes interleaved (ROUNDS each, median), so that both rates see the same machine.
  const emptyRates: number[] = [];
  const fullRates: number[] = [];
  const reads: number[][] = [];
  for (const [i, variant] of variantsOf(kind).entries()) {
    const emptyBackend = kind === 'SQLite' ? sqliteBackend() : await postgresBackend(`_idx_empty${i}`);
    if (emptyBackend === undefined) return undefined;
    const empty = await seeded(emptyBackend);
    await empty.admin.drop(variant.drop);
    await full.admin.drop(variant.drop);
    const emptyRuns: number[] = [];
    const fullRuns: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round += 1) {
        emptyRuns.push(await probe(empty));
        fullRuns.push(await probe(full));
      }
    } catch (error) {
      for (const [name, target] of [
        ['empty', empty],
        ['full', full],
      ] as const)
        log(`${kind} ${name} database's server, last output:\n${target.api.server.stderr.slice(-2000)}`);
      throw error;
    }
    emptyRates.push(median(emptyRuns));
    fullRates.push(median(fullRuns));
    reads.push(await timeReads(full.api));
    log(
      `${kind}, ${variant.label}: empty ${emptyRuns.map((rate) => fmt(rate)).join(', ')}; at ${fmt(full.next)} ${fullRuns.map((rate) => fmt(rate)).join(', ')} entries/s; reads ${reads.at(-1)!.map(ms).join(', ')}`,
    );
    await full.admin.build(variant.drop);
    await empty.admin.close();
    await stopServer(empty.api);
  }
  const stored = await full.api.countWorklogs();
  if (stored !== full.next) throw new Error(`${kind}: ${fmt(full.next)} entries imported but ${fmt(stored)} stored`);
  await full.admin.close();
  await stopServer(full.api);
  return { backend: kind, empty: emptyRates, full: fullRates, reads, fillSeconds, buildSeconds, stored };
}

await main(async () => {
  // Which backends: the same choice as every script (BENCH_BACKENDS, PostgreSQL reachable).
  const kinds = (await backends('_idx_probe')).map((backend) => backend.name);
  const results: Result[] = [];
  for (const kind of kinds) {
    const result = await benchBackend(kind);
    if (result !== undefined) results.push(result);
  }
  const verdict = (value: number) => `${ratio(value)} ${value >= 0.8 ? '(≥ 80% met)' : '(≥ 80% missed)'}`;
  printSection(
    `What each time index costs the batch import at ${fmt(ENTRIES)} entries, and what the reads lose without it`,
    'indexes',
    [
      table(
        ['Backend', 'Indexes', 'Entries/s, empty', `Entries/s at ${fmt(ENTRIES)}`, 'At size / empty', 'vs every index at size'],
        results.flatMap((result) =>
          variantsOf(result.backend).map((variant, i) => [
            result.backend,
            variant.label,
            fmt(result.empty[i]!),
            fmt(result.full[i]!),
            verdict(result.full[i]! / result.empty[i]!),
            ratio(result.full[i]! / result.full[0]!),
          ]),
        ),
      ),
      table(
        ['Backend', 'Indexes', ...READS.map((read) => read.label)],
        results.flatMap((result) =>
          variantsOf(result.backend).map((variant, i) => [result.backend, variant.label, ...result.reads[i]!.map(ms)]),
        ),
      ),
    ],
    [
      `Probe: ${fmt(PROBE)} entries in random time order over 2024-2025, batches of 5,000, 2 in flight; the median of ${ROUNDS} probe(s) per database, the empty database's (a fresh one per variant, after a warm-up of 2,000) and the full one's interleaved.`,
      `At size: filled through the batch extension in time order with those indexes dropped, then built (${results
        .map((result) => `${result.backend}: fill ${result.fillSeconds.toFixed(0)} s, build ${result.buildSeconds.toFixed(0)} s`)
        .join(
          '; ',
        )}); each variant drops its indexes beside the running server, is measured, and builds them again. Stored count checked at the end (${results
        .map((result) => `${result.backend} ${fmt(result.stored)}`)
        .join(', ')}).`,
      `Reads: best of 2 over HTTP, over ${ISSUES} issues and ${USERS + 1} users.`,
    ],
    [],
  );
});
