import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromInteger } from '../durations.js';
import { parseLocalDateAndTime, parseSourceTimestamp } from '../time.js';
import { isObject, text } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Tempo worklogs as Tempo's REST API exports them (`GET /4/worklogs`, also v3): a `{results: [...]}`
 * page (or an array of pages or of worklogs). `startDate` and `startTime` are the worker's local
 * time without an offset, so --timezone is needed; v4 names the issue by its Jira id only
 * (map it with --issue-map), v3 by key too.
 */
export const tempoFormat: SourceFormat = {
  name: 'tempo',
  fileKinds: ['json', 'ndjson'],
  detect: (record) => record.kind === 'json' && isObject(record.value) && 'startDate' in record.value && 'timeSpentSeconds' in record.value,
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Tempo worklog object');
    const worklog = record.value;
    const id = text(worklog.tempoWorklogId) ?? text(worklog.jiraWorklogId);
    if (id === undefined) return refused('the worklog has no tempoWorklogId');
    const date = text(worklog.startDate);
    if (date === undefined) return refused('startDate is missing');
    const start = parseLocalDateAndTime(date, text(worklog.startTime) ?? '00:00:00', settings.zone, 'YMD');
    if (!start.ok) return refused(`startDate/startTime: ${start.error}`);
    const duration = secondsFromInteger(worklog.timeSpentSeconds);
    if (!duration.ok) return refused(`timeSpentSeconds: ${duration.error}`);
    let createdAtMs: number | undefined;
    const createdText = text(worklog.createdAt) ?? text(worklog.dateCreated);
    if (createdText !== undefined) {
      const created = parseSourceTimestamp(createdText, settings.zone);
      if (!created.ok) return refused(`createdAt: ${created.error}`);
      createdAtMs = created.value;
    }
    const issue = isObject(worklog.issue) ? worklog.issue : {};
    const author = isObject(worklog.author) ? worklog.author : {};
    const description = text(worklog.description);
    return accepted({
      sourceId: `tempo:${id}`,
      issueCandidate: text(issue.key) ?? text(issue.id),
      description: description ?? '',
      user: { id: text(author.accountId), name: text(author.displayName) },
      startMs: start.value,
      createdAtMs,
      durationSeconds: duration.value.seconds,
      comment: description,
      durationNote: 'timeSpentSeconds (exact)',
    });
  },
};
