import type { TrackerClient, TrackerIssue } from '../client/tracker-client.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../domain/timestamp.js';

/**
 * Entries written after their issue's last update. Tracker's import refuses a `createdAt` after
 * the issue's `updatedAt`, and an import does not move that update, so work logged in a live source
 * after the target issue last changed cannot be imported as it is, in Tracker or in Timeport
 * (docs/decisions.md, "Entries written after their issue's last update").
 */
export interface LateIssue {
  key: string;
  updatedAtMs: number;
  /** Entries to be created on it that were written after its last update. */
  entries: number;
  latestCreatedAtMs: number;
}

/**
 * Counts, issue by issue, the entries to be created that were written after the issue's last
 * update, one entry at a time, so a plan of millions need not be held to count them.
 */
export class LateIssueTally {
  private readonly late = new Map<string, LateIssue>();
  /** Each issue's last update, read once (undefined: unknown or unreadable). */
  private readonly updatedAt = new Map<string, number | undefined>();

  constructor(private readonly issues: Map<string, TrackerIssue>) {}

  add(issue: string, createdAtMs: number): void {
    let updatedAtMs = this.updatedAt.get(issue);
    if (!this.updatedAt.has(issue)) {
      const known = this.issues.get(issue);
      const parsed = known === undefined ? undefined : parseTrackerTimestamp(known.updatedAt);
      updatedAtMs = parsed?.ok === true ? parsed.value : undefined;
      this.updatedAt.set(issue, updatedAtMs);
    }
    if (updatedAtMs === undefined || createdAtMs <= updatedAtMs) return;
    const entry = this.late.get(issue) ?? { key: issue, updatedAtMs, entries: 0, latestCreatedAtMs: createdAtMs };
    entry.entries++;
    entry.latestCreatedAtMs = Math.max(entry.latestCreatedAtMs, createdAtMs);
    this.late.set(issue, entry);
  }

  /** The late issues by key. */
  list(): LateIssue[] {
    return [...this.late.values()].sort((a, b) => a.key.localeCompare(b.key));
  }
}

export const describeLateIssues = (late: LateIssue[], moving: boolean): string => {
  const entries = late.reduce((sum, issue) => sum + issue.entries, 0);
  const list = late.map((issue) => `${issue.key} (${issue.entries}, last updated ${formatTrackerTimestamp(issue.updatedAtMs)})`).join(', ');
  return moving
    ? `${entries} entries were written after their issue's last update: ${list}; each issue's last update is moved first (--move-issue-updates)`
    : `${entries} entries were written after their issue's last update, which Tracker's import refuses: ${list}; give --move-issue-updates to move each issue's last update first`;
};

export class IssueUpdateError extends Error {}

/**
 * Moves an issue's last update to now through the documented worklog API: a one-minute worklog is
 * logged by the caller and deleted at once, each of which Tracker records as a change of the
 * issue. What stays: the issue's `updatedAt` and `updatedBy` (the caller), and those two changes in
 * its history; its time spent is as before. Checked afterwards: the issue must now be updated at or
 * after `atLeastMs`.
 */
export async function moveIssueUpdate(client: TrackerClient, key: string, atLeastMs: number): Promise<{ before: string; after: string }> {
  const before = await client.getIssue(key);
  if (before === undefined) throw new IssueUpdateError(`${key}: no such issue`);
  const marker = await client.request<{ id: number }>('POST', `/v2/issues/${encodeURIComponent(key)}/worklog`, {
    body: {
      start: formatTrackerTimestamp(Date.now()),
      duration: 'PT1M',
      comment: 'Timeport: moves the last update of this issue so that time entries written after it can be imported; deleted at once',
    },
  });
  await client.deleteWorklog(key, marker.body.id);
  const after = await client.getIssue(key);
  const afterMs = after === undefined ? undefined : parseTrackerTimestamp(after.updatedAt);
  if (after === undefined || afterMs === undefined || !afterMs.ok || afterMs.value < atLeastMs) {
    throw new IssueUpdateError(
      `${key}: its last update is still ${after?.updatedAt ?? 'unknown'} after a worklog was logged and deleted; entries written at ${formatTrackerTimestamp(atLeastMs)} cannot be imported`,
    );
  }
  return { before: before.updatedAt, after: after.updatedAt };
}
