/**
 * `npm run bench -- import-cli`: `timeport import` of N entries (NDJSON, native format, with
 * external ids, over 20 issues; BENCH_FORMAT=csv or json writes them as CSV or as one JSON array)
 * into a local Timeport server started for the purpose (SQLite, loopback, a fresh database for
 * each N). Prints the entries per second, the CPU seconds and the peak memory
 * (VmHWM, sampled every 50 ms from /proc) of the CLI and of the server processes.
 *
 * N: quick 20,000; full 200,000, 1,000,000, and 1,000,000 again with the CLI's V8 heap capped at
 * 64 MiB (`1000000@64`: `node --max-old-space-size=64`), which shows how much of the CLI's RSS is
 * heap headroom rather than live data. BENCH_ENTRIES (comma-separated, `N` or `N@MiB`) sets the runs;
 * BENCH_CLI_ARGS adds options to every `timeport import`, BENCH_CLI_NODE_ARGS options for its `node`.
 * BENCH_CLI_BUILDS=dist,source runs each N with the compiled build and with the sources through tsx
 * (lib.ts, BUILDS), one after the other, for a side-by-side comparison (default: dist).
 *
 * BENCH_ORDERS (default `shuffled,time`; BENCH_ORDER alone when only it is set) runs each N with the
 * entries in each order, interleaved, and prints the time of each order beside time order's
 * (issue 19: an import in random time order within 15% of the same entries in time order).
 * `shuffled` is time order's entries in a random permutation: the same entries, as the issue
 * compares them. `random` is other entries, with starts at random and external ids that follow
 * the file, so that sorted by start their external ids come in random order (a harder case for
 * the server's ledger index than real exports, whose ids grow with time). `:file` after an order
 * sends it as read (`--order file`: the command before issue 19). BENCH_ROUNDS (default 1) repeats the whole interleaved set. BENCH_BACKENDS
 * (`sqlite`, `postgres`, or both; default SQLite only) chooses the server's database, a fresh one
 * for every run.
 *
 * BENCH_CLI_COMMAND=sync runs `timeport sync` of the same file instead (a first sync into an empty
 * target: every entry created, with a state directory of its own per run); it has no `--order`,
 * so `:file` orders are refused with it. BENCH_CLI_COMMAND=resync runs that first sync unmeasured,
 * then measures a second `timeport sync` of the same file with the same state directory (every
 * entry known, nothing to write: what a daily sync of an unchanged history costs);
 * BENCH_RESYNC_STATE=lost removes the state directory between the two (a sync from another
 * machine, which knows its entries from Timeport's ledger alone).
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { within } from '../support/harness.js';
import {
  type Backend,
  BUILDS,
  type Build,
  ENTRY_ORDER,
  QUICK,
  TOKEN,
  argumentsSetting,
  buildsSetting,
  benchEntry,
  cpuMicros,
  fmt,
  log,
  main,
  peakMegabytes,
  postgresBackend,
  printSection,
  ratio,
  sandbox,
  seedIssues,
  setting,
  sqliteBackend,
  startServer,
  stopServer,
  table,
} from './lib.js';

const RUNS = (process.env.BENCH_ENTRIES ?? (QUICK ? '20000' : '200000,1000000,1000000@64')).split(',').map((spec) => {
  const [size, heap] = spec.replace(/_/g, '').split('@');
  return { entries: Number(size), heapMiB: heap === undefined ? undefined : Number(heap) };
});
const ISSUES = 20;
/** More `timeport import` options for every run (BENCH_CLI_ARGS, space-separated), e.g. `--batch-size 2000`. */
const EXTRA_ARGS = argumentsSetting('BENCH_CLI_ARGS');
/** Options for `node` running the CLI (BENCH_CLI_NODE_ARGS), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const CLI_NODE_ARGS = argumentsSetting('BENCH_CLI_NODE_ARGS');
const CLI_BUILDS = buildsSetting('BENCH_CLI_BUILDS', 'dist');
/** An entry order, and whether the command keeps the file's order (`--order file`). */
interface Order {
  name: string;
  /** random: starts at random over two years; time: each 12 s after the one before; shuffled: time's entries in a random permutation. */
  times: 'random' | 'time' | 'shuffled';
  args: string[];
}
const ORDERS: Order[] = (process.env.BENCH_ORDERS ?? (process.env.BENCH_ORDER === undefined ? 'shuffled,time' : ENTRY_ORDER))
  .split(',')
  .map((name) => {
    const [times, keep] = name.split(':');
    if ((times !== 'random' && times !== 'time' && times !== 'shuffled') || (keep !== undefined && keep !== 'file'))
      throw new Error(`BENCH_ORDERS: ${name} is none of random, time, shuffled, each alone or with :file`);
    return { name, times, args: keep === 'file' ? ['--order', 'file'] : [] };
  });
const MODE = process.env.BENCH_CLI_COMMAND ?? 'import';
if (MODE !== 'import' && MODE !== 'sync' && MODE !== 'resync') throw new Error(`BENCH_CLI_COMMAND=${MODE}: give import, sync or resync`);
/** With `resync`: `lost` removes the first sync's state directory before the second. */
const RESYNC_STATE = process.env.BENCH_RESYNC_STATE ?? 'kept';
if (RESYNC_STATE !== 'kept' && RESYNC_STATE !== 'lost') throw new Error(`BENCH_RESYNC_STATE=${RESYNC_STATE}: give kept or lost`);
/** The command measured: `resync` measures a second `timeport sync`. */
const COMMAND = MODE === 'import' ? 'import' : 'sync';
if (COMMAND === 'sync' && ORDERS.some((order) => order.args.length > 0))
  throw new Error(`BENCH_CLI_COMMAND=${MODE}: timeport sync always creates in start order; drop the :file orders`);
/**
 * The file's format (BENCH_FORMAT): `ndjson` (the default), `csv` (the native columns, every field
 * quoted) or `json` (one array). The command sorts CSV and NDJSON entries by their place in the
 * file, a JSON document's whole (docs/decisions.md, "Shuffled imports sorted by reference").
 */
const FORMAT = process.env.BENCH_FORMAT ?? 'ndjson';
if (FORMAT !== 'ndjson' && FORMAT !== 'csv' && FORMAT !== 'json') throw new Error(`BENCH_FORMAT=${FORMAT}: give ndjson, csv or json`);
const CSV_COLUMNS = ['issue', 'externalId', 'createdBy', 'createdAt', 'start', 'duration', 'comment'];
/** An entry as a line (CSV, NDJSON) or an array element (JSON) of the file. */
const entryText = (entry: ReturnType<typeof benchEntry>, index: number): string => {
  if (FORMAT === 'csv') return stringifyCsv([entry], { columns: CSV_COLUMNS, quoted: true });
  if (FORMAT === 'json') return (index === 0 ? '[\n' : ',\n') + JSON.stringify(entry);
  return JSON.stringify(entry) + '\n';
};
const ROUNDS = setting('BENCH_ROUNDS', 1, 1);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite').toLowerCase();
let databases = 0;

/** A fresh database for a run: SQLite in the run's sandbox, or a new PostgreSQL database. */
async function freshBackends(): Promise<Backend[]> {
  const list: Backend[] = [];
  if (BACKENDS.includes('sqlite')) list.push(sqliteBackend());
  if (BACKENDS.includes('postgres')) {
    const backend = await postgresBackend(`_cli${databases++}`);
    if (backend !== undefined) list.push(backend);
  }
  return list;
}

interface Figures {
  build: Build;
  order: Order;
  backend: Backend['name'];
  entries: number;
  heapMiB: number | undefined;
  importSeconds: number | undefined;
  /** The rate the command reports for its import phase. */
  importRate: number | undefined;
  commandSeconds: number;
  cliPeak: number;
  serverPeak: number;
  /** CPU seconds (user + system) of the command and of the server during the command: less bent by other load than the time. */
  cliCpu: number;
  serverCpu: number;
  summary: string;
}

/** 0..count-1 in a pseudo-random order, the same for every run (Fisher-Yates over a seeded xorshift). */
function shuffledIndexes(count: number): Int32Array {
  const indexes = Int32Array.from({ length: count }, (_unused, index) => index);
  let state = 0x9e3779b9;
  for (let last = count - 1; last > 0; last -= 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pick = (state >>> 0) % (last + 1);
    [indexes[last], indexes[pick]] = [indexes[pick]!, indexes[last]!];
  }
  return indexes;
}

async function run(entries: number, heapMiB: number | undefined, build: Build, order: Order, backend: Backend): Promise<Figures> {
  const box = sandbox();
  const api = await startServer(box, backend);
  const issues = await seedIssues(api, 'BENCH', ISSUES);
  const file = path.join(box.dataDir, `entries.${FORMAT}`);
  const out = fs.createWriteStream(file);
  if (FORMAT === 'csv') out.write(CSV_COLUMNS.join(',') + '\n');
  const permutation = order.times === 'shuffled' ? shuffledIndexes(entries) : undefined;
  for (let index = 0; index < entries; index += 1) {
    const entry =
      permutation === undefined
        ? benchEntry(index, issues, ['admin'], 'bench', order.times === 'random' ? 'random' : 'time')
        : benchEntry(permutation[index]!, issues, ['admin'], 'bench', 'time');
    if (!out.write(entryText(entry, index))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(FORMAT === 'json' ? '\n]\n' : '', resolve));
  log(
    `${fmt(entries)} entries written in ${order.times} order as ${FORMAT} (${fmt(fs.statSync(file).size / 1024 ** 2)} MiB); running timeport ${COMMAND} ${order.args.join(' ')} on ${backend.name}`,
  );

  const args = [
    ...(heapMiB === undefined ? [] : [`--max-old-space-size=${heapMiB}`]),
    ...CLI_NODE_ARGS,
    ...BUILDS[build].entry,
    ...[COMMAND, file, '--url', api.url, '--token', TOKEN, '--org', '1', '--progress-interval', '10'],
    ...(COMMAND === 'import'
      ? ['--journal', path.join(box.dataDir, 'journal.ndjson')]
      : ['--state-dir', path.join(box.dataDir, 'sync-state')]),
    ...order.args,
    ...EXTRA_ARGS,
  ];
  /** Runs the command once, sampling its memory and CPU and the server's memory. */
  const measured = async () => {
    const started = performance.now();
    const cli = box.spawn(process.execPath, args);
    let cliPeak = 0;
    let serverPeak = 0;
    let cliCpu = 0;
    const sample = () => {
      cliPeak = Math.max(cliPeak, peakMegabytes(cli.process.pid) ?? 0);
      serverPeak = Math.max(serverPeak, peakMegabytes(api.pid) ?? 0);
      cliCpu = Math.max(cliCpu, cpuMicros(cli.process.pid) ?? 0);
    };
    const sampler = setInterval(sample, 50);
    // Bounded: a minute plus 10 ms an entry (a shared machine slows a run tenfold at times).
    const exit = await within(cli.exited, `timeport ${COMMAND} to finish`, 60_000 + entries * 10).finally(() => clearInterval(sampler));
    const commandSeconds = (performance.now() - started) / 1000;
    if (exit.code !== 0) throw new Error(`timeport ${COMMAND} exited with ${JSON.stringify(exit)}:\n${cli.transcript().slice(-3000)}`);
    return { cli, cliPeak, serverPeak, cliCpu, commandSeconds };
  };
  if (MODE === 'resync') {
    const first = await measured();
    log(`first sync: ${/Sync finished.*/.exec(first.cli.stdout)?.[0] ?? '?'} (peak RSS CLI ${first.cliPeak} MiB); measuring the second`);
    // A sync from another machine, or after its state was lost, knows its entries from the ledger alone.
    if (RESYNC_STATE === 'lost') fs.rmSync(path.join(box.dataDir, 'sync-state'), { recursive: true, force: true });
  }
  const serverCpuBefore = cpuMicros(api.pid) ?? 0;
  const { cli, cliPeak, cliCpu, commandSeconds, ...second } = await measured();
  const serverPeak = Math.max(second.serverPeak, peakMegabytes(api.pid) ?? 0);
  const serverCpu = ((cpuMicros(api.pid) ?? 0) - serverCpuBefore) / 1e6;
  const summary = /(?:Import|Sync) finished.*/.exec(cli.stdout)?.[0] ?? cli.stdout.trim().split('\n').slice(-3).join(' / ');
  // "Import finished in 46.4 s: created ...; 4308 entries/s" (sync: "Sync finished in 46.4 s: ..."): the import phase, as the command reports it.
  const phase = /in (\d+(?:\.\d+)?) s\b/.exec(summary);
  const rate = /(\d+) entries\/s/.exec(summary);
  const stored = await api.countWorklogs();
  if (stored !== entries) throw new Error(`${entries} entries imported but ${stored} stored: ${summary}`);
  await stopServer(api);
  log(`${summary}`);
  log(
    `${fmt(entries)} entries, ${order.name}, ${backend.name}: command ${commandSeconds.toFixed(1)} s, ${fmt(entries / commandSeconds)}/s; peak RSS CLI ${cliPeak} MiB, server ${serverPeak} MiB; CPU CLI ${(cliCpu / 1e6).toFixed(1)} s, server ${serverCpu.toFixed(1)} s`,
  );
  return {
    build,
    order,
    backend: backend.name,
    entries,
    heapMiB,
    importSeconds: phase === null ? undefined : Number(phase[1]),
    importRate: rate === null ? undefined : Number(rate[1]),
    commandSeconds,
    cliPeak,
    serverPeak,
    // Sampled every 50 ms while the command ran: its last 50 ms may be missing.
    cliCpu: cliCpu / 1e6,
    serverCpu,
    summary,
  };
}

await main(async () => {
  const figures: Figures[] = [];
  for (const { entries, heapMiB } of RUNS)
    for (const build of CLI_BUILDS)
      for (let round = 0; round < ROUNDS; round++)
        for (const order of ORDERS)
          for (const backend of await freshBackends()) figures.push(await run(entries, heapMiB, build, order, backend));
  // Each order's whole command beside time order's in the same round, for each size, build and database.
  const sameCell = (a: Figures, b: Figures) =>
    a.entries === b.entries && a.heapMiB === b.heapMiB && a.build === b.build && a.backend === b.backend;
  const ratios = figures.flatMap((figure, index) => {
    if (figure.order.name === 'time') return [];
    const round = figures.slice(0, index + 1).filter((other) => sameCell(other, figure) && other.order.name === figure.order.name).length;
    const time = figures.filter((other) => sameCell(other, figure) && other.order.name === 'time')[round - 1];
    return time === undefined ? [] : [{ figure, time }];
  });
  printSection(
    `\`timeport ${COMMAND}\`${MODE === 'resync' ? ', a second time' : ''} into a local Timeport (${[...new Set(figures.map((figure) => figure.backend))].join(', ')})`,
    'import-cli',
    [
      table(
        [
          'Entries',
          'Order',
          'Database',
          'CLI',
          'CLI heap cap',
          'Import phase',
          'Entries/s (import phase)',
          'Whole command',
          'Entries/s (whole command)',
          'Peak RSS CLI',
          'Peak RSS server',
          'CPU CLI',
          'CPU server',
        ],
        figures.map((figure) => [
          fmt(figure.entries),
          figure.order.name,
          figure.backend,
          BUILDS[figure.build].label,
          figure.heapMiB === undefined ? 'none' : `${figure.heapMiB} MiB`,
          figure.importSeconds === undefined ? '–' : `${figure.importSeconds.toFixed(1)} s`,
          figure.importRate === undefined ? '–' : fmt(figure.importRate),
          `${figure.commandSeconds.toFixed(1)} s`,
          fmt(figure.entries / figure.commandSeconds),
          `${figure.cliPeak} MiB`,
          `${figure.serverPeak} MiB`,
          `${figure.cliCpu.toFixed(1)} s`,
          `${figure.serverCpu.toFixed(1)} s`,
        ]),
      ),
      ...(ratios.length === 0
        ? []
        : [
            table(
              [
                'Entries',
                'Database',
                'Order',
                'Whole command',
                'Time order, same round',
                'Ratio',
                'Import phase ratio',
                'CPU (CLI + server) ratio',
              ],
              ratios.map(({ figure, time }) => [
                fmt(figure.entries),
                figure.backend,
                figure.order.name,
                `${figure.commandSeconds.toFixed(1)} s`,
                `${time.commandSeconds.toFixed(1)} s`,
                ratio(figure.commandSeconds / time.commandSeconds),
                figure.importSeconds === undefined || time.importSeconds === undefined
                  ? '–'
                  : ratio(figure.importSeconds / time.importSeconds),
                ratio((figure.cliCpu + figure.serverCpu) / (time.cliCpu + time.serverCpu)),
              ]),
            ),
          ]),
    ],
    [
      COMMAND === 'import'
        ? FORMAT.toUpperCase() +
          ' in the native format with external ids, over 20 issues; `timeport import` with its defaults (batch extension, batch size 5,000, 2 in flight), `--journal`, `--progress-interval 10`.'
        : MODE === 'sync'
          ? FORMAT.toUpperCase() +
            ' in the native format with external ids, over 20 issues; `timeport sync` with its defaults (the sync extension), a fresh `--state-dir`, `--progress-interval 10`: a first sync, every entry created.'
          : FORMAT.toUpperCase() +
            " in the native format with external ids, over 20 issues; `timeport sync` with its defaults (the sync extension), `--progress-interval 10`, run twice with one `--state-dir`: the figures are the second run's, where every entry is known and unchanged.",
      'Whole command: start-up, preflight over the file and the target, import. Peak RSS: VmHWM from /proc, sampled every 50 ms. Stored count checked after each run.',
      `Orders: random (start times spread over two years at random, external ids in file order; the command sorts them), time (each entry 12 s after the one before), shuffled (time's entries, the same external ids and times, in a random permutation; the command sorts them), \`:file\` (sent as read with \`--order file\`), interleaved in each round.`,
      ...figures.map(
        (figure) => `${fmt(figure.entries)}, ${figure.order.name}, ${figure.backend}, ${BUILDS[figure.build].label}: ${figure.summary}`,
      ),
    ],
    [...new Set(figures.map((figure) => figure.backend))].map((name) =>
      name === 'SQLite' ? sqliteBackend().description : 'PostgreSQL on 127.0.0.1:5432, a fresh database for every run (dropped at the end)',
    ),
  );
});
