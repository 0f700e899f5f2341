/**
 * A real Redmine for the live-source tests: the one scripts/redmine.sh starts (Debian's redmine
 * package on 127.0.0.1:3100), or TIMEPORT_TEST_REDMINE_URL with TIMEPORT_TEST_REDMINE_KEY. Suites
 * skip without it, except with CI=true (.ci/run starts it), where they fail. Each suite works in a
 * project and with users of its own, named after the run, so runs never see each other's data.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';

export const REDMINE_URL = process.env.TIMEPORT_TEST_REDMINE_URL || 'http://127.0.0.1:3100';
const KEY_FILE = `${process.env.REDMINE_STATE || '/var/lib/timeport-test-redmine'}/api-key`;

export function redmineKey(): string | undefined {
  if (process.env.TIMEPORT_TEST_REDMINE_KEY) return process.env.TIMEPORT_TEST_REDMINE_KEY;
  try {
    return fs.readFileSync(KEY_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The `skip` option for a suite that needs Redmine. */
export async function skipWithoutRedmine(): Promise<string | false> {
  if (process.env.CI === 'true') return false;
  const key = redmineKey();
  if (key === undefined) return `SKIPPED: no Redmine API key (run scripts/redmine.sh start; CI=true would fail here)`;
  try {
    const response = await fetch(`${REDMINE_URL}/users/current.json`, {
      headers: { 'x-redmine-api-key': key },
      signal: AbortSignal.timeout(5_000),
    });
    return response.ok ? false : `SKIPPED: Redmine at ${REDMINE_URL} answered ${response.status} (CI=true would fail here)`;
  } catch (error) {
    return `SKIPPED: Redmine at ${REDMINE_URL} is not reachable (${(error as Error).message}; CI=true would fail here)`;
  }
}

/** Redmine's REST API as an administrator, for setting up and changing a test's data. */
export class RedmineAdmin {
  readonly key: string;
  constructor(readonly url = REDMINE_URL) {
    const key = redmineKey();
    if (key === undefined) throw new Error('no Redmine API key: run scripts/redmine.sh start');
    this.key = key;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'x-redmine-api-key': this.key, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      // Redmine on SQLite answers 500 (SQLite3::BusyException) under concurrent writes.
      if (response.status === 500 && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
        continue;
      }
      if (!response.ok) throw new Error(`Redmine ${method} ${path}: ${response.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    }
  }

  /** A project with time tracking, one member (Developer) per login, and `issues` issues. */
  async project(
    logins: string[],
    issues: number,
  ): Promise<{ identifier: string; projectId: number; issueIds: number[]; userIds: Map<string, number> }> {
    const suffix = randomBytes(4).toString('hex');
    const identifier = `tpt-${suffix}`;
    const { project } = await this.call<{ project: { id: number } }>('POST', '/projects.json', {
      project: { name: `Timeport test ${suffix}`, identifier, enabled_module_names: ['issue_tracking', 'time_tracking'], tracker_ids: [1] },
    });
    const roles = await this.call<{ roles: { id: number; name: string }[] }>('GET', '/roles.json');
    const developer = roles.roles.find((role) => role.name === 'Developer') ?? roles.roles[0]!;
    const userIds = new Map<string, number>();
    for (const login of logins) {
      const { user } = await this.call<{ user: { id: number } }>('POST', '/users.json', {
        user: {
          login: `${login}-${suffix}`,
          firstname: login,
          lastname: suffix,
          mail: `${login}-${suffix}@example.com`,
          password: `pw-${randomBytes(8).toString('hex')}`,
        },
      });
      userIds.set(login, user.id);
      await this.call('POST', `/projects/${identifier}/memberships.json`, { membership: { user_id: user.id, role_ids: [developer.id] } });
    }
    const issueIds: number[] = [];
    for (let index = 0; index < issues; index++) {
      const { issue } = await this.call<{ issue: { id: number } }>('POST', '/issues.json', {
        issue: { project_id: project.id, tracker_id: 1, subject: `Issue ${index + 1}` },
      });
      issueIds.push(issue.id);
    }
    return { identifier, projectId: project.id, issueIds, userIds };
  }

  async activityId(): Promise<number> {
    const { time_entry_activities: activities } = await this.call<{ time_entry_activities: { id: number }[] }>(
      'GET',
      '/enumerations/time_entry_activities.json',
    );
    return activities[0]!.id;
  }

  async logTime(entry: {
    issueId: number;
    userId: number;
    spentOn: string;
    hours: number;
    comments: string;
    activityId: number;
  }): Promise<number> {
    const { time_entry } = await this.call<{ time_entry: { id: number } }>('POST', '/time_entries.json', {
      time_entry: {
        issue_id: entry.issueId,
        user_id: entry.userId,
        spent_on: entry.spentOn,
        hours: entry.hours,
        comments: entry.comments,
        activity_id: entry.activityId,
      },
    });
    return time_entry.id;
  }

  /** Changes a time entry (`PUT /time_entries/<id>.json`; Redmine answers 204). */
  async editTime(id: number, changes: { hours?: number; spentOn?: string; comments?: string }): Promise<void> {
    const time_entry: Record<string, unknown> = {};
    if (changes.hours !== undefined) time_entry.hours = changes.hours;
    if (changes.spentOn !== undefined) time_entry.spent_on = changes.spentOn;
    if (changes.comments !== undefined) time_entry.comments = changes.comments;
    await this.call('PUT', `/time_entries/${id}.json`, { time_entry });
  }

  /** Deletes a time entry (`DELETE /time_entries/<id>.json`). */
  async deleteTime(id: number): Promise<void> {
    await this.call('DELETE', `/time_entries/${id}.json`);
  }
}
