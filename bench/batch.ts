/**
 * `npm run bench -- batch`: the batch extension, `POST /timeport/v1/worklogs/_import`, end to end
 * over HTTP into the real server (a separate process) on SQLite and on PostgreSQL: batches of
 * 1,000, 5,000 and 10,000 entries (each with an external id, as `timeport import` sends them, over
 * 20 issues), 1, 2 and 4 batches in flight (quick: 2). The request bodies are made before the clock starts;
 * each answer must say every entry was created, and the stored count must match at the end.
 *
 * Settings (environment): BENCH_BATCH_ENTRIES (entries per measured cell: quick 10,000, full
 * 200,000), BENCH_BATCH_SIZES (default 1000,5000,10000), BENCH_BATCH_CONCURRENCY (quick 2, full 1,2,4),
 * BENCH_BACKENDS, BENCH_PG_URL.
 */
import { performance } from 'node:perf_hooks';
import {
  type Backend,
  ENTRY_ORDER,
  QUICK,
  backends,
  benchEntry,
  cpuMicros,
  fmt,
  importBatches,
  log,
  main,
  pool,
  postgresCpuMicros,
  printSection,
  sandbox,
  seedIssues,
  setting,
  startServer,
  stopServer,
  table,
} from './lib.js';

const ENTRIES = setting('BENCH_BATCH_ENTRIES', 10_000, 200_000);
const SIZES = (process.env.BENCH_BATCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
const CONCURRENCY = (process.env.BENCH_BATCH_CONCURRENCY ?? (QUICK ? '2' : '1,2,4')).split(',').map(Number);
const ISSUES = 20;

interface Cell {
  backend: string;
  size: number;
  concurrency: number;
  /** Entries already stored when the cell began: on SQLite the rate falls as the indexes grow. */
  storedBefore: number;
  entries: number;
  seconds: number;
  /** CPU time per entry, in microseconds: the server process's, and PostgreSQL's (on PostgreSQL). */
  serverCpuPerEntry: number;
  databaseCpuPerEntry?: number;
}

interface BatchAnswer {
  counts: { created: number; alreadyPresent: number; failed: number };
}

const cpuText = (cell: Cell): string =>
  `${cell.serverCpuPerEntry.toFixed(1)} µs${cell.databaseCpuPerEntry === undefined ? '' : ` + ${cell.databaseCpuPerEntry.toFixed(1)} µs`}`;

async function benchBackend(backend: Backend): Promise<Cell[]> {
  const box = sandbox();
  log(`${backend.name}: starting the server`);
  const api = await startServer(box, backend);
  const issues = await seedIssues(api, 'BENCH', ISSUES);
  let next = 0;
  // Warm-up (JIT, statement caches): 2 batches of 1,000, not counted.
  await importBatches(api, { from: next, total: 2000, size: 1000, concurrency: 1, make: (n) => benchEntry(n, issues) });
  next += 2000;
  const cells: Cell[] = [];
  for (const size of SIZES) {
    for (const concurrency of CONCURRENCY) {
      const batches = Math.max(concurrency, Math.ceil(ENTRIES / size));
      const bodies = Array.from({ length: batches }, (_, batch) =>
        JSON.stringify({ entries: Array.from({ length: size }, (_, i) => benchEntry(next + batch * size + i, issues)), mode: 'partial' }),
      );
      const storedBefore = next;
      next += batches * size;
      const onPostgres = backend.databaseUrl !== '';
      const cpuBefore = cpuMicros(api.pid) ?? 0;
      const databaseCpuBefore = onPostgres ? postgresCpuMicros() : 0;
      const began = performance.now();
      await pool(batches, concurrency, async (batch) => {
        const { data } = await api.post<BatchAnswer>('/timeport/v1/worklogs/_import', bodies[batch]!);
        if (data.counts.created !== size) throw new Error(`a batch of ${size}: ${JSON.stringify(data.counts)}`);
      });
      const seconds = (performance.now() - began) / 1000;
      const entries = batches * size;
      const cell: Cell = {
        backend: backend.name,
        size,
        concurrency,
        storedBefore,
        entries,
        seconds,
        serverCpuPerEntry: ((cpuMicros(api.pid) ?? 0) - cpuBefore) / entries,
        ...(onPostgres ? { databaseCpuPerEntry: (postgresCpuMicros() - databaseCpuBefore) / entries } : {}),
      };
      log(
        `${backend.name}: ${fmt(cell.entries)} entries in batches of ${fmt(size)}, ${concurrency} in flight: ${seconds.toFixed(2)} s, ${fmt(cell.entries / seconds)} entries/s; CPU per entry ${cpuText(cell)}`,
      );
      cells.push(cell);
    }
  }
  const stored = await api.countWorklogs();
  if (stored !== next) throw new Error(`${backend.name}: ${next} entries imported but ${stored} stored`);
  await stopServer(api);
  return cells;
}

await main(async () => {
  const list = await backends();
  const cells: Cell[] = [];
  for (const backend of list) cells.push(...(await benchBackend(backend)));
  const targets: Record<string, number> = { SQLite: 40_000, PostgreSQL: 30_000 };
  const best = new Map<string, number>();
  for (const cell of cells) best.set(cell.backend, Math.max(best.get(cell.backend) ?? 0, cell.entries / cell.seconds));
  printSection(
    'Batch import over HTTP (`POST /timeport/v1/worklogs/_import`)',
    'batch',
    [
      table(
        [
          'Backend',
          'Batch size',
          'In flight',
          'Stored before',
          'Entries',
          'Seconds',
          'Entries/s',
          'CPU per entry (server + PostgreSQL)',
          'Target',
        ],
        cells.map((cell) => [
          cell.backend,
          fmt(cell.size),
          String(cell.concurrency),
          fmt(cell.storedBefore),
          fmt(cell.entries),
          cell.seconds.toFixed(2),
          fmt(cell.entries / cell.seconds),
          cpuText(cell),
          `≥ ${fmt(targets[cell.backend]!)}/s ${cell.entries / cell.seconds >= targets[cell.backend]! ? 'met' : 'missed'}`,
        ]),
      ),
    ],
    [
      `Best: ${[...best].map(([name, rate]) => `${name} ${fmt(rate)} entries/s`).join(', ')}.`,
      `Entries carry external ids (deduplicated by the server), mode partial, on 20 issues, start times spread over two years in ${ENTRY_ORDER === 'time' ? 'time order (BENCH_ORDER=time)' : 'random order'}; bodies made before the clock starts; each answer checked (all created) and the stored count checked at the end.`,
      'CPU per entry: user + system time of the server process (and of every `postgres` process) over the cell, from /proc.',
      'The cells run one after the other on one database, so each starts with the entries of the cells before it ("Stored before"); see "growth" for how the rate depends on the size of the database.',
    ],
    list.map((backend) => backend.description),
  );
});
