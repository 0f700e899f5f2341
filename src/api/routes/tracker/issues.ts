import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import { Problem } from '../../../domain/errors.js';
import { chooseIssueSearch } from '../../../domain/issue-search.js';
import { createIssue, findIssueByUnique, getIssue, importIssue, searchIssues } from '../../../service/issues.js';
import { setPageHeaders } from '../../paging.js';
import { issueResource, selfUrl } from '../../representations.js';
import {
  CatalogueReference,
  Duration,
  IssueRefParams,
  QueueReference,
  Strict,
  Timestamp,
  UserReference,
  emptyBodyIsNoFilter,
} from '../../schemas.js';
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
 * The issue import body (notes §7.1). `spent` is not accepted: Timeport keeps it equal to the sum of
 * the issue's worklogs, so the time is imported as worklogs (docs/decisions.md).
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
 * `POST /v3/issues/_search` (notes §2.8): the official client's `issues.find()` sends all six
 * criteria, the unused ones as null. Which combinations work is domain/issue-search.ts.
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
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })),
});

const DEFAULT_ISSUE_PAGE = 50;

const issueRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post('/issues', { schema: { body: NewIssueBody } }, async (request, reply) => {
    const view = await createIssue(request.services, request.caller, request.body);
    return reply.code(201).send(issueResource(view, links));
  });

  app.post('/issues/_import', { schema: { body: ImportIssueBody }, onRequest: adminOnly('import issues') }, async (request) =>
    issueResource(await importIssue(request.services, request.caller, request.body), links),
  );

  app.post('/issues/_search', { schema: { body: IssueSearchBody, querystring: IssueSearchQuery }, preValidation: emptyBodyIsNoFilter }, async (request, reply) => {
    const chosen = chooseIssueSearch(request.body);
    if (!chosen.ok) throw new Problem(chosen.kind, chosen.messages, chosen.errors);
    const page = { page: request.query.page ?? 1, perPage: request.query.perPage ?? DEFAULT_ISSUE_PAGE };
    const found = await searchIssues(request.services, request.caller, chosen.value, page);
    // The client re-sends the same body to the next page's URL (official-client-notes §4).
    setPageHeaders(reply, selfUrl(links, 'issues/_search'), page, found.total);
    return found.views.map((view) => issueResource(view, links));
  });

  app.post(
    '/issues/_findByUnique',
    { schema: { querystring: Type.Object({ unique: Type.String({ minLength: 1, maxLength: 255 }) }) } },
    async (request) => issueResource(await findIssueByUnique(request.services, request.caller, request.query.unique), links),
  );

  app.get('/issues/:issue', { schema: { params: IssueRefParams } }, async (request) =>
    issueResource(await getIssue(request.services, request.caller, request.params.issue), links),
  );
};

export default issueRoutes;
