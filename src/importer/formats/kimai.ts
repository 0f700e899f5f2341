import { type Result, accepted, refused } from '../../domain/result.js';
import { type SecondsValue, secondsFromClock, secondsFromInteger } from '../durations.js';
import { parseLocalDateAndTime, parseSourceDate } from '../time.js';
import { checkAgainstSpan, columnsOf, contentId, hasColumns, optional, required } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Kimai's timesheet CSV export: `Date, From, To, Duration, Rate, User, Customer, Project,
 * Activity, Description, ...`. From and To are local wall-clock times (--timezone) to the minute;
 * a To earlier than From is on the next day (the entry crossed midnight, kimai #2086). Duration is
 * seconds or h:mm[:ss]; it is checked against To minus From, within that minute.
 */
export const kimaiFormat: SourceFormat = {
  name: 'kimai',
  fileKinds: ['csv'],
  dateColumns: ['Date'],
  detect: (record) => hasColumns(record, ['Date', 'From', 'To', 'Duration']),
  convert(record, settings): Result<SourceEntry> {
    const columns = columnsOf(record);
    const date = required(columns, 'Date');
    const from = required(columns, 'From');
    const to = required(columns, 'To');
    for (const value of [date, from, to]) if (!value.ok) return value;
    const day = date.ok ? date.value : '';
    const start = parseLocalDateAndTime(day, from.ok ? from.value : '', settings.zone, settings.dateOrder);
    if (!start.ok) return refused(`From: ${start.error}`);
    let end = parseLocalDateAndTime(day, to.ok ? to.value : '', settings.zone, settings.dateOrder);
    if (end.ok && end.value <= start.value) {
      const parsedDay = parseSourceDate(day, settings.dateOrder);
      if (parsedDay.ok) {
        const next = new Date(Date.UTC(parsedDay.value.year, parsedDay.value.month - 1, parsedDay.value.day + 1))
          .toISOString()
          .slice(0, 10);
        end = parseLocalDateAndTime(next, to.ok ? to.value : '', settings.zone, 'YMD');
      }
    }
    if (!end.ok) return refused(`To: ${end.error}`);
    const span = Math.round((end.value - start.value) / 1000);
    const durationText = optional(columns, 'Duration');
    let seconds = span;
    if (durationText !== undefined) {
      const fromColumn: Result<SecondsValue> = /^\d+$/.test(durationText)
        ? secondsFromInteger(durationText)
        : secondsFromClock(durationText);
      if (!fromColumn.ok) return refused(`Duration: ${fromColumn.error}`);
      const checked = checkAgainstSpan(span, fromColumn.value.seconds, 59, 'Duration');
      if (!checked.ok) return checked;
      // Whole seconds in the column are finer than From/To's minutes.
      if (/^\d+$/.test(durationText)) seconds = fromColumn.value.seconds;
    }
    if (seconds <= 0) return refused('the end is not after the start');
    const description = optional(columns, 'Description');
    const id = optional(columns, 'ID') ?? optional(columns, 'Id');
    return accepted({
      sourceId: id === undefined ? contentId('kimai', record) : `kimai:${id}`,
      description: description ?? '',
      user: {
        name: optional(columns, 'User'),
        login: optional(columns, 'Username'),
        email: optional(columns, 'E-mail') ?? optional(columns, 'Email'),
      },
      startMs: start.value,
      durationSeconds: seconds,
      comment: description,
      durationNote: 'Duration in seconds or To minus From (crossing midnight onto the next day)',
    });
  },
};
