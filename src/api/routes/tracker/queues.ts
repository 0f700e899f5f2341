import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createQueue, getQueue } from '../../../service/queues.js';
import { queueResource } from '../../representations.js';
import { CatalogueReference, Strict, UserReference } from '../../schemas/requests.js';
import { answers } from '../../schemas/errors.js';
import { QueueObject } from '../../schemas/resources.js';
import { type RouteOptions, linksOf } from '../options.js';
import { adminOnly } from '../../plugins/auth.js';

/** Tracker's queue create body: `key`, `name`, `lead` required, the rest accepted. */
const NewQueueBody = Type.Object(
  {
    key: Type.String(),
    name: Type.String(),
    lead: UserReference,
    description: Type.Optional(Type.String({ maxLength: 512_000 })),
    defaultType: Type.Optional(CatalogueReference),
    defaultPriority: Type.Optional(CatalogueReference),
    issueTypesConfig: Type.Optional(Type.Array(Type.Object({}), { maxItems: 100 })),
    assignAuto: Type.Optional(Type.Boolean()),
    allowExternals: Type.Optional(Type.Boolean()),
    denyVoting: Type.Optional(Type.Boolean()),
  },
  Strict,
);

const queueRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post(
    '/queues',
    { schema: { body: NewQueueBody, response: answers({ 201: QueueObject }) }, onRequest: adminOnly('create queues') },
    async (request, reply) => {
      const view = await createQueue(request.services, request.caller, request.body);
      return reply.code(201).send(queueResource(view.queue, view.lead, links));
    },
  );

  app.get(
    '/queues/:queue',
    { schema: { params: Type.Object({ queue: Type.String({ minLength: 1, maxLength: 64 }) }), response: answers({ 200: QueueObject }) } },
    async (request) => {
      const view = await getQueue(request.services, request.caller, request.params.queue);
      return queueResource(view.queue, view.lead, links);
    },
  );
};

export default queueRoutes;
