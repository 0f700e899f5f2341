/** A Timeport app listening on loopback, and the importer run against it in-process. Not a test file. */
import fs from 'node:fs';
import path from 'node:path';
import type { AppOptions } from '../../src/api/app.js';
import { TrackerClient, type TrackerClientOptions } from '../../src/client/tracker-client.js';
import { DEFAULT_DURATION_SETTINGS } from '../../src/importer/durations.js';
import { type ImportOptions, type ImportSummary, runImport } from '../../src/importer/import.js';
import { type SyncOptions, type SyncSummary, runSync } from '../../src/importer/sync.js';
import { loadMappingFile } from '../../src/importer/mapping.js';
import { ADMIN_TOKEN, type TestApp, buildTestApp, tempDir } from '../../support/app.js';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'import');
export const fixture = (name: string): string => path.join(FIXTURES, name);

export interface Target {
  t: TestApp;
  url: string;
  client: TrackerClient;
  /** A directory for journals and failures files. */
  dir: string;
  close(): Promise<void>;
}

/** The lifetime the test issues get: wide enough for every fixture. */
export const ISSUE_LIFETIME = { createdAt: '2020-01-01T00:00:00.000+0000', updatedAt: '2025-01-01T00:00:00.000+0000' };

/**
 * A listening app whose links name the URL it listens on (the client follows no other origin).
 * `app` chooses the live service's behaviours, `client` the client's options.
 */
export async function startTarget(
  issues = ['MIG-1', 'MIG-2', 'MIG-3'],
  users = ['alice', 'bob'],
  options: { app?: Pick<AppOptions, 'linkStyle' | 'importAnswer' | 'rateLimit'>; client?: Partial<TrackerClientOptions> } = {},
): Promise<Target> {
  let listening = '';
  const t = await buildTestApp({ app: { ...options.app, publicUrl: () => listening } });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  listening = url;
  const temp = tempDir('timeport-import-test-');
  const must = async (response: Promise<{ statusCode: number; body: string }>) => {
    const answer = await response;
    if (answer.statusCode >= 300) throw new Error(`set-up failed: ${answer.statusCode} ${answer.body}`);
  };
  await must(t.request({ method: 'POST', url: '/v3/queues/', payload: { key: 'MIG', name: 'Migration', lead: 'admin' } }));
  for (const _key of issues) {
    await must(
      t.request({
        method: 'POST',
        url: '/v3/issues/_import',
        payload: { queue: 'MIG', summary: 'Migrated', createdBy: 'admin', updatedBy: 'admin', ...ISSUE_LIFETIME },
      }),
    );
  }
  for (const login of users) await must(t.request({ method: 'POST', url: '/timeport/v1/users', payload: { login } }));
  const client = new TrackerClient({ baseUrl: url, token: ADMIN_TOKEN, orgId: '1', retries: 2, baseDelayMs: 10, ...options.client });
  return {
    t,
    url,
    client,
    dir: temp.dir,
    close: async () => {
      await t.close();
      temp.remove();
    },
  };
}

export interface RunResult {
  summary: ImportSummary;
  out: string[];
}

/** Runs `timeport import` in-process with the CLI's defaults; `overrides` as the flags would set them. */
export async function importFiles(target: Target, files: string[], overrides: Partial<ImportOptions> = {}): Promise<RunResult> {
  const out: string[] = [];
  const options: ImportOptions = {
    files,
    durations: DEFAULT_DURATION_SETTINGS,
    userMap: loadMappingFile(fixture('users.csv'), 'users'),
    issueRule: {},
    client: target.client,
    target: target.url,
    org: '1',
    api: 'auto',
    createdAtFrom: 'start',
    dryRun: false,
    atomic: false,
    skipInvalid: false,
    journalPath: path.join(target.dir, 'journal.ndjson'),
    failuresDir: target.dir,
    batchSize: 5000,
    concurrency: 2,
    progress: { tty: false, intervalMs: 60_000 },
    out: (line) => out.push(line),
    err: (line) => out.push(line),
    ...overrides,
  };
  const summary = await runImport(options);
  return { summary, out };
}

export interface StoredWorklog {
  id: number;
  issue: string;
  login: string;
  createdAt: string;
  start: string;
  duration: string;
  comment?: string;
}

/** Every worklog of the given issues as the API answers them, with author logins (small pages by default, to page often). */
export async function storedWorklogs(target: Target, issues = ['MIG-1', 'MIG-2', 'MIG-3'], perPage = 2): Promise<StoredWorklog[]> {
  const logins = new Map<string, string>();
  const all: StoredWorklog[] = [];
  for (const issue of issues) {
    for await (const worklog of target.client.issueWorklogs(issue, perPage)) {
      let login = logins.get(worklog.createdBy.id);
      if (login === undefined) {
        login = (await target.client.getUser(Number(worklog.createdBy.id)))!.login;
        logins.set(worklog.createdBy.id, login);
      }
      all.push({
        id: worklog.id,
        issue,
        login,
        createdAt: worklog.createdAt,
        start: worklog.start,
        duration: worklog.duration,
        comment: worklog.comment,
      });
    }
  }
  return all;
}

/** Everything an async iterable yields, in order (what a live source reads, for the tests to inspect). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The plan line a sync printed (`Plan: N creates, ...`). */
export const planLine = (run: { out: string[] }): string | undefined => run.out.find((line) => line.startsWith('Plan: '));

/** A target's worklogs of `issues` as sorted, comparable lines: issue, login, start, duration, comment. */
export const storedLines = async (target: Target, issues?: string[]): Promise<string[]> =>
  (await storedWorklogs(target, issues))
    .map((worklog) => `${worklog.issue} ${worklog.login} ${worklog.start} ${worklog.duration} ${worklog.comment ?? ''}`)
    .sort();

export const readFailures = (file: string): string => fs.readFileSync(file, 'utf8');

/** One entry of the native import format (NDJSON, with an external id), as the tests write them. */
export interface NativeLine {
  externalId: string;
  issue: string;
  createdBy: string;
  createdAt?: string;
  start: string;
  duration: string;
  comment?: string;
}

/** Writes native entries as an NDJSON file; answers its path. */
export function writeNativeLines(file: string, lines: readonly NativeLine[]): string {
  fs.writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

/**
 * Imports `count` native entries into the target's MIG-1..3 through the batch import, written one
 * every 45 minutes from 2024-01-01 (alice and bob in turn); answers the file they came from.
 */
export async function seedEntries(target: Target, count: number): Promise<string> {
  const file = path.join(target.dir, `seed-${count}.ndjson`);
  const lines: string[] = [];
  const base = Date.UTC(2024, 0, 1);
  for (let index = 0; index < count; index++) {
    const createdAt = new Date(base + index * 45 * 60_000).toISOString().replace('Z', '+0000');
    lines.push(
      JSON.stringify({
        issue: `MIG-${(index % 3) + 1}`,
        createdBy: index % 2 === 0 ? 'alice' : 'bob',
        createdAt,
        start: createdAt,
        duration: `PT${(index % 50) + 1}M`,
        comment: `entry ${index}`,
        externalId: `seed-${index}`,
      }),
    );
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const seeded = await importFiles(target, [file], { journalPath: path.join(target.dir, 'seed.journal.ndjson') });
  if (seeded.summary.created !== count) throw new Error(`seeding created ${seeded.summary.created} of ${count}:\n${seeded.out.join('\n')}`);
  return file;
}

/**
 * Runs `timeport sync` in-process into the target with the CLI's defaults (no deletes applied, the
 * target preferred on conflicts), through the documented worklog API unless `api` says otherwise
 * (the CLI's auto would choose Timeport's extension against these targets); `options` names the
 * source and the state, and overrides the rest.
 */
export async function syncInto(
  target: Target,
  options: Partial<SyncOptions> & Pick<SyncOptions, 'files' | 'sourceLabel' | 'stateDir'>,
): Promise<{ summary: SyncSummary; out: string[] }> {
  const out: string[] = [];
  const summary = await runSync({
    durations: DEFAULT_DURATION_SETTINGS,
    issueRule: {},
    client: target.client,
    api: 'tracker',
    target: target.url,
    org: '1',
    createdAtFrom: 'start',
    dryRun: false,
    applyDeletes: false,
    preferSource: false,
    progressIntervalMs: 60_000,
    out: (line) => out.push(line),
    err: (line) => out.push(line),
    ...options,
  });
  return { summary, out };
}

/**
 * Makes queue `RED` with `count` issues (RED-1, ...) last updated now: Redmine stamps an entry's
 * created_on with the real time, and an import may not be written after its issue's last update,
 * so the test app's clock moves to now (it stands where the app was made) before they are made.
 */
export async function importRedmineIssues(target: Target, count: number): Promise<void> {
  const must = async (response: Promise<{ statusCode: number; body: string }>) => {
    const answer = await response;
    if (answer.statusCode >= 300) throw new Error(`set-up failed: ${answer.statusCode} ${answer.body}`);
  };
  await must(target.t.request({ method: 'POST', url: '/v3/queues/', payload: { key: 'RED', name: 'From Redmine', lead: 'admin' } }));
  target.t.clock.now = Date.now();
  const lifetime = {
    createdAt: '2020-01-01T00:00:00.000+0000',
    updatedAt: new Date(target.t.clock.now).toISOString().replace('Z', '+0000'),
  };
  for (let index = 0; index < count; index++) {
    await must(
      target.t.request({
        method: 'POST',
        url: '/v3/issues/_import',
        payload: { queue: 'RED', summary: 'From Redmine', createdBy: 'admin', updatedBy: 'admin', ...lifetime },
      }),
    );
  }
}

/** As if every import answer was lost: the journal keeps only its "sending" lines, so each entry is looked for on the server. */
export function forgetDoneLines(journalPath: string): void {
  const lines = fs
    .readFileSync(journalPath, 'utf8')
    .split('\n')
    .filter((line) => !line.includes('"st":"done"'));
  fs.writeFileSync(journalPath, lines.join('\n'));
}

/** A permutation of 0..n-1, the same every run for a seed (a linear congruential shuffle). */
export function shuffled(n: number, seed = 7): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  let state = seed;
  for (let index = n - 1; index > 0; index--) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const other = state % (index + 1);
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
  return order;
}
