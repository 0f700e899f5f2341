import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../paging.js';

/** Schema pieces shared by several routes. Bodies reject unknown fields (additionalProperties). */
export const Strict = { additionalProperties: false } as const;

export const UserReference = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Integer({ minimum: 1 }),
    Type.Object({ id: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })]) }, Strict),
    Type.Object({ login: Type.String({ minLength: 1 }) }, Strict),
  ],
  { description: 'a login (string), a user id (number), or an object {"id": ...} or {"login": ...}' },
);

export const CatalogueReference = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Integer({ minimum: 1 }),
    Type.Object({ id: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })]) }, Strict),
    Type.Object({ key: Type.String({ minLength: 1 }) }, Strict),
  ],
  { description: 'a key (string), an id (number), or an object {"key": ...} or {"id": ...}' },
);

export const QueueReference = CatalogueReference;

/** A Tracker date-time; its format is checked by the domain, which explains what is wrong. */
export const Timestamp = Type.String({ description: 'a date-time string such as 2025-02-18T16:35:41.740+0000' });

/** An ISO 8601 duration; its grammar is checked by the domain. */
export const Duration = Type.String({ description: 'an ISO 8601 duration string such as PT1H30M' });

export const IssueRefParams = Type.Object({ issue: Type.String({ minLength: 1, maxLength: 64 }) });

/** `perPage`: items per page, DEFAULT_PAGE_SIZE when not given (docs/tracker-api.md, "Lists are paged"). */
export const PerPage = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE }));
/** `page`: the page number, 1 when not given; bounded so that the row offset stays a valid SQL integer (a larger page answered 500). */
export const PageNumber = Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }));

/** `perPage`/`page` for the lists Tracker pages by number (docs/tracker-api.md, "Lists are paged"). */
export const PageQuery = Type.Object({
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1, default: 1 })),
});

/**
 * A `preValidation` hook for searches: a request with no body at all (the official client posts
 * without data when it has no criteria) searches without filters, as one with `{}` does.
 */
export async function emptyBodyIsNoFilter(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
