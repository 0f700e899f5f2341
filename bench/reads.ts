/**
 * `npm run bench -- reads`: reads over HTTP from the real server (a separate process) on SQLite and
 * on PostgreSQL.
 *
 *  - Listing one issue's 10,000 time entries page by page, `GET /v3/issues/<key>/worklog?perPage=N`
 *    following the `id` cursor to the end (perPage 1000, 100 and the default 50; quick: 1000 and
 *    100); every entry must come back once, in ascending id order.
 *  - The time-spent report, `GET /timeport/v1/reports/time-spent`, over 1,000,000 entries (full;
 *    quick: 20,000) of 2024-2025, 50 users (quick: 10), 20 queues of 100 issues (quick: 5), imported
 *    through the batch extension; the usual questions of bench/report.ts, best and median of 3
 *    runs (quick: 2).
 *
 * Settings (environment): BENCH_LIST_ENTRIES (10,000), BENCH_REPORT_ENTRIES (quick 20,000, full
 * 1,000,000), BENCH_REPORT_RUNS (quick 2, full 3), BENCH_BACKENDS, BENCH_PG_URL.
 */
import { performance } from 'node:perf_hooks';
import {
  type Api,
  type Backend,
  QUICK,
  REPORT_QUESTIONS,
  backends,
  benchEntry,
  fmt,
  importBatches,
  log,
  main,
  median,
  ms,
  printSection,
  sandbox,
  seedIssues,
  seedUsers,
  setting,
  startServer,
  stopServer,
  table,
} from './lib.js';

const LIST_ENTRIES = setting('BENCH_LIST_ENTRIES', 10_000, 10_000);
const REPORT_ENTRIES = setting('BENCH_REPORT_ENTRIES', 20_000, 1_000_000);
const RUNS = setting('BENCH_REPORT_RUNS', 2, 3);
const QUEUES = QUICK ? 5 : 20;
const ISSUES_PER_QUEUE = QUICK ? 20 : 100;
const USERS = QUICK ? 10 : 50;
const PAGE_SIZES = QUICK ? [1000, 100] : [1000, 100, 50];

interface ListFigure {
  backend: string;
  perPage: number;
  pages: number;
  ms: number;
}

interface ReportFigure {
  backend: string;
  question: string;
  best: number;
  median: number;
  bytes: number;
}

/** Lists every entry of the issue, `perPage` at a time; answers the pages and milliseconds. */
async function listAll(api: Api, key: string, perPage: number): Promise<{ pages: number; ms: number }> {
  const began = performance.now();
  let pages = 0;
  let seen = 0;
  let cursor: number | undefined;
  for (;;) {
    const { data, headers } = await api.get<{ id: number }[]>(
      `/v3/issues/${key}/worklog?perPage=${perPage}${cursor === undefined ? '' : `&id=${cursor}`}`,
    );
    pages += 1;
    for (const worklog of data) {
      if (cursor !== undefined && worklog.id <= cursor) throw new Error(`listing ${key}: id ${worklog.id} after ${cursor}`);
      cursor = worklog.id;
    }
    seen += data.length;
    if (headers.get('link') === null) break;
    if (pages > LIST_ENTRIES) throw new Error(`listing ${key}: more pages than entries`);
  }
  if (seen !== LIST_ENTRIES) throw new Error(`listing ${key} by ${perPage}: ${seen} entries, expected ${LIST_ENTRIES}`);
  return { pages, ms: performance.now() - began };
}

async function benchBackend(backend: Backend): Promise<{ list: ListFigure[]; report: ReportFigure[]; fill: string }> {
  const box = sandbox();
  log(`${backend.name}: starting the server`);
  const api = await startServer(box, backend);

  // One issue with LIST_ENTRIES entries, in queue LIST.
  const [listIssue] = await seedIssues(api, 'LIST', 1);
  await importBatches(api, {
    from: 0,
    total: LIST_ENTRIES,
    size: Math.min(LIST_ENTRIES, 5000),
    concurrency: 2,
    make: (n) => benchEntry(n, [listIssue!], ['admin'], 'list'),
  });
  const list: ListFigure[] = [];
  await listAll(api, listIssue!, 1000); // warm-up
  for (const perPage of PAGE_SIZES) {
    const runs = [];
    for (let run = 0; run < RUNS; run += 1) runs.push(await listAll(api, listIssue!, perPage));
    const best = Math.min(...runs.map((run) => run.ms));
    list.push({ backend: backend.name, perPage, pages: runs[0]!.pages, ms: best });
    log(`${backend.name}: ${fmt(LIST_ENTRIES)} entries by ${perPage}: ${runs[0]!.pages} pages in ${ms(best)} (best of ${RUNS})`);
  }

  // The report's data set.
  const users = await seedUsers(api, USERS);
  const issues: string[] = [];
  for (let queue = 0; queue < QUEUES; queue += 1) issues.push(...(await seedIssues(api, `Q${queue}`, ISSUES_PER_QUEUE)));
  log(`${backend.name}: importing ${fmt(REPORT_ENTRIES)} entries over ${issues.length} issues and ${users.length} users`);
  let lastLog = performance.now();
  const seconds = await importBatches(api, {
    from: 0,
    total: REPORT_ENTRIES,
    size: 10_000,
    concurrency: 2,
    make: (n) => benchEntry(n, issues, users, 'report'),
    progress: (done) => {
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`${backend.name}: ${fmt(done)} of ${fmt(REPORT_ENTRIES)}`);
      }
    },
  });
  const fill = `${backend.name}: ${fmt(REPORT_ENTRIES)} entries imported in ${seconds.toFixed(1)} s (${fmt(REPORT_ENTRIES / seconds)}/s, batches of 10,000, 2 in flight)`;
  log(fill);
  const stored = await api.countWorklogs();
  if (stored !== REPORT_ENTRIES + LIST_ENTRIES)
    throw new Error(`${backend.name}: ${stored} entries stored, expected ${REPORT_ENTRIES + LIST_ENTRIES}`);

  const report: ReportFigure[] = [];
  for (const question of REPORT_QUESTIONS) {
    const times: number[] = [];
    let bytes = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const began = performance.now();
      const { text } = await api.get(`/timeport/v1/reports/time-spent?${question}`);
      times.push(performance.now() - began);
      bytes = Buffer.byteLength(text);
    }
    const figure = { backend: backend.name, question, best: Math.min(...times), median: median(times), bytes };
    log(`${backend.name}: ${ms(figure.best)} (median ${ms(figure.median)}) ${fmt(bytes)} B  ${question}`);
    report.push(figure);
  }
  await stopServer(api);
  return { list, report, fill };
}

await main(async () => {
  const list = await backends();
  const lists: ListFigure[] = [];
  const reports: ReportFigure[] = [];
  const fills: string[] = [];
  for (const backend of list) {
    const figures = await benchBackend(backend);
    lists.push(...figures.list);
    reports.push(...figures.report);
    fills.push(figures.fill);
  }
  const names = list.map((backend) => backend.name);
  const listTable = table(
    ['Backend', 'perPage', 'Pages', `All ${fmt(LIST_ENTRIES)} entries`, 'Per page', 'Entries/s'],
    lists.map((figure) => [
      figure.backend,
      String(figure.perPage),
      String(figure.pages),
      ms(figure.ms),
      ms(figure.ms / figure.pages),
      fmt((LIST_ENTRIES / figure.ms) * 1000),
    ]),
  );
  const reportTable = table(
    ['Question (`/timeport/v1/reports/time-spent?…`)', ...names.flatMap((name) => [`${name} best`, `${name} median`]), 'Answer size'],
    REPORT_QUESTIONS.map((question) => {
      const cells = names.flatMap((name) => {
        const figure = reports.find((report) => report.backend === name && report.question === question)!;
        return [ms(figure.best), ms(figure.median)];
      });
      const bytes = reports.find((report) => report.question === question)!.bytes;
      return [`\`${question}\``, ...cells, `${fmt(bytes)} B`];
    }),
  );
  printSection(
    `Reads: one issue's ${fmt(LIST_ENTRIES)} entries page by page; the time-spent report over ${fmt(REPORT_ENTRIES)} entries`,
    'reads',
    [listTable, reportTable],
    [
      `Listing: \`GET /v3/issues/<key>/worklog?perPage=N&id=<cursor>\` to the end, best of ${RUNS}; every entry seen once, ids ascending.`,
      `Report: ${fmt(REPORT_ENTRIES)} entries of 2024-2025 (plus the listed issue's ${fmt(LIST_ENTRIES)}), ${USERS} users, ${QUEUES} queues × ${ISSUES_PER_QUEUE} issues; ${RUNS} runs per question over HTTP (client-side time, whole answer read).`,
      ...fills.map((fill) => `Import of the data set: ${fill}.`),
    ],
    list.map((backend) => backend.description),
  );
});
