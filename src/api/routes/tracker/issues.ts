import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import { malformed, refusalProblem } from '../../../domain/errors.js';
import { type Result, checkFields, refused, ruleResult } from '../../../domain/result.js';
import {
  DEFAULT_PER_SCROLL,
  DEFAULT_SCROLL_TTL_MS,
  MAX_PER_SCROLL,
  MAX_SCROLL_TTL_MS,
  SCROLL_TYPES,
  type ScrollCursor,
  decodeScrollId,
  encodeScrollId,
  scrollToken,
} from '../../../domain/issue-scroll.js';
import { chooseIssueSearch } from '../../../domain/issue-search.js';
import {
  createIssue,
  findIssueByUnique,
  getIssue,
  importIssue,
  scrollIssues,
  scrollQueueId,
  searchIssues,
} from '../../../service/issues.js';
import { DEFAULT_PAGE_SIZE, checkPageWithinCap, nextPageLink, setPageHeaders } from '../../paging.js';
import { issueResource, linkUrl } from '../../representations.js';
import {
  CatalogueReference,
  Duration,
  IssueRefParams,
  PageNumber,
  PerPage,
  QueueReference,
  Strict,
  Timestamp,
  UserReference,
  emptyBodyIsNoFilter,
} from '../../schemas/requests.js';
import { NoContent, answers } from '../../schemas/errors.js';
import { IssueObject } from '../../schemas/resources.js';
import { type RouteOptions, linksOf } from '../options.js';
import { adminOnly } from '../../plugins/auth.js';

const CommonIssueFields = {
  queue: QueueReference,
  summary: Type.String(),
  description: Type.Optional(Type.String()),
  type: Type.Optional(CatalogueReference),
  priority: Type.Optional(CatalogueReference),
  assignee: Type.Optional(UserReference),
  followers: Type.Optional(Type.Array(UserReference, { maxItems: 1000 })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 1000 })),
  unique: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  deadline: Type.Optional(Type.String()),
  start: Type.Optional(Type.String()),
  end: Type.Optional(Type.String()),
  storyPoints: Type.Optional(Type.Number({ minimum: 0 })),
};

const NewIssueBody = Type.Object(
  {
    ...CommonIssueFields,
    originalEstimation: Type.Optional(Duration),
    estimation: Type.Optional(Duration),
  },
  Strict,
);

/**
 * The issue import body (docs/tracker-api.md §Issue import). `spent` is not accepted: Timeport
 * keeps it equal to the sum of the issue's worklogs, so the time is imported as worklogs
 * (docs/decisions.md).
 */
const ImportIssueBody = Type.Object(
  {
    ...CommonIssueFields,
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    createdAt: Timestamp,
    createdBy: UserReference,
    updatedAt: Type.Optional(Timestamp),
    updatedBy: Type.Optional(UserReference),
    resolvedAt: Type.Optional(Timestamp),
    resolvedBy: Type.Optional(UserReference),
    resolution: Type.Optional(CatalogueReference),
    status: Type.Optional(CatalogueReference),
    originalEstimation: Type.Optional(Type.Integer({ description: 'a whole number of milliseconds' })),
    estimation: Type.Optional(Type.Integer({ description: 'a whole number of milliseconds' })),
  },
  Strict,
);

/** `null` is how the official client sends a search criterion it was not given. */
const Nullable = <T extends TSchema>(schema: T, description: string) => Type.Optional(Type.Union([schema, Type.Null()], { description }));

/**
 * `POST /v3/issues/_search` (docs/tracker-api.md §Official client, 3): the official client's
 * `issues.find()` sends all six criteria, the unused ones as null. Which combinations work is
 * domain/issue-search.ts.
 */
const IssueSearchBody = Type.Object(
  {
    keys: Nullable(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000 })]),
      'an issue key, or a list of them',
    ),
    queue: Nullable(QueueReference, 'a queue key or id'),
    filter: Nullable(Type.Object({ queue: QueueReference }, Strict), 'an object {"queue": <key>}: Timeport filters by queue only'),
    query: Nullable(Type.String(), 'a query string'),
    filterId: Nullable(Type.Union([Type.String(), Type.Integer()]), 'a saved filter id'),
    order: Nullable(Type.Array(Type.String(), { maxItems: 100 }), 'a list of fields to order by'),
  },
  Strict,
);

const IssueSearchQuery = Type.Object({
  perPage: PerPage,
  page: PageNumber,
  scrollType: Type.Optional(
    Type.Union(
      SCROLL_TYPES.map((type) => Type.Literal(type)),
      { description: 'starts a scroll: sorted or unsorted' },
    ),
  ),
  perScroll: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_PER_SCROLL, description: `issues per scroll page (default ${DEFAULT_PER_SCROLL})` }),
  ),
  scrollTTLMillis: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_SCROLL_TTL_MS,
      description: `how long the scroll may wait for its next request (default ${DEFAULT_SCROLL_TTL_MS})`,
    }),
  ),
  scrollId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2048, description: 'continues a scroll: the X-Scroll-Id of its last page' }),
  ),
});

/** `POST /v3/system/search/scroll/_clear`: pairs of `X-Scroll-Id` and `X-Scroll-Token`. */
const ScrollClearBody = Type.Record(Type.String({ maxLength: 2048 }), Type.String({ maxLength: 200 }), { maxProperties: 10_000 });

/** Tracker's answer to a scroll over keys or one queue (docs/tracker-api.md, "Scroll"). */
export const SCROLL_NOT_SUPPORTED = 'Scroll is not supported for a search by keys or by queue: select by filter, or every issue.';

const issueRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post('/issues', { schema: { body: NewIssueBody, response: answers({ 201: IssueObject }) } }, async (request, reply) => {
    const view = await createIssue(request.services, request.caller, request.body);
    return reply.code(201).send(issueResource(view, links));
  });

  app.post(
    '/issues/_import',
    { schema: { body: ImportIssueBody, response: answers({ 200: IssueObject }) }, onRequest: adminOnly('import issues') },
    async (request) => issueResource(await importIssue(request.services, request.caller, request.body), links),
  );

  app.post(
    '/issues/_search',
    {
      schema: { body: IssueSearchBody, querystring: IssueSearchQuery, response: answers({ 200: Type.Array(IssueObject) }) },
      preValidation: emptyBodyIsNoFilter,
    },
    async (request, reply) => {
      const { query, caller } = request;
      const chosen = chooseIssueSearch(request.body);
      if (!chosen.ok) throw refusalProblem(chosen.error, chosen.error.kind);
      const scrolling = query.scrollType !== undefined || query.scrollId !== undefined;
      if (scrolling) {
        const now = request.services.now();
        let cursor: ScrollCursor;
        if (query.scrollId !== undefined) {
          // A continuation: what is scrolled comes from the scroll id; the body the official client
          // sends again with each `next` link is not read a second time.
          const decoded = decodeScrollId(query.scrollId, { orgId: caller.org.id, uid: caller.user.uid }, now);
          if (!decoded.ok) throw malformed(['The scroll cannot be continued.'], { scrollId: `the scroll id ${decoded.error}` });
          cursor = decoded.value;
          if (query.scrollTTLMillis !== undefined) cursor = { ...cursor, ttlMs: query.scrollTTLMillis };
        } else {
          if (chosen.value.by === 'keys' || (chosen.value.by === 'queue' && chosen.value.field === 'queue'))
            throw malformed([SCROLL_NOT_SUPPORTED]);
          cursor = {
            orgId: caller.org.id,
            uid: caller.user.uid,
            queueId: await scrollQueueId(request.services, caller, chosen.value),
            type: query.scrollType!,
            perScroll: query.perScroll ?? DEFAULT_PER_SCROLL,
            ttlMs: query.scrollTTLMillis ?? DEFAULT_SCROLL_TTL_MS,
            expiresAt: 0,
            after: null,
          };
        }
        const page = await scrollIssues(request.services, caller, cursor.queueId, cursor.after, cursor.perScroll);
        const next: ScrollCursor = { ...cursor, after: page.last, expiresAt: now + cursor.ttlMs };
        const scrollId = encodeScrollId(next);
        reply.header('X-Scroll-Id', scrollId);
        reply.header('X-Scroll-Token', scrollToken(scrollId, next));
        reply.header('X-Total-Count', String(page.total));
        const url = linkUrl(links, 'issues/_search');
        const first = `<${url}?scrollType=${cursor.type}&perScroll=${cursor.perScroll}&scrollTTLMillis=${cursor.ttlMs}>; rel="first"`;
        reply.header('Link', page.more ? `${first}, ${nextPageLink(url, `scrollId=${scrollId}`)}` : first);
        return page.views.map((view) => issueResource(view, links));
      }
      if (query.perScroll !== undefined || query.scrollTTLMillis !== undefined) {
        throw malformed(['perScroll and scrollTTLMillis belong to a scroll: start one with scrollType, or continue one with scrollId.']);
      }
      const page = { page: query.page ?? 1, perPage: query.perPage ?? DEFAULT_PAGE_SIZE };
      checkPageWithinCap(page);
      const found = await searchIssues(request.services, caller, chosen.value, page);
      // The client re-sends the same body to the next page's URL (docs/tracker-api.md §Official client, 4).
      setPageHeaders(reply, linkUrl(links, 'issues/_search'), page, found.total, '', true);
      return found.views.map((view) => issueResource(view, links));
    },
  );

  app.post(
    '/system/search/scroll/_clear',
    {
      schema: {
        body: ScrollClearBody,
        response: answers({ 200: NoContent('The scrolls are cleared: an empty body, as Tracker answers') }),
      },
    },
    async (request, reply) => {
      // Scroll ids are self-contained (domain/issue-scroll.ts): nothing is held to release. Each pair
      // is still checked, so that a script that sends wrong pairs learns it here.
      const owner = { orgId: request.caller.org.id, uid: request.caller.user.uid };
      const pairs = Object.entries(request.body).map(([scrollId, token]): [string, Result<unknown>] => {
        const decoded = decodeScrollId(scrollId, owner, Number.NEGATIVE_INFINITY); // expired ones too
        if (!decoded.ok) return [scrollId, refused(`the scroll id ${decoded.error}`)];
        return [
          scrollId,
          ruleResult(
            scrollToken(scrollId, decoded.value) === token ? undefined : 'the scroll token is not the one answered with this scroll id',
          ),
        ];
      });
      const checked = checkFields(Object.fromEntries(pairs));
      if (!checked.ok) throw malformed(['Some scrolls cannot be cleared.'], checked.error.fieldErrors);
      // Tracker answers 200 with an empty body (docs/tracker-api.md, "Scroll").
      return reply.code(200).send();
    },
  );

  app.post(
    '/issues/_findByUnique',
    {
      schema: {
        querystring: Type.Object({ unique: Type.String({ minLength: 1, maxLength: 255 }) }),
        response: answers({ 200: IssueObject }),
      },
    },
    async (request) => issueResource(await findIssueByUnique(request.services, request.caller, request.query.unique), links),
  );

  app.get('/issues/:issue', { schema: { params: IssueRefParams, response: answers({ 200: IssueObject }) } }, async (request) =>
    issueResource(await getIssue(request.services, request.caller, request.params.issue), links),
  );
};

export default issueRoutes;
