import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromClock, secondsFromDecimalHours } from '../durations.js';
import { parseLocalDateAndTime } from '../time.js';
import { checkAgainstSpan, columnsOf, contentId, hasColumns, optional, required } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Clockify's detailed report CSV: `Project, Client, Description, Task, User, Group, Email, Tags,
 * Billable, Start Date, Start Time, End Date, End Time, Duration (h), Duration (decimal), ...`.
 * `Duration (decimal)` is rounded to 0.01 h (36 s), so it is never the duration: end minus start
 * is, to the second, and both duration columns only check it (1:41:00 is 6060 s, whatever 1.68 h
 * would give). Dates follow the workspace's format: the order of slashed dates is settled
 * for the whole file (settleDateOrder in ../source.ts).
 */
export const clockifyFormat: SourceFormat = {
  name: 'clockify',
  fileKinds: ['csv'],
  dateColumns: ['Start Date', 'End Date'],
  detect: (record) =>
    hasColumns(record, ['Start Date', 'Start Time', 'End Date', 'End Time']) &&
    (hasColumns(record, ['Duration (h)']) || hasColumns(record, ['Duration (decimal)'])),
  convert(record, settings): Result<SourceEntry> {
    const columns = columnsOf(record);
    const parts = ['Start Date', 'Start Time', 'End Date', 'End Time'].map((name) => required(columns, name));
    for (const part of parts) if (!part.ok) return part;
    const [startDate, startTime, endDate, endTime] = parts.map((part) => (part.ok ? part.value : ''));
    const start = parseLocalDateAndTime(startDate!, startTime!, settings.zone, settings.dateOrder);
    if (!start.ok) return refused(`start: ${start.error}`);
    const end = parseLocalDateAndTime(endDate!, endTime!, settings.zone, settings.dateOrder);
    if (!end.ok) return refused(`end: ${end.error}`);
    const span = Math.round((end.value - start.value) / 1000);
    const clock = optional(columns, 'Duration (h)');
    if (clock !== undefined) {
      const fromClock = secondsFromClock(clock);
      if (!fromClock.ok) return refused(`Duration (h): ${fromClock.error}`);
      const checked = checkAgainstSpan(span, fromClock.value.seconds, 1, 'Duration (h)');
      if (!checked.ok) return checked;
    }
    const decimal = optional(columns, 'Duration (decimal)');
    if (decimal !== undefined) {
      // Only a check: rounding allowed for reading, the value itself is not used.
      const fromDecimal = secondsFromDecimalHours(decimal, { ...settings.durations, roundToSecond: true });
      if (!fromDecimal.ok) return refused(`Duration (decimal): ${fromDecimal.error}`);
      const checked = checkAgainstSpan(span, fromDecimal.value.seconds, 18, 'Duration (decimal)');
      if (!checked.ok) return checked;
    }
    if (span <= 0) return refused('the end is not after the start');
    const description = optional(columns, 'Description');
    const id = optional(columns, 'ID') ?? optional(columns, 'Id');
    return accepted({
      sourceId: id === undefined ? contentId('clockify', record) : `clockify:${id}`,
      description: description ?? '',
      user: { name: optional(columns, 'User'), email: optional(columns, 'Email') },
      startMs: start.value,
      durationSeconds: span,
      comment: description,
      durationNote: 'end minus start, to the second (Duration (decimal) only checked: it is rounded to 0.01 h)',
    });
  },
};
