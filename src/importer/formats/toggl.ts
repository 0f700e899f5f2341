import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromClock } from '../durations.js';
import { parseLocalDateAndTime } from '../time.js';
import { checkAgainstSpan, columnsOf, contentId, hasColumns, optional, required } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Toggl Track's detailed report CSV: `User, Email, Client, Project, Task, Description, Billable,
 * Start date, Start time, End date, End time, Duration, Tags, ...`. Times are the exporting user's
 * local time without an offset (--timezone). The duration is end minus start, to the second,
 * checked against the `Duration` column (h:mm:ss). Toggl has no issue keys: map them with
 * --issue-column, --issue-regex or --issue-map.
 */
export const togglFormat: SourceFormat = {
  name: 'toggl',
  fileKinds: ['csv'],
  dateColumns: ['Start date', 'End date'],
  detect: (record) => hasColumns(record, ['Description', 'Start date', 'Start time', 'End date', 'End time', 'Duration']),
  convert(record, settings): Result<SourceEntry> {
    const columns = columnsOf(record);
    const startDate = required(columns, 'Start date');
    const startTime = required(columns, 'Start time');
    const endDate = required(columns, 'End date');
    const endTime = required(columns, 'End time');
    for (const value of [startDate, startTime, endDate, endTime]) if (!value.ok) return value;
    const start = parseLocalDateAndTime(
      startDate.ok ? startDate.value : '',
      startTime.ok ? startTime.value : '',
      settings.zone,
      settings.dateOrder,
    );
    if (!start.ok) return refused(`start: ${start.error}`);
    const end = parseLocalDateAndTime(endDate.ok ? endDate.value : '', endTime.ok ? endTime.value : '', settings.zone, settings.dateOrder);
    if (!end.ok) return refused(`end: ${end.error}`);
    const durationText = optional(columns, 'Duration');
    let columnSeconds: number | undefined;
    if (durationText !== undefined) {
      const fromColumn = secondsFromClock(durationText);
      if (!fromColumn.ok) return refused(`Duration: ${fromColumn.error}`);
      columnSeconds = fromColumn.value.seconds;
    }
    const seconds = checkAgainstSpan(Math.round((end.value - start.value) / 1000), columnSeconds, 1, 'Duration');
    if (!seconds.ok) return seconds;
    const description = optional(columns, 'Description');
    const id = optional(columns, 'Id') ?? optional(columns, 'Time entry ID');
    return accepted({
      sourceId: id === undefined ? contentId('toggl', record) : `toggl:${id}`,
      description: description ?? '',
      user: { name: optional(columns, 'User') ?? optional(columns, 'Member'), email: optional(columns, 'Email') },
      startMs: start.value,
      durationSeconds: seconds.value,
      comment: description,
      durationNote: 'end minus start, to the second (checked against Duration h:mm:ss)',
    });
  },
};
