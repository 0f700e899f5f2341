/**
 * `npm run bench -- growth` (full mode only in `npm run bench`): does the import slow down as the
 * database grows? On the real server (a separate process), SQLite and PostgreSQL: the import rate
 * on an empty database, then again after filling it to N stored entries (full: 5,000,000) through
 * the batch extension. Two rates each time: the batch extension (batches of 5,000, 2 in flight, as
 * `timeport import` sends them) and the single import under autocannon at 16 connections.
 * Target: the rate at N ≥ 80% of the rate on the empty database.
 *
 * Settings (environment): BENCH_GROWTH_ENTRIES (N: quick 50,000, full 5,000,000),
 * BENCH_GROWTH_PROBE (batch entries per measurement: quick 10,000, full 100,000), BENCH_SECONDS
 * (single-import measurement: quick 1, full 10), BENCH_BACKENDS, BENCH_PG_URL.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  type Api,
  type Backend,
  backends,
  benchEntry,
  fmt,
  importBatches,
  loadSingleImports,
  log,
  main,
  ms,
  peakMegabytes,
  printSection,
  ratio,
  sandbox,
  seedIssues,
  seedUsers,
  setting,
  startServer,
  stopServer,
  table,
} from './lib.js';

const ENTRIES = setting('BENCH_GROWTH_ENTRIES', 50_000, 5_000_000);
const PROBE = setting('BENCH_GROWTH_PROBE', 10_000, 100_000);
const SECONDS = setting('BENCH_SECONDS', 1, 10);
const CONNECTIONS = 16;
const ISSUES = 200;
const USERS = 10;

interface Probe {
  batchRate: number;
  singleRate: number;
  singleP99: number;
}

interface Result {
  backend: string;
  empty: Probe;
  full: Probe;
  stored: number;
  fillSeconds: number;
  filled: number;
  size: string;
  serverPeak: number | undefined;
}

async function databaseSize(backend: Backend, dataDir: string): Promise<string> {
  if (backend.databaseUrl === '') {
    const bytes = fs
      .readdirSync(dataDir)
      .filter((file) => file.startsWith('timeport.sqlite'))
      .reduce((sum, file) => sum + fs.statSync(path.join(dataDir, file)).size, 0);
    return `${fmt(bytes / 1024 ** 2)} MiB`;
  }
  const client = new pg.Client({ connectionString: backend.databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rows } = await client.query('select pg_database_size(current_database())::bigint as size');
    return `${fmt(Number((rows[0] as { size: string }).size) / 1024 ** 2)} MiB`;
  } finally {
    await client.end();
  }
}

async function benchBackend(backend: Backend): Promise<Result> {
  const box = sandbox();
  log(`${backend.name}: starting the server`);
  const api = await startServer(box, backend);
  const issues = await seedIssues(api, 'GROW', ISSUES);
  const users = ['admin', ...(await seedUsers(api, USERS))];
  let next = 0;
  let singles = 0;
  const make = (n: number) => benchEntry(n, issues, users, 'grow');

  const probe = async (label: string): Promise<Probe> => {
    const seconds = await importBatches(api, { from: next, total: PROBE, size: 5000, concurrency: 2, make });
    next += PROBE;
    // Single imports: a warm-up of a bounded count, then a run sized to about SECONDS.
    const warm = await loadSingleImports(api.url, issues, CONNECTIONS, { amount: CONNECTIONS * 20 }, 60);
    const run = await loadSingleImports(
      api.url,
      issues,
      CONNECTIONS,
      { amount: Math.max(CONNECTIONS * 20, warm.rate * SECONDS) },
      SECONDS * 5 + 30,
    );
    if (warm.cut || run.cut) throw new Error(`${backend.name}: a single-import run hit its time limit`);
    singles += warm.ok + run.ok;
    const figures = { batchRate: PROBE / seconds, singleRate: run.rate, singleP99: run.p99 };
    log(
      `${backend.name} ${label}: batch ${fmt(figures.batchRate)} entries/s; single ${fmt(figures.singleRate)} req/s (p99 ${ms(run.p99)}) at ${CONNECTIONS} connections`,
    );
    return figures;
  };

  await importBatches(api, { from: next, total: 2000, size: 1000, concurrency: 1, make }); // warm-up
  next += 2000;
  const empty = await probe('empty database');

  const fillFrom = next;
  const fillTotal = Math.max(0, ENTRIES - (next + singles));
  log(`${backend.name}: filling to ${fmt(ENTRIES)} entries (${fmt(fillTotal)} more, batches of 10,000, 2 in flight)`);
  const fillBegan = performance.now();
  let lastLog = fillBegan;
  const fillSeconds = await importBatches(api, {
    from: fillFrom,
    total: fillTotal,
    size: 10_000,
    concurrency: 2,
    make,
    progress: (done) => {
      if (performance.now() - lastLog > 30_000) {
        lastLog = performance.now();
        log(`${backend.name}: ${fmt(done)} of ${fmt(fillTotal)} (${fmt(done / ((performance.now() - fillBegan) / 1000))}/s)`);
      }
    },
  });
  next += fillTotal;
  log(`${backend.name}: filled in ${fillSeconds.toFixed(1)} s (${fmt(fillTotal / fillSeconds)} entries/s)`);

  const full = await probe(`${fmt(next + singles)} entries stored`);
  const stored = await countWorklogs(api);
  if (stored !== next + singles) throw new Error(`${backend.name}: ${fmt(next + singles)} entries imported but ${fmt(stored)} stored`);
  const size = await databaseSize(backend, box.dataDir);
  const serverPeak = peakMegabytes(api.pid);
  await stopServer(api);
  return { backend: backend.name, empty, full, stored, fillSeconds, filled: fillTotal, size, serverPeak };
}

/** Counting millions of entries through the report may take a while: a longer bound. */
async function countWorklogs(api: Api): Promise<number> {
  const { data } = await api.call<{ total: { count: number } }>(
    'GET',
    '/timeport/v1/reports/time-spent?from=2000-01-01&to=2026-01-01',
    undefined,
    200,
    600_000,
  );
  return data.total.count;
}

await main(async () => {
  const list = await backends('_growth');
  const results: Result[] = [];
  for (const backend of list) results.push(await benchBackend(backend));
  const verdict = (value: number) => `${ratio(value)} ${value >= 0.8 ? '(≥ 80% met)' : '(≥ 80% missed)'}`;
  printSection(
    `Import rate as the database grows (empty vs ${fmt(ENTRIES)} entries)`,
    'growth',
    [
      table(
        [
          'Backend',
          'Batch entries/s, empty',
          `Batch entries/s at ${fmt(ENTRIES)}`,
          'Batch ratio',
          `Single req/s (${CONNECTIONS} conn.), empty`,
          `Single req/s at ${fmt(ENTRIES)}`,
          'Single ratio',
          'Single p99 empty → full',
        ],
        results.map((result) => [
          result.backend,
          fmt(result.empty.batchRate),
          fmt(result.full.batchRate),
          verdict(result.full.batchRate / result.empty.batchRate),
          fmt(result.empty.singleRate),
          fmt(result.full.singleRate),
          verdict(result.full.singleRate / result.empty.singleRate),
          `${ms(result.empty.singleP99)} → ${ms(result.full.singleP99)}`,
        ]),
      ),
      table(
        ['Backend', 'Entries stored at the end', 'Entries filled', 'Fill time', 'Fill rate', 'Database size', 'Server peak RSS'],
        results.map((result) => [
          result.backend,
          fmt(result.stored),
          fmt(result.filled),
          `${result.fillSeconds.toFixed(1)} s`,
          `${fmt(result.filled / result.fillSeconds)}/s`,
          result.size,
          `${result.serverPeak ?? '–'} MiB`,
        ]),
      ),
    ],
    [
      `Batch: ${fmt(PROBE)} entries in batches of 5,000, 2 in flight. Single: autocannon, ${CONNECTIONS} connections, about ${SECONDS} s after a warm-up of ${CONNECTIONS * 20} requests.`,
      `Fill: through the batch extension (batches of 10,000, 2 in flight) over ${ISSUES} issues and ${USERS + 1} users; BENCH_GROWTH_ENTRIES sets N. Stored count checked at the end.`,
    ],
    list.map((backend) => backend.description),
  );
});
