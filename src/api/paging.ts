import type { FastifyReply } from 'fastify';

/**
 * Headers of a list paged by number (notes §2.8): totals, and a `Link` to the next page, which is
 * all the official client follows (official-client-notes §4).
 */
export function setPageHeaders(reply: FastifyReply, url: string, page: { page: number; perPage: number }, total: number): void {
  const pages = Math.max(1, Math.ceil(total / page.perPage));
  reply.header('X-Total-Count', String(total));
  reply.header('X-Total-Pages', String(pages));
  if (page.page < pages) reply.header('Link', `<${url}?perPage=${page.perPage}&page=${page.page + 1}>; rel="next"`);
}

/** A `Link` to the page after a cursor, for lists paged by the last id seen. */
export function setCursorLink(reply: FastifyReply, url: string, perPage: number, afterId: number | undefined): void {
  if (afterId !== undefined) reply.header('Link', `<${url}?perPage=${perPage}&id=${afterId}>; rel="next"`);
}
