import fs from 'node:fs';
import { SourceIdSet } from './source-id-set.js';
import type { TrackerClient } from '../client/tracker-client.js';
import { parseBusinessDuration } from '../domain/duration.js';
import { dayInZone } from '../domain/time-zone.js';
import { parseTrackerTimestamp } from '../domain/timestamp.js';
import { describeSeconds } from './durations.js';
import { eachLimited } from './preflight.js';
import { FailureFiles } from './failures.js';
import { type SourceOptions, inputsOf, settleDateOrder, sourceItems } from './source.js';

/**
 * `timeport reconcile`: totals per issue, user and day, from the files and from
 * the server, compared. Days are the days the work was *spent* (`start`), in the zone given
 * (--timezone, else UTC), never the days entries were written.
 */
export interface Difference {
  issue: string;
  login: string;
  day: string;
  fileSeconds: number;
  fileEntries: number;
  serverSeconds: number;
  serverEntries: number;
  /** The likely cause, where the data shows it. */
  cause: DifferenceCause;
}

/**
 * Why a total differs, as far as the data tells: entries only in the files (and how many of them
 * the last run's failures files list), only on the server, the same entries with other durations,
 * or the same time on a neighbouring day on the other side (a time-zone difference).
 */
export type DifferenceCause =
  | { kind: 'missing'; failed: number }
  | { kind: 'extra' }
  | { kind: 'duration' }
  | { kind: 'entries'; failed: number }
  | { kind: 'day'; otherDay: string };

export interface ReconcileOptions {
  concurrency?: number;
  /** Where the import wrote its failures files (default: beside each input), to say which differences failed there. */
  failuresDir?: string | undefined;
}

export interface ReconcileResult {
  issues: number;
  groups: number;
  differences: Difference[];
  /** Records of the files that could not be converted or mapped (not compared). */
  skipped: number;
  zone: string;
}

interface Totals {
  seconds: number;
  entries: number;
}

const groupKey = (issue: string, login: string, day: string) => `${issue}\t${login.toLowerCase()}\t${day}`;

export async function reconcile(given: SourceOptions, client: TrackerClient, settings: ReconcileOptions = {}): Promise<ReconcileResult> {
  const concurrency = settings.concurrency ?? 4;
  const options: SourceOptions = { ...given, dateOrder: (await settleDateOrder(given)).order };
  const failed = await failedInLastRun(options, settings.failuresDir);
  const failedPerGroup = new Map<string, number>();
  const zone = options.zone ?? 'UTC';
  const fromFiles = new Map<string, Totals>();
  const issues = new Set<string>();
  const seen = new SourceIdSet();
  let skipped = 0;
  for await (const item of sourceItems(options)) {
    if (item.problem !== undefined || item.entry === undefined || item.issue === undefined || item.login === undefined) {
      skipped++;
      continue;
    }
    // A repeated source id is imported once, so it is counted once.
    if (seen.has(item.entry.sourceId)) continue;
    seen.add(item.entry.sourceId);
    issues.add(item.issue);
    const key = groupKey(item.issue, item.login, dayInZone(item.entry.startMs, zone));
    if (failed.has(item.entry.sourceId)) failedPerGroup.set(key, (failedPerGroup.get(key) ?? 0) + 1);
    const totals = fromFiles.get(key) ?? { seconds: 0, entries: 0 };
    totals.seconds += item.entry.durationSeconds;
    totals.entries++;
    fromFiles.set(key, totals);
  }
  const fromServer = new Map<string, Totals>();
  const logins = new Map<string, string>();
  const loginOf = async (uid: string): Promise<string> => {
    let login = logins.get(uid);
    if (login === undefined) {
      login = (await client.getUser(Number(uid)))?.login ?? `uid:${uid}`;
      logins.set(uid, login);
    }
    return login;
  };
  await eachLimited([...issues], concurrency, async (issue) => {
    if ((await client.getIssue(issue)) === undefined) return;
    for await (const worklog of client.issueWorklogs(issue)) {
      const seconds = parseBusinessDuration(worklog.duration);
      const start = parseTrackerTimestamp(worklog.start);
      if (!seconds.ok || !start.ok) throw new Error(`worklog ${worklog.id} of ${issue} has an unreadable duration or start`);
      const key = groupKey(issue, await loginOf(worklog.createdBy.id), dayInZone(start.value, zone));
      const totals = fromServer.get(key) ?? { seconds: 0, entries: 0 };
      totals.seconds += seconds.value;
      totals.entries++;
      fromServer.set(key, totals);
    }
  });
  const differences: Difference[] = [];
  for (const key of new Set([...fromFiles.keys(), ...fromServer.keys()])) {
    const file = fromFiles.get(key) ?? { seconds: 0, entries: 0 };
    const server = fromServer.get(key) ?? { seconds: 0, entries: 0 };
    if (file.seconds === server.seconds && file.entries === server.entries) continue;
    const [issue, login, day] = key.split('\t') as [string, string, string];
    const failedHere = failedPerGroup.get(key) ?? 0;
    const cause: DifferenceCause =
      server.entries === 0
        ? { kind: 'missing', failed: failedHere }
        : file.entries === 0
          ? { kind: 'extra' }
          : file.entries === server.entries
            ? { kind: 'duration' }
            : { kind: 'entries', failed: failedHere };
    differences.push({
      issue,
      login,
      day,
      fileSeconds: file.seconds,
      fileEntries: file.entries,
      serverSeconds: server.seconds,
      serverEntries: server.entries,
      cause,
    });
  }
  differences.sort((a, b) => a.issue.localeCompare(b.issue) || a.login.localeCompare(b.login) || a.day.localeCompare(b.day));
  pairNeighbouringDays(differences);
  return { issues: issues.size, groups: fromFiles.size, differences, skipped, zone };
}

/**
 * Marks pairs of differences of one issue and user on neighbouring days that cancel out (the files
 * have on one day exactly what the server has more on the next or previous): the same work, placed
 * on another day, as a different time zone at import would place it.
 */
function pairNeighbouringDays(differences: Difference[]): void {
  const neighbour = (day: string, by: number) => new Date(Date.parse(`${day}T00:00:00Z`) + by * 86_400_000).toISOString().slice(0, 10);
  const byGroupDay = new Map(differences.map((difference) => [groupKey(difference.issue, difference.login, difference.day), difference]));
  for (const difference of differences) {
    if (difference.cause.kind === 'day') continue;
    const delta = difference.serverSeconds - difference.fileSeconds;
    for (const by of [-1, 1]) {
      const other = byGroupDay.get(groupKey(difference.issue, difference.login, neighbour(difference.day, by)));
      if (other === undefined || other.cause.kind === 'day' || other.serverSeconds - other.fileSeconds !== -delta) continue;
      difference.cause = { kind: 'day', otherDay: other.day };
      other.cause = { kind: 'day', otherDay: difference.day };
      break;
    }
  }
}

/** The source ids the last import run could not store, from the failures files it left. */
async function failedInLastRun(options: SourceOptions, failuresDir: string | undefined): Promise<Set<string>> {
  const files = new FailureFiles(failuresDir);
  const written = inputsOf(options)
    .map((input) => files.pathFor(input))
    .filter((file) => fs.existsSync(file));
  const ids = new Set<string>();
  if (written.length === 0) return ids;
  // A failures file keeps each row as its input had it, so it converts to the same source ids.
  const source: SourceOptions =
    options.live === undefined ? { ...options, files: written } : { ...options, live: undefined, files: written, format: undefined };
  for await (const item of sourceItems(source)) if (item.entry !== undefined) ids.add(item.entry.sourceId);
  return ids;
}

function describeCause(cause: DifferenceCause): string {
  const failed = (count: number) => (count > 0 ? `; ${count} failed in the last run (see its failures file)` : '');
  switch (cause.kind) {
    case 'missing':
      return `missing in the target${failed(cause.failed)}`;
    case 'extra':
      return 'extra in the target: not in the source';
    case 'duration':
      return 'duration differs: as many entries, other durations';
    case 'entries':
      return `entries differ${failed(cause.failed)}`;
    case 'day':
      return `day differs: the same time is on ${cause.otherDay} on the other side (a different --timezone?)`;
  }
}

export function describeDifference(difference: Difference): string {
  const delta = difference.serverSeconds - difference.fileSeconds;
  return (
    `${difference.issue} ${difference.login} ${difference.day}: files ${describeSeconds(difference.fileSeconds)} in ${difference.fileEntries} entries, ` +
    `server ${describeSeconds(difference.serverSeconds)} in ${difference.serverEntries} entries (server ${delta >= 0 ? '+' : ''}${describeSeconds(delta)}): ` +
    describeCause(difference.cause)
  );
}
