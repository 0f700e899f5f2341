/**
 * `npm run bench -- peers`: Timeport's single import beside its closest peer in the same run, a real
 * Redmine (Debian's package, the one scripts/redmine.sh starts for the live-source tests) taking
 * `POST /time_entries.json` from an administrator who logs time for another user. Same machine,
 * same load tool (autocannon, bench/lib.ts `loadRequests`), at 1 and 32 connections, runs
 * interleaved round by round so that noise on the machine hits both. Every request is a new entry
 * (its own comment and day) on one of 20 issues, by one non-admin user; after each run the entries
 * stored are counted (Redmine: `total_count` of the project's time entries; Timeport: the report)
 * and must equal the 2xx answers.
 *
 * Redmine stores in SQLite (the redmine-sqlite package) and serves through puma with 5 threads, as
 * scripts/redmine.sh starts it; Timeport runs on SQLite and, when reachable, PostgreSQL.
 *
 * Settings (environment): BENCH_SECONDS (quick 1, full 10), BENCH_WARMUP_SECONDS (quick 0.5, full 3),
 * BENCH_ROUNDS (quick 1, full 3; the median is shown), BENCH_CONNECTIONS (default 1,32),
 * BENCH_BACKENDS, TIMEPORT_TEST_REDMINE_URL / TIMEPORT_TEST_REDMINE_KEY (or the key file). Without a
 * Redmine the script says so and stops with exit 0 (nothing measured).
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { REDMINE_URL, RedmineAdmin, redmineKey } from '../support/redmine.js';
import {
  type Backend,
  HEADERS,
  type LoadRun,
  backends,
  benchEntry,
  cpuMicros,
  fmt,
  loadRequests,
  log,
  main,
  median,
  ms,
  printSection,
  ratio,
  sandbox,
  seedIssues,
  setting,
  startServer,
  stopServer,
  table,
} from './lib.js';

const SECONDS = setting('BENCH_SECONDS', 1, 10);
const WARMUP_SECONDS = setting('BENCH_WARMUP_SECONDS', 0.5, 3);
const ROUNDS = setting('BENCH_ROUNDS', 1, 3);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,32').split(',').map(Number);
const ISSUES = 20;
const WORKER = 'worker';
const PUMA_PID_FILE = `${process.env.REDMINE_STATE || '/var/lib/timeport-test-redmine'}/puma.pid`;

type Run = LoadRun & { refused: number; cpuPerRequest: number | undefined };

/** One peer under load: where it listens, what each request is, and how many entries it holds. */
interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  next: () => { path: string; body: string };
  stored: () => Promise<number>;
  pid: number | undefined;
}

let entryNumber = 0;

async function redmineTarget(): Promise<Target> {
  const admin = new RedmineAdmin();
  const project = await admin.project([WORKER], ISSUES);
  const activityId = await admin.activityId();
  const userId = project.userIds.get(WORKER)!;
  const pid = fs.existsSync(PUMA_PID_FILE) ? Number(fs.readFileSync(PUMA_PID_FILE, 'utf8').trim()) : undefined;
  return {
    name: 'Redmine',
    url: REDMINE_URL,
    headers: { 'x-redmine-api-key': admin.key, 'content-type': 'application/json' },
    next: () => {
      entryNumber += 1;
      const entry = benchEntry(entryNumber, project.issueIds.map(String), [WORKER], 'peer');
      const minutes = Number(/^PT(\d+)M$/.exec(entry.duration)![1]);
      return {
        path: '/time_entries.json',
        body: JSON.stringify({
          time_entry: {
            issue_id: Number(entry.issue),
            user_id: userId,
            spent_on: entry.start.slice(0, 10),
            hours: minutes / 60,
            comments: entry.comment,
            activity_id: activityId,
          },
        }),
      };
    },
    stored: async () =>
      (await admin.call<{ total_count: number }>('GET', `/time_entries.json?project_id=${project.identifier}&limit=1`)).total_count,
    pid: Number.isSafeInteger(pid) ? pid : undefined,
  };
}

async function timeportTarget(backend: Backend): Promise<{ target: Target; stop: () => Promise<void> }> {
  const box = sandbox();
  const api = await startServer(box, backend);
  const issues = await seedIssues(api, 'PEER', ISSUES);
  await api.post('/timeport/v1/users', { login: WORKER, display: 'Worker' }, 201);
  return {
    target: {
      name: `Timeport (${backend.name})`,
      url: api.url,
      headers: HEADERS,
      next: () => {
        entryNumber += 1;
        const { issue, externalId: _externalId, ...body } = benchEntry(entryNumber, issues, [WORKER], 'peer');
        return { path: `/v3/issues/${issue}/worklogs/_import`, body: JSON.stringify(body) };
      },
      stored: () => api.countWorklogs(),
      pid: api.pid,
    },
    stop: () => stopServer(api),
  };
}

async function measure(target: Target, connections: number, bound: { amount: number } | { seconds: number }): Promise<Run> {
  const before = await target.stored();
  const cpuBefore = cpuMicros(target.pid);
  const load = await loadRequests({ ...target, connections, bound, limitSeconds: SECONDS * 10 + 30 });
  // A run bounded in time (the warm-ups) or cut short by the limit ends with requests in flight,
  // which may be stored though autocannon dropped their answers.
  const openEnded = load.cut || 'seconds' in bound;
  if (openEnded) await sleep(1000);
  const stored = (await target.stored()) - before;
  const consistent = openEnded ? stored >= load.ok && stored <= load.ok + connections : stored === load.ok;
  if (!consistent) throw new Error(`${target.name}, ${connections} connections: ${load.ok} 2xx answers but ${stored} entries stored`);
  if (load.refused > 0) log(`${target.name} at ${connections} connections: ${load.refusedText}`);
  const cpuAfter = cpuMicros(target.pid);
  const cpuPerRequest = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / Math.max(1, load.ok);
  return { ...load, cpuPerRequest };
}

interface Cell {
  connections: number;
  runs: Map<string, Run>;
}

await main(async () => {
  const key = redmineKey();
  const reachable =
    key !== undefined &&
    (await fetch(`${REDMINE_URL}/users/current.json`, { headers: { 'x-redmine-api-key': key }, signal: AbortSignal.timeout(5000) })
      .then((response) => response.ok)
      .catch(() => false));
  if (!reachable) {
    log(`no Redmine answering at ${REDMINE_URL} with an API key (bash scripts/redmine.sh start): nothing measured`);
    return;
  }
  log('setting up Redmine (a project, a user, 20 issues) and Timeport');
  const redmine = await redmineTarget();
  const timeports: { target: Target; stop: () => Promise<void> }[] = [];
  for (const backend of await backends()) timeports.push(await timeportTarget(backend));
  const targets = [redmine, ...timeports.map((timeport) => timeport.target)];

  const cells: Cell[] = [];
  for (const connections of CONNECTIONS) {
    const warm = new Map<string, Run>();
    for (const target of targets) warm.set(target.name, await measure(target, connections, { seconds: WARMUP_SECONDS }));
    const runs = new Map<string, Run[]>(targets.map((target) => [target.name, []]));
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate the order round by round, so that neither always runs first.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const amount = Math.max(connections * 20, Math.round(warm.get(target.name)!.rate * SECONDS));
        runs.get(target.name)!.push(await measure(target, connections, { amount }));
      }
    }
    const summary = (list: Run[]): Run => {
      const cpu = list.map((run) => run.cpuPerRequest).filter((value): value is number => value !== undefined);
      return {
        ...list[0]!,
        rate: median(list.map((run) => run.rate)),
        p50: median(list.map((run) => run.p50)),
        p99: median(list.map((run) => run.p99)),
        ok: list.reduce((sum, run) => sum + run.ok, 0),
        refused: list.reduce((sum, run) => sum + run.refused, 0),
        cpuPerRequest: cpu.length === 0 ? undefined : median(cpu),
      };
    };
    const cell: Cell = { connections, runs: new Map([...runs].map(([name, list]) => [name, summary(list)])) };
    log(
      `c=${connections}: ` +
        [...cell.runs].map(([name, run]) => `${name} ${fmt(run.rate)} req/s p50 ${ms(run.p50)} p99 ${ms(run.p99)}`).join('; '),
    );
    cells.push(cell);
  }
  for (const timeport of timeports) await timeport.stop();

  const cpuText = (run: Run) => (run.cpuPerRequest === undefined ? '–' : `${fmt(run.cpuPerRequest)} µs`);
  const rows = cells.flatMap((cell) => {
    const peer = cell.runs.get(redmine.name)!;
    return [...cell.runs].map(([name, run]) => [
      String(cell.connections),
      name,
      fmt(run.rate),
      ms(run.p50),
      ms(run.p99),
      cpuText(run),
      String(run.refused),
      name === redmine.name ? '–' : `${(run.rate / peer.rate).toFixed(1)}× (${ratio(run.rate / peer.rate)})`,
    ]);
  });
  printSection(
    "Timeport's single import beside Redmine's POST /time_entries.json",
    'peers',
    [table(['Connections', 'Server', '2xx/s', 'p50', 'p99', 'CPU per request (server process)', 'Refused', 'vs Redmine'], rows)],
    [
      `Each figure is the median of ${ROUNDS} run(s) of about ${SECONDS} s after a ${WARMUP_SECONDS} s warm-up per server and connection count, the servers' runs interleaved.`,
      `Every request is a new entry (distinct comment and day) on one of ${ISSUES} issues, logged by the admin for a non-admin user; entries counted after every run = the 2xx answers.`,
      'Redmine: Debian\'s redmine package on SQLite (redmine-sqlite), puma with 5 threads (scripts/redmine.sh); "Refused": its non-2xx answers and errors (SQLite busy under concurrent writes answers 500).',
      'CPU per request: the answering process only (Redmine: the puma process; Timeport: the server process, not PostgreSQL).',
    ],
  );
});
