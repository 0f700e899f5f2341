import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromDecimalHours } from '../durations.js';
import { isObject, text } from '../formats/common.js';
import type { SourceEntry, SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';
import { parseLocalDateAndTime, parseSourceTimestamp } from '../time.js';
import { SourceHttp, SourceHttpError, type SourceHttpOptions } from './http.js';
import { type LiveSource, LiveSourceError, type SourceWindow } from './types.js';

/**
 * Redmine (5.x) as a live source: `GET /time_entries.json` with the API key in
 * `X-Redmine-API-Key`, 100 a page (Redmine's most), in ascending id so that entries written
 * while a run pages land on later pages; `from`/`to` bound the work days (`spent_on`). Redmine's
 * API has no filter on `updated_on` and reports no deletions, so every run reads its whole window
 * (docs/decisions.md, "Live sources"). An entry names its user by id and full name only; the
 * user's login and e-mail come from `GET /users/<id>.json` (admins only), once per user, so that
 * --user-map can use any of them.
 */
export interface RedmineSourceOptions {
  url: string;
  apiKey: string;
  /** A project identifier or id; undefined reads every project the key may see. */
  project?: string | undefined;
  window?: SourceWindow | undefined;
  http?: Partial<SourceHttpOptions>;
}

interface RedmineTimeEntry {
  id: number;
  project?: { id: number; name?: string };
  issue?: { id: number };
  user?: { id: number; name?: string };
  activity?: { id: number; name?: string };
  hours: number;
  comments?: string | null;
  spent_on: string;
  created_on?: string;
  updated_on?: string;
}

interface RedmineUser {
  id: number;
  login?: string;
  mail?: string;
}

const PAGE = 100;

export class RedmineSource implements LiveSource {
  readonly label: string;
  readonly inputName: string;
  readonly format = redmineApiFormat;
  private readonly http: SourceHttp;
  private readonly users = new Map<number, RedmineUser | undefined>();

  constructor(private readonly options: RedmineSourceOptions) {
    this.http = new SourceHttp({
      name: 'Redmine',
      ...options.http,
      baseUrl: options.url,
      headers: { 'x-redmine-api-key': options.apiKey },
    });
    this.label = `Redmine ${this.http.base.origin}${this.http.base.pathname.replace(/\/$/, '')}${options.project === undefined ? '' : ` (project ${options.project})`}`;
    this.inputName = `redmine-${options.project ?? 'all'}`;
  }

  async check(): Promise<void> {
    // Redmine answers an unknown key as if anonymous on public projects, so the key is checked itself.
    const current = await this.http.getJson<{ user?: RedmineUser }>('users/current.json', [401, 403]).catch((error: unknown) => {
      throw error instanceof SourceHttpError ? new LiveSourceError(`${error.message}; is ${this.options.url} a Redmine?`) : error;
    });
    if (current.status === 401)
      throw new LiveSourceError(`Redmine refused the API key (401): give the key of "My account" → API access key`);
    if (current.status === 403 || current.body?.user === undefined) {
      throw new LiveSourceError(
        `Redmine's REST API is off (${current.status}): an administrator turns it on under Administration → Settings → API`,
      );
    }
    if (this.options.project !== undefined) {
      const project = await this.http.getJson<unknown>(`projects/${encodeURIComponent(this.options.project)}.json`, [403, 404]);
      if (project.status !== 200)
        throw new LiveSourceError(`Redmine has no project ${JSON.stringify(this.options.project)} this key may read (${project.status})`);
    }
  }

  async *records(): AsyncGenerator<RawRecord> {
    const seen = new Set<number>();
    for (let offset = 0; ;) {
      const query = new URLSearchParams({ sort: 'id', limit: String(PAGE), offset: String(offset) });
      if (this.options.project !== undefined) query.set('project_id', this.options.project);
      if (this.options.window?.from !== undefined) query.set('from', this.options.window.from);
      if (this.options.window?.to !== undefined) query.set('to', this.options.window.to);
      const page = await this.http.getJson<{ time_entries?: RedmineTimeEntry[]; total_count?: number }>(`time_entries.json?${query}`);
      const entries = page.body?.time_entries ?? [];
      for (const entry of entries) {
        // An entry deleted while the run pages shifts the later ones back by one: the next page
        // then repeats one entry, which is skipped here.
        if (seen.has(entry.id)) continue;
        seen.add(entry.id);
        const user = entry.user === undefined ? undefined : await this.user(entry.user.id);
        yield {
          kind: 'json',
          file: this.inputName,
          line: entry.id,
          path: ['time_entries', entry.id],
          value: { ...entry, user: { ...entry.user, login: user?.login, mail: user?.mail } },
        };
      }
      offset += entries.length;
      if (entries.length < PAGE || offset >= (page.body?.total_count ?? 0)) return;
    }
  }

  private async user(id: number): Promise<RedmineUser | undefined> {
    if (!this.users.has(id)) {
      // A key without admin rights may not read other users (403/404): the name and id remain.
      const answer = await this.http.getJson<{ user?: RedmineUser }>(`users/${id}.json`, [403, 404]);
      this.users.set(id, answer.status === 200 ? answer.body?.user : undefined);
    }
    return this.users.get(id);
  }
}

/**
 * A Redmine time entry as the API gives it. Redmine keeps a date without a time of day, so the
 * work starts at local midnight of `spent_on` in --timezone (as for Redmine's CSV export), and
 * stays on its day; `created_on` is UTC. Hours are a decimal, read exactly.
 */
export const redmineApiFormat: SourceFormat = {
  name: 'redmine-api',
  fileKinds: [],
  detect: () => false,
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Redmine time entry');
    const entry = record.value as unknown as RedmineTimeEntry & { user?: { id: number; name?: string; login?: string; mail?: string } };
    if (typeof entry.id !== 'number' || typeof entry.spent_on !== 'string' || typeof entry.hours !== 'number')
      return refused('not a Redmine time entry');
    const start = parseLocalDateAndTime(entry.spent_on, '00:00', settings.zone, 'YMD');
    if (!start.ok) return refused(`spent_on: ${start.error}`);
    const duration = secondsFromDecimalHours(String(entry.hours), settings.durations);
    if (!duration.ok) return refused(`hours: ${duration.error}`);
    let createdAtMs: number | undefined;
    if (entry.created_on !== undefined) {
      const created = parseSourceTimestamp(entry.created_on, 'UTC');
      if (!created.ok) return refused(`created_on: ${created.error}`);
      createdAtMs = created.value;
    }
    const comment = text(entry.comments);
    return accepted({
      sourceId: `redmine:${entry.id}`,
      issueCandidate: entry.issue === undefined ? undefined : String(entry.issue.id),
      description: comment ?? '',
      user: {
        id: entry.user === undefined ? undefined : String(entry.user.id),
        name: entry.user?.name,
        login: entry.user?.login,
        email: entry.user?.mail,
      },
      startMs: start.value,
      createdAtMs,
      durationSeconds: duration.value.seconds,
      roundedFrom: duration.value.roundedFrom,
      comment,
      durationNote: 'Redmine hours, converted exactly',
    });
  },
};
