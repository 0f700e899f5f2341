import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromDecimalHours } from '../durations.js';
import { parseLocalDateAndTime, parseSourceTimestamp } from '../time.js';
import { columnsOf, contentId, hasColumns, optional, required } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Redmine's time-entry CSV export (Spent time → CSV): `Project, Date, User, Activity, Issue,
 * Comment, Hours` and optionally `Created`, `Author`. Hours are decimal, read exactly. Redmine
 * keeps a date without a time, so the entry starts at midnight of that date in --timezone: it stays
 * on its day. The `Issue` column (`Task #42: Title`) gives the number 42, to map with --issue-map.
 */
export const redmineFormat: SourceFormat = {
  name: 'redmine',
  fileKinds: ['csv'],
  dateColumns: ['Date', 'Created'],
  detect: (record) => hasColumns(record, ['Date', 'Hours']) && (hasColumns(record, ['Activity']) || hasColumns(record, ['Issue'])),
  convert(record, settings): Result<SourceEntry> {
    const columns = columnsOf(record);
    const date = required(columns, 'Date');
    if (!date.ok) return date;
    const start = parseLocalDateAndTime(date.value, '00:00', settings.zone, settings.dateOrder);
    if (!start.ok) return refused(`Date: ${start.error}`);
    const hours = required(columns, 'Hours');
    if (!hours.ok) return hours;
    const duration = secondsFromDecimalHours(hours.value, settings.durations);
    if (!duration.ok) return refused(`Hours: ${duration.error}`);
    let createdAtMs: number | undefined;
    const created = optional(columns, 'Created');
    if (created !== undefined) {
      const asTimestamp = parseSourceTimestamp(created, settings.zone);
      const split = /^(\S+)\s+(.+)$/.exec(created);
      const value =
        asTimestamp.ok || split === null ? asTimestamp : parseLocalDateAndTime(split[1]!, split[2]!, settings.zone, settings.dateOrder);
      if (!value.ok) return refused(`Created: ${value.error}`);
      createdAtMs = value.value;
    }
    const issue = optional(columns, 'Issue');
    const comment = optional(columns, 'Comment');
    return accepted({
      sourceId: contentId('redmine', record),
      issueCandidate: issue === undefined ? undefined : (/#(\d+)/.exec(issue)?.[1] ?? issue),
      description: comment ?? '',
      user: { name: optional(columns, 'User'), login: optional(columns, 'Login') },
      startMs: start.value,
      createdAtMs,
      durationSeconds: duration.value.seconds,
      roundedFrom: duration.value.roundedFrom,
      comment,
      durationNote: 'decimal Hours, converted exactly',
    });
  },
};
