import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { malformed, refusalProblem } from '../../../domain/errors.js';
import { readingQuery } from '../../plugins/errors.js';
import type { VersionPrecondition } from '../../../domain/preconditions.js';
import { parseIfMatch } from '../../if-match.js';
import { checkCreatedAtRange, parseCreatedAtQuery } from '../../../domain/worklog-search.js';
import {
  createWorklog,
  deleteWorklog,
  editWorklog,
  getWorklog,
  importWorklog,
  listIssueWorklogs,
  searchWorklogs,
} from '../../../service/worklogs.js';
import { DEFAULT_PAGE_SIZE, checkPageWithinCap, queryWithout, setCursorLink, setPageHeaders } from '../../paging.js';
import { linkUrl, worklogResource, worklogResources, worklogResourcesAcross } from '../../representations.js';
import {
  Duration,
  IssueRefParams,
  PageNumber,
  PerPage,
  Strict,
  Timestamp,
  UserReference,
  emptyBodyIsNoFilter,
} from '../../schemas/requests.js';
import { NoContent, answers } from '../../schemas/errors.js';
import { WorklogObject } from '../../schemas/resources.js';
import { isNumericId } from '../../../domain/keys.js';
import { type RouteOptions, linksOf } from '../options.js';
import { adminOnly } from '../../plugins/auth.js';

/** The import body, exactly the spec's fields. */
export const ImportWorklogBody = Type.Object(
  {
    duration: Duration,
    createdAt: Timestamp,
    createdBy: Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 1 })], {
      description: 'a login (string) or a user id (number)',
    }),
    start: Timestamp,
    comment: Type.Optional(Type.String()),
  },
  Strict,
);

/** The official client sends `"comment": null` when it has no comment; on PATCH, null removes it. */
const OptionalComment = Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'a string, or null for no comment' }));

/** `POST /v3/issues/<key>/worklog` (docs/tracker-api.md §Worklogs): no author or creation time, those are the caller and now. */
const NewWorklogBody = Type.Object({ start: Timestamp, duration: Duration, comment: OptionalComment }, Strict);

/** `PATCH /v3/issues/<key>/worklog/<id>` (docs/tracker-api.md §Worklogs): only the fields sent change. */
export const WorklogEditBody = Type.Object(
  { duration: Type.Optional(Duration), start: Type.Optional(Timestamp), comment: OptionalComment },
  Strict,
);

const WorklogParams = Type.Object({
  issue: IssueRefParams.properties.issue,
  worklogId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a worklog id' }),
});

const WorklogListQuery = Type.Object({
  perPage: PerPage,
  id: Type.Optional(Type.Integer({ minimum: 0 })),
});

/**
 * `perPage` (DEFAULT_PAGE_SIZE unless given) and `page` (default 1): searches are paged like every
 * Tracker list (docs/tracker-api.md, "Lists are paged"), never one answer of every match.
 */
const SearchPageQuery = { perPage: PerPage, page: PageNumber };

/** `POST /v3/worklog/_search` (docs/tracker-api.md §Worklogs). */
const WorklogSearchBody = Type.Object(
  {
    createdBy: Type.Optional(UserReference),
    createdAt: Type.Optional(Type.Object({ from: Type.Optional(Timestamp), to: Type.Optional(Timestamp) }, Strict)),
  },
  Strict,
);

/** `GET /v3/worklog?createdBy=...&createdAt=from:...&createdAt=to:...` (docs/tracker-api.md §Worklogs). */
const WorklogQuery = Type.Object({
  createdBy: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  createdAt: Type.Optional(
    Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 2 })], {
      description: 'from:<date-time> and/or to:<date-time>, each as its own createdAt parameter',
    }),
  ),
  ...SearchPageQuery,
});

const Worklogs = Type.Array(WorklogObject);

/** The `If-Match` header, checked before anything else: an unreadable one is a bad request. */
function preconditionOf(request: FastifyRequest): VersionPrecondition | undefined {
  const header = request.headers['if-match'];
  const precondition = parseIfMatch(Array.isArray(header) ? header.join(', ') : header);
  if (!precondition.ok) throw malformed(['The If-Match header is not a version.'], { 'If-Match': precondition.error });
  return precondition.value;
}

/** The page asked for, refused past Tracker's 10,000 items cap. */
function pageOf(query: { perPage?: number | undefined; page?: number | undefined }): { page: number; perPage: number } {
  const page = { page: query.page ?? 1, perPage: query.perPage ?? DEFAULT_PAGE_SIZE };
  checkPageWithinCap(page);
  return page;
}

const worklogRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post(
    '/issues/:issue/worklogs/_import',
    {
      schema: {
        params: IssueRefParams,
        body: ImportWorklogBody,
        // The live service has been seen answering an array of one (docs/tracker-api.md): one
        // schema or the other, chosen here, so that each answer is serialized without a choice.
        response: answers({ 200: options.importAnswer === 'array' ? Worklogs : WorklogObject }),
      },
      // Admin only (spec): refused from the headers, before the body is read (issue 14), so
      // non-admins learn nothing from it and a large body costs nothing.
      onRequest: adminOnly('import time entries'),
    },
    async (request) => {
      const view = await importWorklog(request.services, request.caller, request.params.issue, request.body);
      const worklog = worklogResource(view.worklogs[0]!, view.issue, view.users, links);
      return options.importAnswer === 'array' ? [worklog] : worklog;
    },
  );

  app.post(
    '/issues/:issue/worklog',
    { schema: { params: IssueRefParams, body: NewWorklogBody, response: answers({ 201: WorklogObject }) } },
    async (request, reply) => {
      const view = await createWorklog(request.services, request.caller, request.params.issue, request.body);
      return reply.code(201).send(worklogResource(view.worklogs[0]!, view.issue, view.users, links));
    },
  );

  app.get(
    '/issues/:issue/worklog',
    { schema: { params: IssueRefParams, querystring: WorklogListQuery, response: answers({ 200: Worklogs }) } },
    async (request, reply) => {
      const perPage = request.query.perPage ?? DEFAULT_PAGE_SIZE;
      // Ids never exceed 2^53-1, so a larger cursor means "after every id"; clamped because PostgreSQL
      // refuses a bigint parameter above 2^63-1 where SQLite just compares (same answer on both).
      const afterId = request.query.id === undefined ? undefined : Math.min(request.query.id, Number.MAX_SAFE_INTEGER);
      const page = await listIssueWorklogs(request.services, request.caller, request.params.issue, { perPage, afterId });
      setCursorLink(reply, linkUrl(links, `issues/${encodeURIComponent(page.issue.key)}/worklog`), perPage, page.nextAfterId);
      return worklogResources(page, links);
    },
  );

  app.get(
    '/issues/:issue/worklog/:worklogId',
    { schema: { params: WorklogParams, response: answers({ 200: WorklogObject }) } },
    async (request) => {
      const view = await getWorklog(request.services, request.caller, request.params.issue, request.params.worklogId);
      return worklogResource(view.worklogs[0]!, view.issue, view.users, links);
    },
  );

  app.patch(
    '/issues/:issue/worklog/:worklogId',
    { schema: { params: WorklogParams, body: WorklogEditBody, response: answers({ 200: WorklogObject }) } },
    async (request) => {
      const precondition = preconditionOf(request);
      const { issue, worklogId } = request.params;
      const view = await editWorklog(request.services, request.caller, issue, worklogId, request.body, precondition);
      return worklogResource(view.worklogs[0]!, view.issue, view.users, links);
    },
  );

  app.delete(
    '/issues/:issue/worklog/:worklogId',
    { schema: { params: WorklogParams, response: answers({ 204: NoContent('The worklog is deleted') }) } },
    async (request, reply) => {
      const precondition = preconditionOf(request);
      await deleteWorklog(request.services, request.caller, request.params.issue, request.params.worklogId, precondition);
      return reply.code(204).send();
    },
  );

  app.post(
    '/worklog/_search',
    {
      schema: { body: WorklogSearchBody, querystring: Type.Object(SearchPageQuery), response: answers({ 200: Worklogs }) },
      preValidation: emptyBodyIsNoFilter,
    },
    async (request, reply) => {
      const body = request.body;
      const range = body.createdAt === undefined ? undefined : checkCreatedAtRange(body.createdAt);
      if (range !== undefined && !range.ok) throw refusalProblem(range.error);
      const page = pageOf(request.query);
      const found = await searchWorklogs(request.services, request.caller, { createdBy: body.createdBy, createdAt: range?.value }, page);
      setPageHeaders(reply, linkUrl(links, 'worklog/_search'), page, found.total, '', true);
      return worklogResourcesAcross(found, links);
    },
  );

  app.get('/worklog', { schema: { querystring: WorklogQuery, response: answers({ 200: Worklogs }) } }, async (request, reply) => {
    const { createdBy, createdAt } = request.query;
    const range = createdAt === undefined ? undefined : parseCreatedAtQuery(typeof createdAt === 'string' ? [createdAt] : createdAt);
    if (range !== undefined && !range.ok) throw malformed(['Invalid querystring parameters.'], { createdAt: range.error });
    // A query string has only text: digits name a user id, anything else a login.
    const author = createdBy === undefined ? undefined : isNumericId(createdBy) ? Number(createdBy) : createdBy;
    const page = pageOf(request.query);
    const found = await readingQuery(
      searchWorklogs(request.services, request.caller, { createdBy: author, createdAt: range?.value }, page),
      'Invalid querystring parameters.',
    );
    setPageHeaders(reply, linkUrl(links, 'worklog'), page, found.total, queryWithout(request.url, ['perPage', 'page']), true);
    return worklogResourcesAcross(found, links);
  });
};

export default worklogRoutes;
