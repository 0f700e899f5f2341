import { type FieldRefusal, type Result, accepted, checkFields, refused, ruleResult } from './result.js';

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

/** Why a search was refused: a mix of selections is malformed, what Timeport does not support invalid. */
export interface IssueSearchRefusal extends FieldRefusal {
  kind: 'malformed' | 'invalid';
}

export const MIXED_SEARCH_MESSAGE = 'You can only use keys, a queue, or a search query.';

export function chooseIssueSearch<QueueRef>(body: IssueSearchBody<QueueRef>): Result<IssueSelection<QueueRef>, IssueSearchRefusal> {
  const unsupported = (given: unknown, message: string) => ruleResult(given == null ? undefined : message);
  const supported = checkFields({
    query: unsupported(body.query, 'the query language is not supported by Timeport: select by keys, queue or filter.queue'),
    filterId: unsupported(body.filterId, 'saved filters are not supported by Timeport: select by keys, queue or filter.queue'),
    order: unsupported(
      body.order,
      'ordering is not supported by Timeport: issues come in the order of the keys, or by number within a queue',
    ),
  });
  if (!supported.ok) return refused({ kind: 'invalid', ...supported.error });
  const given = (['keys', 'queue', 'filter'] as const).filter((name) => body[name] != null);
  if (given.length > 1) return refused({ kind: 'malformed', messages: [MIXED_SEARCH_MESSAGE], fieldErrors: {} });
  if (body.keys != null) return accepted({ by: 'keys', keys: typeof body.keys === 'string' ? [body.keys] : body.keys });
  if (body.queue != null) return accepted({ by: 'queue', queue: body.queue, field: 'queue' });
  if (body.filter != null) return accepted({ by: 'queue', queue: body.filter.queue, field: 'filter' });
  return accepted({ by: 'all' });
}
