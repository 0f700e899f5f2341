import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createIssue, getIssue, importIssue } from '../../../service/issues.js';
import { issueResource } from '../../representations.js';
import { CatalogueReference, Duration, IssueRefParams, QueueReference, Strict, Timestamp, UserReference } from '../../schemas.js';
import { type RouteOptions, linksOf } from '../options.js';

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

const issueRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post('/issues', { schema: { body: NewIssueBody } }, async (request, reply) => {
    const view = await createIssue(options.ctx, request.caller, request.body);
    return reply.code(201).send(issueResource(view, links));
  });

  app.post('/issues/_import', { schema: { body: ImportIssueBody } }, async (request) =>
    issueResource(await importIssue(options.ctx, request.caller, request.body), links),
  );

  app.get('/issues/:issue', { schema: { params: IssueRefParams } }, async (request) =>
    issueResource(await getIssue(options.ctx, request.caller, request.params.issue), links),
  );
};

export default issueRoutes;
