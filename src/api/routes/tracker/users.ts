import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findUserByPathRef, listUsers } from '../../../service/users.js';
import { linkUrl, userResource } from '../../representations.js';
import { PageQuery } from '../../schemas/requests.js';
import { answers } from '../../schemas/errors.js';
import { UserObject } from '../../schemas/resources.js';
import { DEFAULT_PAGE_SIZE, setPageHeaders } from '../../paging.js';
import { type RouteOptions, linksOf } from '../options.js';

/** `GET /myself`, `GET /users`, `GET /users/<login or uid>` (docs/tracker-api.md §Users). */
const userRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.get('/myself', { schema: { response: answers({ 200: UserObject }) } }, async (request) => userResource(request.caller.user, links));

  app.get('/users', { schema: { querystring: PageQuery, response: answers({ 200: Type.Array(UserObject) }) } }, async (request, reply) => {
    const page = { page: request.query.page ?? 1, perPage: request.query.perPage ?? DEFAULT_PAGE_SIZE };
    const { users, total } = await listUsers(request.services, request.caller.org.id, page);
    setPageHeaders(reply, linkUrl(links, 'users'), page, total);
    return users.map((user) => userResource(user, links));
  });

  app.get(
    '/users/:user',
    { schema: { params: Type.Object({ user: Type.String({ minLength: 1, maxLength: 128 }) }), response: answers({ 200: UserObject }) } },
    async (request) => userResource(await findUserByPathRef(request.services, request.caller.org.id, request.params.user), links),
  );
};

export default userRoutes;
