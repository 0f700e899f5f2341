import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requireAdmin } from '../../../service/users.js';
import { importWorklog, listIssueWorklogs } from '../../../service/worklogs.js';
import { setCursorLink } from '../../paging.js';
import { selfUrl, worklogResource, worklogResources } from '../../representations.js';
import { Duration, IssueRefParams, Strict, Timestamp } from '../../schemas.js';
import { type RouteOptions, linksOf } from '../options.js';

/** The import body, exactly the spec's fields. */
const ImportWorklogBody = Type.Object(
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

const WorklogListQuery = Type.Object({
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  id: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const DEFAULT_WORKLOG_PAGE = 50;

const worklogRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post(
    '/issues/:issue/worklogs/_import',
    {
      schema: { params: IssueRefParams, body: ImportWorklogBody },
      // Admin only (spec): refuse before looking at the body, so non-admins learn nothing from it.
      preValidation: async (request) => requireAdmin(request.caller, 'import time entries'),
    },
    async (request) => {
      const view = await importWorklog(options.ctx, request.caller, request.params.issue, request.body);
      return worklogResource(view.worklogs[0]!, view.issue, view.users, links);
    },
  );

  app.get('/issues/:issue/worklog', { schema: { params: IssueRefParams, querystring: WorklogListQuery } }, async (request, reply) => {
    const perPage = request.query.perPage ?? DEFAULT_WORKLOG_PAGE;
    const page = await listIssueWorklogs(options.ctx, request.caller, request.params.issue, { perPage, afterId: request.query.id });
    setCursorLink(reply, selfUrl(links, `issues/${encodeURIComponent(page.issue.key)}/worklog`), perPage, page.nextAfterId);
    return worklogResources(page, links);
  });
};

export default worklogRoutes;
