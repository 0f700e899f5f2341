import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem } from '../../../domain/errors.js';
import { accepted, allChecks, checkFields, refused } from '../../../domain/result.js';
import { readingQuery } from '../../plugins/errors.js';
import { type GroupDimension, type ReportTimeBasis, csvLines, parseGroupBy, parsePeriod, splitList } from '../../../domain/report.js';
import { formatTrackerTimestamp } from '../../../domain/timestamp.js';
import { ZoneClock, parseTimeZone } from '../../../domain/time-zone.js';
import { type Report, timeSpentReport } from '../../../service/reports.js';
import type { RouteOptions } from '../options.js';
import { ERROR_ANSWERS } from '../../schemas/errors.js';
import { TimeSpentReportObject } from '../../schemas/timeport.js';

const Text = (description: string, maxLength = 256) => Type.String({ minLength: 1, maxLength, description });
/** A list parameter: repeated (`user=a&user=b`) or comma-separated (`user=a,b`). */
const List = (description: string) =>
  Type.Union([Text(description, 4096), Type.Array(Text(description, 4096), { maxItems: 200 })], { description });

export const TimeSpentQuery = Type.Object({
  from: Text('the first day (YYYY-MM-DD, in tz) or instant (a Tracker date-time) of the period, included', 40),
  to: Text('the last day (YYYY-MM-DD, in tz, included) or instant (a Tracker date-time, excluded) of the period', 40),
  tz: Type.Optional(Text('an IANA time zone that days, weeks and months are cut in, such as Europe/Moscow; UTC by default', 64)),
  by: Type.Optional(
    Type.Enum(['start', 'createdAt'], { description: 'start (when the work was done, the default) or createdAt (when it was logged)' }),
  ),
  groupBy: Type.Optional(List('any of user, issue, queue and one of day, week, month; comma-separated or repeated')),
  user: Type.Optional(List('only these users: logins or uids')),
  issue: Type.Optional(List('only these issues: keys or ids')),
  queue: Type.Optional(List('only these queues: keys or ids')),
  format: Type.Optional(Type.Enum(['json', 'csv'], { description: 'json (the default) or csv' })),
});

/**
 * Timeport extension: `GET /timeport/v1/reports/time-spent`, the time spent in the caller's
 * organization per user, issue, queue and local day, week or month. Readable by every member.
 */
const reportRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app) => {
  const response = {
    200: {
      description: 'The report: JSON, or a CSV file with format=csv',
      content: {
        'application/json': { schema: TimeSpentReportObject },
        'text/csv': { schema: Type.String({ description: 'one line per row, after a header line of column names' }) },
      },
    },
    ...ERROR_ANSWERS,
  };
  app.get('/reports/time-spent', { schema: { querystring: TimeSpentQuery, response } }, async (request, reply) => {
    const query = request.query;
    const zone = parseTimeZone(query.tz ?? 'UTC');
    const zoneClock = zone.ok ? accepted(new ZoneClock(zone.value)) : zone;
    const checked = allChecks(
      checkFields({
        tz: zoneClock,
        groupBy: parseGroupBy(query.groupBy),
        user: splitList(query.user),
        issue: splitList(query.issue),
        queue: splitList(query.queue),
      }),
      // Without a zone the period is not read: the zone's message says what is wrong.
      zoneClock.ok ? parsePeriod(query.from, query.to, zoneClock.value) : refused({ fieldErrors: {} }),
    );
    if (!checked.ok) throw new Problem('malformed', ['Invalid query parameters.'], checked.error.fieldErrors);
    const [{ tz: clock, groupBy, user, issue, queue }, period] = checked.value;
    const by: ReportTimeBasis = query.by ?? 'start';
    const report = await readingQuery(
      timeSpentReport(request.services, request.caller, {
        period,
        clock,
        by,
        groupBy,
        users: user,
        issues: issue,
        queues: queue,
      }),
    );
    const from = formatTrackerTimestamp(period.from);
    const to = formatTrackerTimestamp(period.to);
    if (query.format === 'csv') {
      const name = `time-spent_${query.from}_${query.to}.csv`.replace(/[^A-Za-z0-9._-]/g, '-');
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="${name}"`)
        .send(reportCsv(report, groupBy));
    }
    return { from, to, tz: clock.zone, by, groupBy, total: report.total, rows: report.rows };
  });
};

/** Columns per grouping: identifiers first, then the names people read. */
const CSV_COLUMNS: Record<GroupDimension, string[]> = {
  user: ['user_login', 'user_display'],
  issue: ['issue_key', 'issue_summary'],
  queue: ['queue_key', 'queue_name'],
  day: ['day'],
  week: ['week'],
  month: ['month'],
};

export function reportCsv(report: Report, groupBy: readonly GroupDimension[]): string {
  const header = [...groupBy.flatMap((dimension) => CSV_COLUMNS[dimension]), 'duration', 'seconds', 'hours', 'count'];
  const lines = report.rows.map((row) => [
    ...groupBy.flatMap((dimension): (string | number)[] => {
      if (dimension === 'user') return [row.user!.login, row.user!.display];
      if (dimension === 'issue') return [row.issue!.key, row.issue!.display];
      if (dimension === 'queue') return [row.queue!.key, row.queue!.display];
      return [row[dimension]!];
    }),
    row.duration,
    row.seconds,
    // Hours with two decimals: what a spreadsheet sums; seconds stay exact beside them.
    (row.seconds / 3600).toFixed(2),
    row.count,
  ]);
  return csvLines([header, ...lines]);
}

export default reportRoutes;
