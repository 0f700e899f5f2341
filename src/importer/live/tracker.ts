import type { TrackerClient, TrackerUser, TrackerWorklog } from '../../client/tracker-client.js';
import { nextLinkOf } from '../../client/tracker-client.js';
import { parseBusinessDuration } from '../../domain/duration.js';
import { type Result, accepted, refused } from '../../domain/result.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../../domain/timestamp.js';
import { isObject } from '../formats/common.js';
import type { SourceEntry, SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';
import { type LiveSource, LiveSourceError } from './types.js';

/**
 * A Tracker organization (or a Timeport) as a live source: `POST /v3/worklog/_search` over
 * windows of `createdAt`, paged with `perPage`/`page`. Tracker refuses to page past its 10,000th
 * result, so a window whose `X-Total-Count` reaches the cap is split in two, again and again, until
 * every window can be read whole (docs/decisions.md, "Live sources"). Authors come as user refs;
 * their logins are read once per user (`GET /v3/users/<uid>`), so --user-map and the target see
 * logins. An entry's source id names the organization, so two organizations never collide.
 */
export interface TrackerSourceOptions {
  client: TrackerClient;
  /** The organization as the journal names it (`org 1`, `cloud bpf...`): part of every source id. */
  orgLabel: string;
  /** `createdAt` bounds in milliseconds, half-open; defaults: 2000-01-01 and the start of the run. */
  fromMs?: number | undefined;
  toMs?: number | undefined;
  perPage?: number;
}

/** Tracker's cap: no page may reach past this many results. */
export const SEARCH_CAP = 10_000;
const DEFAULT_FROM = Date.UTC(2000, 0, 1);

export class TrackerSource implements LiveSource {
  readonly label: string;
  readonly inputName: string;
  readonly format = trackerApiFormat;
  private readonly users = new Map<string, TrackerUser | undefined>();
  /** Windows searched, for tests and the summary. */
  readonly windows: { fromMs: number; toMs: number; total: number }[] = [];

  constructor(private readonly options: TrackerSourceOptions) {
    this.label = `Tracker ${options.client.baseUrl} (${options.orgLabel})`;
    this.inputName = `tracker-${options.orgLabel.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
  }

  async check(): Promise<void> {
    // Any worklog search checks the URL, the token and the organization at once.
    await this.page(DEFAULT_FROM, DEFAULT_FROM + 1, 1);
  }

  async *records(): AsyncGenerator<RawRecord> {
    const perPage = this.options.perPage ?? 1000;
    const pending = [{ fromMs: this.options.fromMs ?? DEFAULT_FROM, toMs: this.options.toMs ?? Date.now() }];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const window = pending.shift()!;
      let answer = await this.page(window.fromMs, window.toMs, perPage);
      if (answer.total >= SEARCH_CAP) {
        if (window.toMs - window.fromMs <= 1) {
          throw new LiveSourceError(
            `${this.label}: more than ${SEARCH_CAP} worklogs were written in the millisecond ${formatTrackerTimestamp(window.fromMs)}; they cannot be read below Tracker's cap`,
          );
        }
        const middle = window.fromMs + Math.floor((window.toMs - window.fromMs) / 2);
        pending.unshift({ fromMs: window.fromMs, toMs: middle }, { fromMs: middle, toMs: window.toMs });
        continue;
      }
      this.windows.push({ ...window, total: answer.total });
      for (;;) {
        for (const worklog of answer.worklogs) {
          // Pages are computed afresh on each call: an entry may come twice, never twice out.
          if (seen.has(worklog.id)) continue;
          seen.add(worklog.id);
          const login = await this.login(worklog.createdBy.id);
          yield {
            kind: 'json',
            file: this.inputName,
            line: worklog.id,
            path: ['worklogs', worklog.id],
            value: { ...worklog, createdBy: { ...worklog.createdBy, login }, organization: this.options.orgLabel },
          };
        }
        if (answer.next === undefined) break;
        answer = await this.page(window.fromMs, window.toMs, perPage, answer.next);
      }
    }
  }

  /** One page of a window: `[fromMs, toMs)`, as Tracker's inclusive `to` one millisecond earlier. */
  private async page(
    fromMs: number,
    toMs: number,
    perPage: number,
    link?: string,
  ): Promise<{ worklogs: TrackerWorklog[]; total: number; next: string | undefined }> {
    const body = { createdAt: { from: formatTrackerTimestamp(fromMs), to: formatTrackerTimestamp(toMs - 1) } };
    const path = link ?? `/v3/worklog/_search?perPage=${perPage}&page=1`;
    const answer = await this.options.client.request<TrackerWorklog[]>('POST', path, { body, idempotent: true });
    const total = Number(answer.headers.get('x-total-count') ?? answer.body.length);
    return {
      worklogs: answer.body,
      total: Number.isFinite(total) ? total : answer.body.length,
      next: nextLinkOf(answer.headers.get('link')),
    };
  }

  private async login(uid: string): Promise<string | undefined> {
    if (!this.users.has(uid)) this.users.set(uid, await this.options.client.getUser(Number(uid)));
    return this.users.get(uid)?.login;
  }
}

/** A Tracker worklog as the API answers it, with its author's login added by the source. */
export const trackerApiFormat: SourceFormat = {
  name: 'tracker-api',
  fileKinds: [],
  detect: () => false,
  convert(record): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Tracker worklog');
    const worklog = record.value as unknown as TrackerWorklog & { createdBy: { login?: string }; organization?: string };
    if (typeof worklog.id !== 'number' || typeof worklog.start !== 'string' || typeof worklog.duration !== 'string')
      return refused('not a Tracker worklog');
    const start = parseTrackerTimestamp(worklog.start);
    if (!start.ok) return refused(`start: ${start.error}`);
    const createdAt = parseTrackerTimestamp(worklog.createdAt);
    if (!createdAt.ok) return refused(`createdAt: ${createdAt.error}`);
    const duration = parseBusinessDuration(worklog.duration);
    if (!duration.ok) return refused(`duration: ${duration.error}`);
    return accepted({
      sourceId: `tracker:${worklog.organization ?? ''}:${worklog.id}`,
      issueCandidate: worklog.issue?.key,
      description: worklog.comment ?? '',
      user: { login: worklog.createdBy.login, id: worklog.createdBy.id, name: worklog.createdBy.display },
      startMs: start.value,
      createdAtMs: createdAt.value,
      durationSeconds: duration.value,
      comment: worklog.comment,
      durationNote: 'Tracker durations (business calendar: 1D = 8H, 1W = 5D)',
    });
  },
};
