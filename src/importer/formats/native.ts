import { parseBusinessDuration } from '../../domain/duration.js';
import { type Result, accepted, refused } from '../../domain/result.js';
import { parseSourceTimestamp } from '../time.js';
import { columnsOf, contentId, hasColumns, isObject, text } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

const FIELDS = ['issue', 'createdBy', 'createdAt', 'start', 'duration', 'comment', 'externalId'] as const;

/**
 * Timeport/Tracker-native entries: the single import's body plus `issue` and `externalId`, in CSV,
 * NDJSON or a JSON array. Durations are Tracker's ISO 8601 on the business calendar; `createdBy`
 * is a Tracker login (or a source user the user map knows).
 */
export const nativeFormat: SourceFormat = {
  name: 'native',
  fileKinds: ['csv', 'ndjson', 'json'],
  detect: (record) =>
    record.kind === 'csv'
      ? hasColumns(record, ['issue', 'createdBy', 'start', 'duration'])
      : record.kind === 'json' &&
        isObject(record.value) &&
        'issue' in record.value &&
        'duration' in record.value &&
        'start' in record.value,
  convert(record, settings): Result<SourceEntry> {
    let fields: Partial<Record<(typeof FIELDS)[number], string>>;
    if (record.kind === 'csv') {
      const columns = columnsOf(record);
      fields = Object.fromEntries(FIELDS.map((name) => [name, columns.get(name.toLowerCase())?.trim() || undefined]));
    } else if (record.kind === 'json' && isObject(record.value)) {
      const value = record.value;
      fields = Object.fromEntries(FIELDS.map((name) => [name, text(value[name])]));
      const unknown = Object.keys(value).filter((key) => !(FIELDS as readonly string[]).includes(key));
      if (unknown.length > 0) return refused(`unknown field ${unknown.map((key) => JSON.stringify(key)).join(', ')}`);
    } else return refused('not an entry object');
    for (const name of ['issue', 'createdBy', 'start', 'duration'] as const)
      if (fields[name] === undefined) return refused(`${name} is missing`);
    const duration = parseBusinessDuration(fields.duration!);
    if (!duration.ok) return refused(`duration: ${duration.error}`);
    const start = parseSourceTimestamp(fields.start!, settings.zone);
    if (!start.ok) return refused(`start: ${start.error}`);
    let createdAtMs: number | undefined;
    if (fields.createdAt !== undefined) {
      const createdAt = parseSourceTimestamp(fields.createdAt, settings.zone);
      if (!createdAt.ok) return refused(`createdAt: ${createdAt.error}`);
      createdAtMs = createdAt.value;
    }
    return accepted({
      sourceId: fields.externalId ?? contentId('native', record),
      issueCandidate: fields.issue,
      description: fields.comment ?? '',
      user: { login: fields.createdBy },
      startMs: start.value,
      createdAtMs,
      durationSeconds: duration.value,
      comment: fields.comment,
      durationNote: 'ISO 8601 duration (business calendar, 1D = 8H)',
    });
  },
};
