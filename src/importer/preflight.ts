import { SourceIdSet } from './source-id-set.js';
import type { TrackerClient, TrackerIssue, TrackerUser } from '../client/tracker-client.js';
import { dayInZone, dayNumberInZone } from '../domain/time-zone.js';
import { describeSeconds } from './durations.js';
import { describeUser, userKey } from './mapping.js';
import {
  type DateOrderFinding,
  type SourceItem,
  type SourceOptions,
  describeDateOrder,
  settleDateOrder,
  sourceItems,
  where,
} from './source.js';
import { OrderCheck, createdAtOf } from './start-order.js';

/**
 * The preflight (docs/peer-importers.md, pain points 4, 5, 6): one pass over the files, then a look
 * at the target, before anything is sent. It counts the entries, shows how durations were converted
 * and what was rounded, flags entries that cross midnight, and lists every unconvertible record,
 * unmapped user, user missing on the target and missing issue.
 */
export interface PreflightReport {
  total: number;
  formats: Map<string, number>;
  durationNotes: Map<string, number>;
  rounded: { count: number; examples: string[] };
  crossingMidnight: { count: number; zone: string; examples: string[] };
  duplicates: { count: number; examples: string[] };
  conversionErrors: { count: number; examples: string[] };
  unmappedUsers: Map<string, { description: string; count: number }>;
  unresolvedIssues: { count: number; examples: string[] };
  missingUsers: Map<string, number>;
  missingIssues: Map<string, number>;
  /**
   * Issues with an entry that starts before the issue was created: Yandex's own importer moves
   * such a start to the issue's creation, so Tracker likely refuses it (README, "Differences from
   * Tracker"). A warning, not a blocker: Timeport accepts it.
   */
  startsBeforeIssue: { count: number; examples: string[] };
  /** Target users and issues found, for the import's own checks. */
  users: Map<string, TrackerUser>;
  issues: Map<string, TrackerIssue>;
  totalSeconds: number;
  /** The order slashed dates were read in; later passes over the same input read with it. */
  dates: DateOrderFinding;
  /**
   * Whether the converted entries come in start order (ties by createdAt) already: then the import
   * sends them as they are read, with no sort.
   */
  inStartOrder: boolean;
}

const EXAMPLES = 10;

export async function preflight(
  given: SourceOptions,
  client: TrackerClient | undefined,
  settings: {
    concurrency?: number;
    createdAtFrom?: 'start' | 'end';
    /**
     * Sees every item as the pass reads it, with whether the entries so far are in start order and
     * whether its source id came earlier in the input (the import collects what it will sort here).
     */
    onItem?: (item: SourceItem, seen: { inOrder: boolean; repeated: boolean }) => void;
  } = {},
): Promise<PreflightReport> {
  const { concurrency = 8, createdAtFrom = 'start', onItem } = settings;
  const dates = await settleDateOrder(given);
  const options: SourceOptions = { ...given, dateOrder: dates.order };
  const zone = options.zone ?? 'UTC';
  const report: PreflightReport = {
    total: 0,
    formats: new Map(),
    durationNotes: new Map(),
    rounded: { count: 0, examples: [] },
    crossingMidnight: { count: 0, zone, examples: [] },
    duplicates: { count: 0, examples: [] },
    conversionErrors: { count: 0, examples: [] },
    unmappedUsers: new Map(),
    unresolvedIssues: { count: 0, examples: [] },
    missingUsers: new Map(),
    missingIssues: new Map(),
    startsBeforeIssue: { count: 0, examples: [] },
    users: new Map(),
    issues: new Map(),
    totalSeconds: 0,
    dates,
    inStartOrder: true,
  };
  const order = new OrderCheck();
  const logins = new Map<string, number>();
  const issueKeys = new Map<string, number>();
  /** Each issue's earliest start and where it was read: one pair per issue, whatever the input's size. */
  const earliestStarts = new Map<string, { startMs: number; where: string }>();
  const seen = new SourceIdSet();
  const note = (list: { count: number; examples: string[] }, text: string) => {
    list.count++;
    if (list.examples.length < EXAMPLES) list.examples.push(text);
  };
  for await (const item of sourceItems(options)) {
    report.total++;
    if (item.format !== undefined) report.formats.set(item.format.name, (report.formats.get(item.format.name) ?? 0) + 1);
    const entry = item.entry;
    if (entry === undefined) {
      note(report.conversionErrors, `${where(item.record)}: ${item.problem?.reason ?? 'cannot be read'}`);
      onItem?.(item, { inOrder: order.inOrder, repeated: false });
      continue;
    }
    order.see(entry.startMs, createdAtOf(entry, createdAtFrom));
    const repeated = seen.has(entry.sourceId);
    if (repeated) note(report.duplicates, `${where(item.record)}: ${entry.sourceId}`);
    seen.add(entry.sourceId);
    onItem?.(item, { inOrder: order.inOrder, repeated });
    report.totalSeconds += entry.durationSeconds;
    report.durationNotes.set(entry.durationNote, (report.durationNotes.get(entry.durationNote) ?? 0) + 1);
    if (entry.roundedFrom !== undefined) note(report.rounded, `${where(item.record)}: ${entry.roundedFrom} → ${entry.durationSeconds} s`);
    const endMs = entry.startMs + entry.durationSeconds * 1000 - 1;
    if (dayNumberInZone(entry.startMs, zone) !== dayNumberInZone(endMs, zone)) {
      note(
        report.crossingMidnight,
        `${where(item.record)}: starts ${dayInZone(entry.startMs, zone)}, ends ${dayInZone(endMs, zone)} (kept on its start day)`,
      );
    }
    if (item.problem?.kind === 'user') {
      const key = userKey(entry.user);
      const known = report.unmappedUsers.get(key) ?? { description: describeUser(entry.user), count: 0 };
      known.count++;
      report.unmappedUsers.set(key, known);
    } else if (item.login !== undefined) logins.set(item.login.toLowerCase(), (logins.get(item.login.toLowerCase()) ?? 0) + 1);
    if (item.problem?.kind === 'issue') note(report.unresolvedIssues, `${where(item.record)}: ${item.problem.reason}`);
    else if (item.issue !== undefined) {
      issueKeys.set(item.issue, (issueKeys.get(item.issue) ?? 0) + 1);
      const earliest = earliestStarts.get(item.issue);
      if (earliest === undefined || entry.startMs < earliest.startMs)
        earliestStarts.set(item.issue, { startMs: entry.startMs, where: where(item.record) });
    }
  }
  report.inStartOrder = order.inOrder;
  if (client !== undefined) {
    await eachLimited([...logins.keys()], concurrency, async (login) => {
      const user = await client.getUser(login);
      if (user === undefined) report.missingUsers.set(login, logins.get(login)!);
      else report.users.set(login, user);
    });
    await eachLimited([...issueKeys.keys()], concurrency, async (key) => {
      const issue = await client.getIssue(key);
      if (issue === undefined) report.missingIssues.set(key, issueKeys.get(key)!);
      else report.issues.set(key, issue);
    });
    for (const [key, issue] of [...report.issues].sort(([a], [b]) => a.localeCompare(b))) {
      const earliest = earliestStarts.get(key);
      const createdMs = Date.parse(issue.createdAt.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (earliest === undefined || Number.isNaN(createdMs) || earliest.startMs >= createdMs) continue;
      note(
        report.startsBeforeIssue,
        `${key}: ${earliest.where} starts ${new Date(earliest.startMs).toISOString()}, the issue was created ${issue.createdAt}`,
      );
    }
  }
  return report;
}

/** Runs `work` over the items with at most `limit` at a time. */
export async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

export const blockerCount = (report: PreflightReport): number =>
  report.conversionErrors.count +
  [...report.unmappedUsers.values()].reduce((sum, user) => sum + user.count, 0) +
  report.unresolvedIssues.count +
  [...report.missingUsers.values()].reduce((sum, count) => sum + count, 0) +
  [...report.missingIssues.values()].reduce((sum, count) => sum + count, 0);

/** The preflight as lines for the terminal. */
export function describePreflight(report: PreflightReport, options: { durationsHoursPerDay: number }): string[] {
  const lines: string[] = [];
  const formats = [...report.formats].map(([name, count]) => `${name}: ${count}`).join(', ');
  lines.push(`Preflight: ${report.total} entries (${formats || 'none'}), ${describeSeconds(report.totalSeconds)} in all`);
  for (const [noteText, count] of report.durationNotes) lines.push(`  durations: ${count} from ${noteText}`);
  if (options.durationsHoursPerDay !== 8) {
    lines.push(
      `  a source day is ${options.durationsHoursPerDay} h (--source-hours-per-day); Tracker's is 8 h, so values are sent in hours, not days`,
    );
  }
  lines.push('  durations are sent as exact seconds in Tracker form (1W = 5D, 1D = 8H)');
  const dates = describeDateOrder(report.dates);
  if (dates !== undefined) lines.push(`  ${dates}`);
  const list = (title: string, entry: { count: number; examples: string[] }) => {
    if (entry.count === 0) return;
    lines.push(`  ${title}: ${entry.count}`);
    for (const example of entry.examples) lines.push(`    ${example}`);
    if (entry.count > entry.examples.length) lines.push(`    ... and ${entry.count - entry.examples.length} more`);
  };
  list('rounded to the second (--round-to-second)', report.rounded);
  list(`crossing midnight in ${report.crossingMidnight.zone}`, report.crossingMidnight);
  list('repeated source ids (imported once)', report.duplicates);
  list('records that cannot be converted', report.conversionErrors);
  if (report.unmappedUsers.size > 0) {
    lines.push(`  unmapped users: ${report.unmappedUsers.size}`);
    for (const user of report.unmappedUsers.values()) lines.push(`    ${user.description} (${user.count} entries)`);
  }
  list('entries without an issue', report.unresolvedIssues);
  list(
    'issues with an entry starting before the issue was created (Timeport accepts it; Tracker likely refuses it)',
    report.startsBeforeIssue,
  );
  if (report.missingUsers.size > 0) {
    lines.push(`  users missing on the target: ${report.missingUsers.size}`);
    for (const [login, count] of report.missingUsers) lines.push(`    ${login} (${count} entries)`);
  }
  if (report.missingIssues.size > 0) {
    lines.push(`  issues missing on the target: ${report.missingIssues.size}`);
    for (const [key, count] of report.missingIssues) lines.push(`    ${key} (${count} entries)`);
  }
  return lines;
}
