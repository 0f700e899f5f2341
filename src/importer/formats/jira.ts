import { type Result, accepted, refused } from '../../domain/result.js';
import { secondsFromInteger, secondsFromJiraPretty } from '../durations.js';
import type { RawRecord } from '../readers.js';
import { parseSourceTimestamp } from '../time.js';
import { isObject, text } from './common.js';
import type { SourceEntry, SourceFormat } from './types.js';

/**
 * Jira worklogs as its REST API returns them (`GET /rest/api/{2,3}/issue/<key>/worklog`, or
 * `POST /rest/api/3/worklog/list`): a `{worklogs: [...]}` page, an array of such pages, an object
 * of pages keyed by issue key, or a plain array of worklogs. Jira's worklogs name their issue only
 * by `issueId`; the key comes from the surrounding object (`{"MIG-1": {...}}`, or `key`/`issueKey`
 * beside `worklogs`), or from --issue-map.
 */
export const jiraFormat: SourceFormat = {
  name: 'jira',
  fileKinds: ['json', 'ndjson'],
  detect: (record) => {
    if (record.kind !== 'json' || !isObject(record.value)) return false;
    const value = record.value;
    if (Array.isArray(value.worklogs)) return value.worklogs.length === 0 || isJiraWorklog(value.worklogs[0]);
    return isJiraWorklog(value);
  },
  expand(record): RawRecord[] {
    if (record.kind !== 'json' || !isObject(record.value) || !Array.isArray(record.value.worklogs)) return [record];
    const wrapper = record.value;
    const key =
      text(wrapper.key) ??
      text(wrapper.issueKey) ??
      (typeof record.path[0] === 'string' && record.path[0] !== 'worklogs' ? record.path[0] : undefined);
    return (wrapper.worklogs as unknown[]).map((worklog, index) => ({
      ...record,
      line: record.line * 100_000 + index,
      value: worklog,
      path: [key ?? '', 'worklogs', index],
    }));
  },
  convert(record, settings): Result<SourceEntry> {
    if (record.kind !== 'json' || !isObject(record.value)) return refused('not a Jira worklog object');
    const worklog = record.value;
    const id = text(worklog.id);
    if (id === undefined) return refused('the worklog has no id');
    const startedText = text(worklog.started);
    if (startedText === undefined) return refused('started is missing');
    const started = parseSourceTimestamp(startedText, settings.zone);
    if (!started.ok) return refused(`started: ${started.error}`);
    let durationNote = 'timeSpentSeconds (exact)';
    let duration = worklog.timeSpentSeconds === undefined ? undefined : secondsFromInteger(worklog.timeSpentSeconds);
    if (duration === undefined) {
      const pretty = text(worklog.timeSpent);
      if (pretty === undefined) return refused('neither timeSpentSeconds nor timeSpent is given');
      duration = secondsFromJiraPretty(pretty, settings.durations);
      durationNote = `timeSpent with 1d = ${settings.durations.hoursPerDay} h, 1w = ${settings.durations.daysPerWeek} d (--source-hours-per-day, --source-days-per-week)`;
    }
    if (!duration.ok) return refused(`timeSpentSeconds: ${duration.error}`);
    let createdAtMs: number | undefined;
    const createdText = text(worklog.created);
    if (createdText !== undefined) {
      const created = parseSourceTimestamp(createdText, settings.zone);
      if (!created.ok) return refused(`created: ${created.error}`);
      createdAtMs = created.value;
    }
    const author = isObject(worklog.author) ? worklog.author : {};
    const keyFromPath =
      typeof record.path[0] === 'string' && record.path[0] !== '' && record.path[0] !== 'worklogs' ? record.path[0] : undefined;
    const comment = commentText(worklog.comment);
    return accepted({
      sourceId: `jira:${id}`,
      issueCandidate: keyFromPath ?? text(worklog.issueKey) ?? text(worklog.issueId),
      description: comment ?? '',
      user: {
        id: text(author.accountId) ?? text(author.key),
        email: text(author.emailAddress),
        name: text(author.displayName),
        login: text(author.name),
      },
      startMs: started.value,
      createdAtMs,
      durationSeconds: duration.value.seconds,
      comment,
      durationNote,
    });
  },
};

const isJiraWorklog = (value: unknown): boolean =>
  isObject(value) && 'started' in value && ('timeSpentSeconds' in value || 'timeSpent' in value);

/** Comments are plain text in API v2 and Atlassian Document Format in v3. */
export function commentText(comment: unknown): string | undefined {
  if (typeof comment === 'string') return comment === '' ? undefined : comment;
  if (!isObject(comment)) return undefined;
  const blocks: string[] = [];
  const walk = (node: unknown, into: string[]): void => {
    if (!isObject(node)) return;
    if (node.type === 'text' && typeof node.text === 'string') into.push(node.text);
    else if (node.type === 'hardBreak') into.push('\n');
    if (Array.isArray(node.content)) {
      for (const child of node.content) {
        if (isObject(child) && ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote'].includes(String(child.type))) {
          const inner: string[] = [];
          walk(child, inner);
          blocks.push(inner.join(''));
        } else walk(child, into);
      }
    }
  };
  const loose: string[] = [];
  walk(comment, loose);
  const textValue = [...blocks, ...(loose.length > 0 ? [loose.join('')] : [])].join('\n').trim();
  return textValue === '' ? undefined : textValue;
}
