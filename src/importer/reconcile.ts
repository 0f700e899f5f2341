import { SourceIdSet } from './source-id-set.js';
import type { TrackerClient } from '../client/tracker-client.js';
import { parseBusinessDuration } from '../domain/duration.js';
import { parseTrackerTimestamp } from '../domain/timestamp.js';
import { describeSeconds } from './durations.js';
import { eachLimited } from './preflight.js';
import { type SourceOptions, settleDateOrder, sourceItems } from './source.js';
import { dayInZone } from './time.js';

/**
 * `timeport reconcile` (peer notes §4.9): totals per issue, user and day, from the files and from
 * the server, compared. Days are the days the work was *spent* (`start`), in the zone given
 * (--timezone, else UTC), never the days entries were written (pain point 10).
 */
export interface Difference {
  issue: string;
  login: string;
  day: string;
  fileSeconds: number;
  fileEntries: number;
  serverSeconds: number;
  serverEntries: number;
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

export async function reconcile(given: SourceOptions, client: TrackerClient, concurrency = 4): Promise<ReconcileResult> {
  const options: SourceOptions = { ...given, dateOrder: (await settleDateOrder(given)).order };
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
    differences.push({ issue, login, day, fileSeconds: file.seconds, fileEntries: file.entries, serverSeconds: server.seconds, serverEntries: server.entries });
  }
  differences.sort((a, b) => a.issue.localeCompare(b.issue) || a.login.localeCompare(b.login) || a.day.localeCompare(b.day));
  return { issues: issues.size, groups: fromFiles.size, differences, skipped, zone };
}

export function describeDifference(difference: Difference): string {
  const delta = difference.serverSeconds - difference.fileSeconds;
  return (
    `${difference.issue} ${difference.login} ${difference.day}: files ${describeSeconds(difference.fileSeconds)} in ${difference.fileEntries} entries, ` +
    `server ${describeSeconds(difference.serverSeconds)} in ${difference.serverEntries} entries (server ${delta >= 0 ? '+' : ''}${describeSeconds(delta)})`
  );
}
