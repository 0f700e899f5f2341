import type { FastifyReply } from 'fastify';
import { malformed } from '../domain/errors.js';

/** Items per page when a request names none, in every list (docs/tracker-api.md, "Lists are paged"). */
export const DEFAULT_PAGE_SIZE = 50;
/** The most items a page may hold (`perPage`), as in Tracker. */
export const MAX_PAGE_SIZE = 1000;

/**
 * Tracker pages numbered lists only up to the 10,000th item, and its totals never count past it
 * (docs/tracker-api.md, "The 10,000 items cap").
 */
export const MAX_PAGED_ITEMS = 10_000;
export const ITEMS_LIMIT_MESSAGE = `Request exceeds ${MAX_PAGED_ITEMS} items limit`;

/** A numbered page that reaches past the cap is refused (400), as Tracker refuses it. */
export function checkPageWithinCap(page: { page: number; perPage: number }): void {
  if (page.page * page.perPage > MAX_PAGED_ITEMS) {
    throw malformed([ITEMS_LIMIT_MESSAGE], { page: `page ${page.page} of ${page.perPage} items ends past the ${MAX_PAGED_ITEMS}th item` });
  }
}

/**
 * Headers of a list paged by number (docs/tracker-api.md, "Lists are paged"): totals, and a `Link`
 * to the next page, which is all the official client follows (same file, §Official client, 4).
 * `keptQuery` carries the request's filters into the link (the client follows it as it is);
 * `perPage` and `page` are replaced. With `capped`, the totals stop at the cap and no page past it
 * is offered.
 */
export function setPageHeaders(
  reply: FastifyReply,
  url: string,
  page: { page: number; perPage: number },
  total: number,
  keptQuery = '',
  capped = false,
): void {
  const counted = capped ? Math.min(total, MAX_PAGED_ITEMS) : total;
  let pages = Math.max(1, Math.ceil(counted / page.perPage));
  // Only whole pages within the cap can be asked for (checkPageWithinCap).
  if (capped && pages * page.perPage > MAX_PAGED_ITEMS) pages = Math.max(1, Math.floor(MAX_PAGED_ITEMS / page.perPage));
  reply.header('X-Total-Count', String(counted));
  reply.header('X-Total-Pages', String(pages));
  const prefix = keptQuery === '' ? '' : `${keptQuery}&`;
  if (page.page < pages) reply.header('Link', nextPageLink(url, `${prefix}perPage=${page.perPage}&page=${page.page + 1}`));
}

/** A `Link` header's value naming the next page: `url` with `query` (already encoded). */
export const nextPageLink = (url: string, query: string): string => `<${url}?${query}>; rel="next"`;

/**
 * A `Link` to the page after a cursor, for lists paged by the last id seen (`id`), when there is
 * one. `keptQuery` carries the request's filters into the link; its `id` and `perPage` are replaced.
 */
export function setCursorLink(
  reply: FastifyReply,
  url: string,
  perPage: number,
  cursor: number | undefined,
  keptQuery: Readonly<Record<string, string | number | undefined>> = {},
): void {
  if (cursor === undefined) return;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(keptQuery)) if (value !== undefined && name !== 'id') query.set(name, String(value));
  query.set('perPage', String(perPage));
  query.set('id', String(cursor));
  reply.header('Link', nextPageLink(url, query.toString()));
}

/** A request's query string without the named parameters, still encoded, for `keptQuery`. */
export function queryWithout(requestUrl: string, names: readonly string[]): string {
  const questionMark = requestUrl.indexOf('?');
  if (questionMark < 0) return '';
  return requestUrl
    .slice(questionMark + 1)
    .split('&')
    .filter((part) => part !== '' && !names.includes(decodedName(part)))
    .join('&');
}

function decodedName(part: string): string {
  const name = part.split('=')[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    // A malformed escape is no parameter name we drop; the parameter stays as it came.
    return name;
  }
}
