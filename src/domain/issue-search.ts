import type { FieldErrors } from './worklog-rules.js';

/**
 * How `POST /v3/issues/_search` selects issues (docs/tracker-api.md, "Scroll" and §Errors).
 * Timeport selects by a list of keys or by a queue (`queue`, or `filter: {queue}`); with neither,
 * every issue of the organization. Tracker refuses a mix as malformed. The official client sends every
 * criterion it knows, the unused ones as `null` (`{"filter": null, "filterId": null, "query": null,
 * ...}`), so `null` means "not given". The query language, saved filters and ordering are not
 * supported; asking for them is refused as invalid rather than ignored.
 */
export interface IssueSearchBody<QueueRef> {
  keys?: string | string[] | null | undefined;
  queue?: QueueRef | null | undefined;
  filter?: { queue: QueueRef } | null | undefined;
  query?: string | null | undefined;
  filterId?: string | number | null | undefined;
  order?: string[] | null | undefined;
}

export type IssueSelection<QueueRef> =
  { by: 'keys'; keys: string[] } | { by: 'queue'; queue: QueueRef; field: 'queue' | 'filter' } | { by: 'all' };

export type ChosenIssueSearch<QueueRef> =
  { ok: true; value: IssueSelection<QueueRef> } | { ok: false; kind: 'malformed' | 'invalid'; messages: string[]; errors: FieldErrors };

export const MIXED_SEARCH_MESSAGE = 'You can only use keys, a queue, or a search query.';

export function chooseIssueSearch<QueueRef>(body: IssueSearchBody<QueueRef>): ChosenIssueSearch<QueueRef> {
  const unsupported: FieldErrors = {};
  if (body.query != null) unsupported.query = 'the query language is not supported by Timeport: select by keys, queue or filter.queue';
  if (body.filterId != null) unsupported.filterId = 'saved filters are not supported by Timeport: select by keys, queue or filter.queue';
  if (body.order != null)
    unsupported.order = 'ordering is not supported by Timeport: issues come in the order of the keys, or by number within a queue';
  if (Object.keys(unsupported).length > 0) {
    return { ok: false, kind: 'invalid', messages: ['The request has invalid fields.'], errors: unsupported };
  }
  const given = (['keys', 'queue', 'filter'] as const).filter((name) => body[name] != null);
  if (given.length > 1) return { ok: false, kind: 'malformed', messages: [MIXED_SEARCH_MESSAGE], errors: {} };
  if (body.keys != null) return { ok: true, value: { by: 'keys', keys: typeof body.keys === 'string' ? [body.keys] : body.keys } };
  if (body.queue != null) return { ok: true, value: { by: 'queue', queue: body.queue, field: 'queue' } };
  if (body.filter != null) return { ok: true, value: { by: 'queue', queue: body.filter.queue, field: 'filter' } };
  return { ok: true, value: { by: 'all' } };
}
