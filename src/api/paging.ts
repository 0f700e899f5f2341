import type { FastifyReply } from 'fastify';

/**
 * Headers of a list paged by number (notes §2.8): totals, and a `Link` to the next page, which is
 * all the official client follows (official-client-notes §4). `keptQuery` carries the request's
 * filters into the link (the client follows it as it is); `perPage` and `page` are replaced.
 */
export function setPageHeaders(
  reply: FastifyReply,
  url: string,
  page: { page: number; perPage: number },
  total: number,
  keptQuery = '',
): void {
  const pages = Math.max(1, Math.ceil(total / page.perPage));
  reply.header('X-Total-Count', String(total));
  reply.header('X-Total-Pages', String(pages));
  const prefix = keptQuery === '' ? '' : `${keptQuery}&`;
  if (page.page < pages) reply.header('Link', `<${url}?${prefix}perPage=${page.perPage}&page=${page.page + 1}>; rel="next"`);
}

/** A `Link` to the page after a cursor, for lists paged by the last id seen. */
export function setCursorLink(reply: FastifyReply, url: string, perPage: number, afterId: number | undefined): void {
  if (afterId !== undefined) reply.header('Link', `<${url}?perPage=${perPage}&id=${afterId}>; rel="next"`);
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
