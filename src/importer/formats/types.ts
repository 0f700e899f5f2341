import type { Result } from '../../domain/result.js';
import type { DurationSettings } from '../durations.js';
import type { FileKind, RawRecord } from '../readers.js';
import type { DateOrder } from '../time.js';

/** File formats, then the formats of live sources' records (never detected from a file). */
export type FormatName =
  | 'native'
  | 'jira'
  | 'tempo'
  | 'toggl'
  | 'clockify'
  | 'redmine'
  | 'kimai'
  | 'redmine-api'
  | 'tracker-api'
  | 'toggl-api'
  | 'clockify-api'
  | 'kimai-api';

/** How the source names the person who did the work; the user map turns it into a Tracker login. */
export interface SourceUser {
  login?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
  id?: string | undefined;
}

/** A source record converted to exact values, before users and issues are mapped. */
export interface SourceEntry {
  /** Stable across runs and files: the source system's id, or a hash of the record. */
  sourceId: string;
  /** The issue as the source names it (a key, a Jira issue id, a Redmine number), if it does. */
  issueCandidate?: string | undefined;
  /** Text an `--issue-regex` is applied to: the description or comment. */
  description: string;
  user: SourceUser;
  startMs: number;
  /** When the entry was written, where the source knows it. */
  createdAtMs?: number | undefined;
  durationSeconds: number;
  comment?: string | undefined;
  /** Set when a duration had to be rounded (only with --round-to-second). */
  roundedFrom?: string | undefined;
  /** How the duration was obtained, for the preflight's conversion table. */
  durationNote: string;
}

export interface ConvertSettings {
  /** IANA zone for timestamps without an offset; undefined refuses them. */
  zone?: string | undefined;
  dateOrder?: DateOrder | undefined;
  durations: DurationSettings;
}

export interface SourceFormat {
  name: FormatName;
  fileKinds: readonly FileKind[];
  /** Whether a record (the first of a file) looks like this format. */
  detect(record: RawRecord): boolean;
  /** Splits container records (a Jira worklog list wrapped with its issue) into records; default: itself. */
  expand?(record: RawRecord): RawRecord[];
  /** CSV columns holding local dates, which may be slashed (`03/22/2024`): their order is settled per input. */
  dateColumns?: readonly string[];
  convert(record: RawRecord, settings: ConvertSettings): Result<SourceEntry>;
}
