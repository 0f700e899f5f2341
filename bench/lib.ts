/**
 * Shared by the bench scripts (not a bench script itself: `bench/run.ts` runs only the names it
 * lists). Starts the real server (`node bin/timeport.js serve`) through the process tests' harness
 * (own process group, loopback, every wait bounded), on SQLite in a temporary directory or on a
 * fresh PostgreSQL database `tpt_bench_<pid>` that is dropped at the end; seeds queues, issues and
 * users over the API; prints figures as Markdown tables with the command and the machine.
 *
 * Every process and database a script creates is registered here and removed when the script ends,
 * fails, is interrupted (SIGINT, SIGTERM) or runs past its time limit (BENCH_TIMEOUT_S).
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Sandbox, type ServerProcess, within } from '../support/harness.js';
import { processIsAlive } from '../src/importer/processes.js';

// ---------------------------------------------------------------------------------------------
// Mode and settings

/** `quick` (under two minutes for every script together) or `full`; `npm run bench -- --quick` sets it. */
export const MODE: 'quick' | 'full' = process.env.BENCH_MODE === 'quick' ? 'quick' : 'full';
export const QUICK = MODE === 'quick';

/** The quick or the full value; an environment variable, when set, overrides both. */
export function setting(name: string, quick: number, full: number): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== '') {
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
    return value;
  }
  return QUICK ? quick : full;
}

/** A space-separated list of command-line arguments from an environment variable (empty when unset). */
export function argumentsSetting(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter((arg) => arg !== '');
}

export const TOKEN = 'bench-admin-token-000001';
export const HEADERS = { authorization: `OAuth ${TOKEN}`, 'x-org-id': '1', 'content-type': 'application/json' };
/** The PostgreSQL server the PostgreSQL runs create their database on (BENCH_PG_URL; `off`: SQLite only). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// ---------------------------------------------------------------------------------------------
// Cleanup: every child process and database goes, whatever happens

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];
let cleaning: Promise<void> | undefined;

/** Registers a cleanup; they run last-registered first, once. */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const next = cleanups.pop()!;
      try {
        await within(Promise.resolve().then(next), 'a bench cleanup', 30_000);
      } catch (error) {
        console.error(`cleanup failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs a bench script's body: cleans up after it (success or failure), on SIGINT/SIGTERM, and when
 * it runs past BENCH_TIMEOUT_S (default: 110 s quick, 3 h full), then exits with its status.
 */
export async function main(body: () => Promise<void>): Promise<void> {
  const limitSeconds = setting('BENCH_TIMEOUT_S', 110, 3 * 3600);
  let aborted: number | undefined;
  const abort = (why: string, code: number) => {
    aborted = code;
    console.error(`\n${why}: stopping every process this bench started`);
    void cleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('SIGINT', 130));
  process.once('SIGTERM', () => abort('SIGTERM', 143));
  const watchdog = setTimeout(() => abort(`time limit of ${limitSeconds} s (BENCH_TIMEOUT_S) reached`, 124), limitSeconds * 1000);
  watchdog.unref();
  let code = 0;
  try {
    await body();
  } catch (error) {
    // After an abort, the failures of loads whose processes were just stopped are expected.
    if (aborted === undefined) console.error(error);
    code = 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
  process.exit(aborted ?? code);
}

// ---------------------------------------------------------------------------------------------
// Backends and the server process

export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** DATABASE_URL for the server ('' for SQLite). */
  databaseUrl: string;
  /** A line for the report (version, settings). */
  description: string;
}

/** Creates a fresh PostgreSQL database (dropped at cleanup); undefined if PostgreSQL cannot be reached. */
export async function postgresBackend(suffix = ''): Promise<Backend | undefined> {
  if (PG_ADMIN_URL === 'off') return undefined;
  const name = `tpt_bench_${process.pid}${suffix}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  let version: string;
  try {
    await admin.connect();
    version = ((await admin.query('show server_version')).rows[0] as { server_version: string }).server_version;
    await dropStaleDatabases(admin);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } catch (error) {
    console.log(`PostgreSQL at ${redact(PG_ADMIN_URL)} cannot be used (${(error as Error).message}): PostgreSQL figures skipped`);
    await admin.end().catch(() => undefined);
    return undefined;
  }
  await admin.end();
  onCleanup(async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
    await client.connect();
    try {
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  });
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name: 'PostgreSQL',
    databaseUrl: url.toString(),
    description: `PostgreSQL ${version} on ${url.host} (database ${name}, dropped at the end)`,
  };
}

/** Drops the databases of earlier bench runs whose process is gone (killed before its cleanup). */
async function dropStaleDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query(`select datname from pg_database where datname like 'tpt\\_bench\\_%'`);
  for (const { datname } of rows as { datname: string }[]) {
    const pid = Number(/^tpt_bench_(\d+)/.exec(datname)?.[1]);
    if (!Number.isSafeInteger(pid) || processIsAlive(pid)) continue;
    await admin.query(`drop database if exists "${datname.replace(/"/g, '""')}" with (force)`);
  }
}

export function sqliteBackend(): Backend {
  return {
    name: 'SQLite',
    databaseUrl: '',
    description: "SQLite: a fresh file in a temporary directory, with the server's own settings (WAL)",
  };
}

/** SQLite, then PostgreSQL when it is reachable (BENCH_BACKENDS=sqlite or postgres picks one). */
export async function backends(suffix = ''): Promise<Backend[]> {
  const wanted = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').toLowerCase();
  const list: Backend[] = [];
  if (wanted.includes('sqlite')) list.push(sqliteBackend());
  if (wanted.includes('postgres')) {
    const backend = await postgresBackend(suffix);
    if (backend !== undefined) list.push(backend);
  }
  return list;
}

/** A sandbox (temporary data directory and child processes) removed at cleanup. */
export function sandbox(): Sandbox {
  const box = new Sandbox('timeport-bench-');
  onCleanup(() => box.dispose());
  return box;
}

/**
 * What runs `timeport`: `dist`, the compiled build (`node bin/timeport.js`, as installed), or
 * `source`, the TypeScript through tsx's loader (`node --import tsx bench/cli-source.ts`), which is how
 * every start ran before issue 16; kept to measure the two side by side.
 */
export type Build = 'dist' | 'source';
export const BUILDS: Record<Build, { label: string; entry: string[] }> = {
  dist: { label: 'compiled (dist/)', entry: ['bin/timeport.js'] },
  source: { label: 'tsx loader (src/)', entry: ['--import', 'tsx', 'bench/cli-source.ts'] },
};
/** Builds named in a setting (comma-separated), checked. */
export function buildsSetting(name: string, fallback: string): Build[] {
  return (process.env[name] ?? fallback).split(',').map((build) => {
    if (build !== 'dist' && build !== 'source') throw new Error(`${name}: ${build} is neither dist nor source`);
    return build;
  });
}

/**
 * Starts `node bin/timeport.js serve` (BENCH_SERVER_BUILD=source: the sources through tsx) on the backend: loopback, a free port, LOG_LEVEL=warn, no rate
 * limit, the bench's admin token. Stop it with `stopServer` (or leave it to cleanup).
 */
export async function startServer(
  box: Sandbox,
  backend: Backend,
  env: Record<string, string | undefined> = {},
  /** What node runs instead of the build BENCH_SERVER_BUILD names, e.g. another checkout's `bin/timeport.js`. */
  entry?: string[],
): Promise<Api> {
  const server = await box.serve({
    env: {
      HOST: '127.0.0.1',
      DATABASE_URL: backend.databaseUrl,
      TIMEPORT_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      TIMEPORT_RATE_LIMIT: 'off',
      REDIS_URL: undefined,
      TIMEPORT_PUBLIC_URL: undefined,
      ...env,
    },
    // For profiling the server alone, e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    nodeArgs: argumentsSetting('BENCH_SERVER_NODE_ARGS'),
    entry: entry ?? BUILDS[buildsSetting('BENCH_SERVER_BUILD', 'dist')[0]!].entry,
    waitMs: 60_000,
  });
  return new Api(server);
}

export async function stopServer(api: Api): Promise<void> {
  const exit = await api.server.stop('SIGTERM');
  if (exit.code !== 0) console.log(`server exited with ${JSON.stringify(exit)}:\n${api.server.stderr.slice(-2000)}`);
}

// ---------------------------------------------------------------------------------------------
// API calls (loopback, keep-alive)

export class ApiError extends Error {
  override name = 'ApiError';
}

export class Api {
  readonly url: string;
  constructor(readonly server: ServerProcess) {
    this.url = server.url;
  }

  get pid(): number | undefined {
    return this.server.child.process.pid;
  }

  /** A request with the admin token; throws unless the status is `expect`. Bounded to `timeoutMs`. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    expect = 200,
    timeoutMs = 600_000,
  ): Promise<{ data: T; headers: Headers; text: string }> {
    const response = await fetch(this.url + path, {
      method,
      headers: body === undefined ? { authorization: HEADERS.authorization, 'x-org-id': '1' } : HEADERS,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== expect) throw new ApiError(`${method} ${path}: ${response.status} (expected ${expect}): ${text.slice(0, 500)}`);
    const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    return { data: (json ? JSON.parse(text) : undefined) as T, headers: response.headers, text };
  }

  get<T = unknown>(path: string): Promise<{ data: T; headers: Headers; text: string }> {
    return this.call<T>('GET', path);
  }

  post<T = unknown>(path: string, body: unknown, expect = 200): Promise<{ data: T; headers: Headers; text: string }> {
    return this.call<T>('POST', path, body, expect);
  }

  /** Every time entry of the organization, counted by the time-spent report (`total.count`). */
  async countWorklogs(): Promise<number> {
    const { data } = await this.get<{ total: { count: number } }>('/timeport/v1/reports/time-spent?from=2000-01-01&to=2026-01-01');
    return data.total.count;
  }
}

/** The lifetime of every bench issue: entries of 2023-2025 fit in it. */
/**
 * The time-spent report's usual questions, asked by bench/report.ts (in process) and bench/reads.ts
 * (over HTTP) of the same data set: 2024-2025, queues Q1..., users user1....
 */
export const REPORT_QUESTIONS: readonly string[] = [
  'from=2024-01-01&to=2025-12-31',
  'from=2024-01-01&to=2025-12-31&groupBy=user',
  'from=2025-01-01&to=2025-12-31&groupBy=month,queue&tz=Europe/Moscow',
  'from=2025-01-01&to=2025-03-31&groupBy=day,user&tz=America/New_York',
  'from=2024-01-01&to=2025-12-31&groupBy=week,user&tz=Asia/Kathmandu',
  'from=2025-06-01&to=2025-06-30&groupBy=issue,user&queue=Q3',
  'from=2024-01-01&to=2025-12-31&groupBy=day&user=user7',
  'from=2024-01-01&to=2025-12-31&groupBy=user,issue&format=csv',
];

export const ISSUE_CREATED_AT = '2020-01-01T00:00:00.000+0000';
export const ISSUE_UPDATED_AT = '2025-12-31T23:59:59.000+0000';

/** Creates queue `key` with `count` imported issues `<key>-1` ... and answers their keys. */
export async function seedIssues(api: Api, key: string, count: number): Promise<string[]> {
  await api.post('/v3/queues/', { key, name: `Queue ${key}`, lead: 'admin' }, 201);
  const keys: string[] = [];
  const body = {
    queue: key,
    summary: 'Bench issue',
    createdAt: ISSUE_CREATED_AT,
    createdBy: 'admin',
    updatedAt: ISSUE_UPDATED_AT,
    updatedBy: 'admin',
  };
  for (let issue = 0; issue < count; issue += 1) {
    const { data } = await api.post<{ key: string }>('/v3/issues/_import', body);
    keys.push(data.key);
  }
  return keys;
}

/** Creates users `user0` ... and answers their logins. */
export async function seedUsers(api: Api, count: number): Promise<string[]> {
  const logins: string[] = [];
  for (let user = 0; user < count; user += 1) {
    await api.post('/timeport/v1/users', { login: `user${user}`, display: `User ${user}` }, 201);
    logins.push(`user${user}`);
  }
  return logins;
}

// ---------------------------------------------------------------------------------------------
// Entries

export interface BatchEntry {
  issue: string;
  externalId?: string;
  createdBy: string;
  createdAt: string;
  start: string;
  duration: string;
  comment: string;
}

const FIRST = Date.parse('2024-01-01T00:00:00Z');
const SPAN = 2 * 365 * 86_400_000 - 86_400_000;

/** Tracker's timestamp form, `2024-05-14T07:00:00.000+0000`. */
export const trackerTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

/**
 * The order of entries' times in a run (BENCH_ORDER): `random` (the default, the hardest case for
 * the time indexes: every entry lands at a random place in them) or `time` (each entry starts 12 s
 * after the one before, as in an export sorted by date; 5,000,000 entries fit in the two years).
 */
export const ENTRY_ORDER: 'random' | 'time' = process.env.BENCH_ORDER === 'time' ? 'time' : 'random';
const TIME_ORDER_STEP_MS = 12_000;

/**
 * Entry number `n` of a run: a start in 2024-2025 (pseudo-random, or in time order with
 * BENCH_ORDER=time), logged an hour after it ends, 15 min to 8 h, on issue
 * `issues[n % issues.length]` by `users[(n * 7) % users.length]`. `order` overrides BENCH_ORDER.
 */
export function benchEntry(
  n: number,
  issues: readonly string[],
  users: readonly string[] = ['admin'],
  prefix = 'bench',
  order: 'random' | 'time' = ENTRY_ORDER,
): BatchEntry {
  const random = (Math.imul(n + 1, 2_654_435_761) >>> 0) / 2 ** 32;
  const start = order === 'time' ? FIRST + ((n * TIME_ORDER_STEP_MS) % SPAN) : FIRST + Math.floor((random * SPAN) / 60_000) * 60_000;
  const minutes = 15 * (1 + (n % 32));
  return {
    issue: issues[n % issues.length]!,
    externalId: `${prefix}-${n}`,
    createdBy: users[(n * 7) % users.length]!,
    createdAt: trackerTime(start + minutes * 60_000 + 3_600_000),
    start: trackerTime(start),
    duration: `PT${minutes}M`,
    comment: `${prefix} entry ${String(n).padStart(9, '0')}`,
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

interface BatchAnswer {
  counts: { created: number; alreadyPresent: number; failed: number };
  results: { status: string; error?: unknown }[];
}

/**
 * Imports `total` entries (entry numbers `from` ... `from + total - 1`) through the batch extension
 * in batches of `size`, `concurrency` in flight; checks every entry was created. Answers the seconds
 * taken (bodies are made while earlier batches are in flight, as a client would).
 */
export async function importBatches(
  api: Api,
  options: {
    from: number;
    total: number;
    size: number;
    concurrency: number;
    make: (n: number) => BatchEntry;
    progress?: (done: number) => void;
  },
): Promise<number> {
  const batches = Math.ceil(options.total / options.size);
  let done = 0;
  const began = performance.now();
  await pool(batches, options.concurrency, async (batch) => {
    const first = options.from + batch * options.size;
    const count = Math.min(options.size, options.from + options.total - first);
    const entries = Array.from({ length: count }, (_, i) => options.make(first + i));
    const { data } = await api.post<BatchAnswer>('/timeport/v1/worklogs/_import', { entries, mode: 'partial' });
    if (data.counts.created !== count) {
      const failure = data.results.find((result) => result.status !== 'created');
      throw new Error(`batch of ${count}: ${JSON.stringify(data.counts)}; first not created: ${JSON.stringify(failure)}`);
    }
    done += count;
    options.progress?.(done);
  });
  return (performance.now() - began) / 1000;
}

// ---------------------------------------------------------------------------------------------
// The single import under autocannon

/** Every single-import request of a script is a new entry: its own number, comment and start. */
let singleEntryNumber = 0;

/** The next single-import request: its path and body (a new entry on one of `issues`). */
export function nextSingleImport(issues: readonly string[]): { path: string; body: string } {
  singleEntryNumber += 1;
  const { issue, externalId: _externalId, ...body } = benchEntry(singleEntryNumber, issues, ['admin'], 'single');
  return { path: `/v3/issues/${issue}/worklogs/_import`, body: JSON.stringify(body) };
}

export interface LoadRun {
  /** 2xx answers per second of the run. */
  rate: number;
  /** Latency percentiles in ms, from autocannon's per-response times (not its whole-ms histogram). */
  p50: number;
  p99: number;
  /** 2xx answers. */
  ok: number;
  seconds: number;
  /** Response bytes (headers included) per answer. */
  bytesPerResponse: number;
  /** Stopped by `limitSeconds` rather than by its count or duration. */
  cut: boolean;
}

/**
 * One autocannon run of single imports against `url` (Timeport or the echo): `amount` requests, or
 * `seconds` for warm-ups, stopped after `limitSeconds` in any case. Any non-2xx answer or error fails it.
 */
export async function loadSingleImports(
  url: string,
  issues: readonly string[],
  connections: number,
  bound: { amount: number } | { seconds: number },
  limitSeconds: number,
): Promise<LoadRun> {
  const run = await loadRequests({ url, headers: HEADERS, next: () => nextSingleImport(issues), connections, bound, limitSeconds });
  if (run.refused > 0) throw new Error(`${url} at ${connections} connections: ${run.refusedText}`);
  return run;
}

/**
 * One autocannon run of POST requests against any server (Timeport, the echo, a peer such as
 * Redmine): each request's path and body from `next`. Non-2xx answers and errors are counted, not
 * thrown, so that a peer that refuses some requests under load can be reported as it is.
 */
export async function loadRequests(options: {
  url: string;
  headers: Record<string, string>;
  next: () => { path: string; body: string };
  connections: number;
  bound: { amount: number } | { seconds: number };
  limitSeconds: number;
}): Promise<LoadRun & { refused: number; refusedText: string }> {
  const { url, connections, bound, limitSeconds } = options;
  const setupRequest = (request: autocannon.Request): autocannon.Request => {
    const next = options.next();
    request.path = next.path;
    request.body = next.body;
    return request;
  };
  const autocannonOptions: autocannon.Options = {
    url,
    connections,
    method: 'POST',
    headers: options.headers,
    requests: [{ setupRequest }],
    timeout: 30,
    ...('amount' in bound ? { amount: Math.max(Math.round(bound.amount), connections) } : { duration: bound.seconds }),
  };
  let cut = false;
  // autocannon's own histogram keeps whole milliseconds; the 'response' events have the exact time.
  const latencies: number[] = [];
  const began = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(autocannonOptions, (error: unknown, value: autocannon.Result) =>
      error ? reject(error as Error) : resolve(value),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, milliseconds: number) => {
      if (status < 300) latencies.push(milliseconds);
    });
    const limit = setTimeout(() => {
      cut = true;
      instance.stop();
    }, limitSeconds * 1000);
    instance.once('done', () => clearTimeout(limit));
  });
  const seconds = (performance.now() - began) / 1000;
  const ok = result['2xx'];
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? Number.NaN;
  return {
    rate: ok / seconds,
    p50: percentile(50),
    p99: percentile(99),
    ok,
    seconds,
    bytesPerResponse: ok === 0 ? 0 : result.throughput.total / ok,
    cut,
    refused: result.non2xx + result.errors,
    refusedText: `${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodeStats)}), ${result.errors} errors, ${result.timeouts} timeouts`,
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring and printing

/** Peak resident memory of a process so far (VmHWM, Linux), in MiB. */
export function peakMegabytes(pid: number | undefined): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match === null ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}

/** Linux clock ticks per second, the unit of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used, in microseconds; undefined once it is gone. */
export function cpuMicros(pid: number | undefined): number | undefined {
  try {
    // The fields after the command name (which may hold spaces) start at the process state.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU time of every local `postgres` process together (the bench's database server), in microseconds. */
export function postgresCpuMicros(): number {
  let total = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim() === 'postgres') total += cpuMicros(Number(name)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

export function machine(): string {
  const cpus = os.cpus();
  const memory = Math.round(os.totalmem() / 1024 ** 3);
  return `Node ${process.version}, ${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length} cores, ${memory} GiB, ${os.type()} ${os.release()}`;
}

/** The command that reproduces this run. */
export function command(script: string): string {
  const settings = Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('BENCH_') && name !== 'BENCH_MODE' && value !== undefined && value !== '')
    .map(([name, value]) => `${name}=${name === 'BENCH_PG_URL' ? redact(value!) : value}`)
    .sort();
  return [...settings, `npm run bench -- ${QUICK ? '--quick ' : ''}${script}`].join(' ');
}

export const fmt = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '–';

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const ratio = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '–');

/** A Markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints a section to paste into BENCHMARKS.md: title, command, the tables, notes, the machine. */
export function printSection(title: string, script: string, tables: string[], notes: string[] = [], databases: string[] = []): void {
  console.log('');
  console.log(`### ${title}`);
  console.log('');
  console.log('```sh');
  console.log(command(script));
  console.log('```');
  for (const text of tables) {
    console.log('');
    console.log(text);
  }
  console.log('');
  for (const note of notes) console.log(`${note}  `);
  console.log(`Machine: ${machine()}.  `);
  for (const database of databases) console.log(`${database}.  `);
  console.log(`Mode: ${MODE}.`);
  console.log('');
}

export function log(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`);
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
