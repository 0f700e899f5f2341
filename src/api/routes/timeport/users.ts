import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { issueToken, revokeToken, revokeUserTokens } from '../../../service/tokens.js';
import { createUser } from '../../../service/users.js';
import { userResource } from '../../representations.js';
import { Strict } from '../../schemas/requests.js';
import { NoContent, answers } from '../../schemas/errors.js';
import { ManagedUserObject, NewTokenObject, RevokedTokensObject } from '../../schemas/timeport.js';
import { type RouteOptions, linksOf } from '../options.js';
import { adminOnly } from '../../plugins/auth.js';

const NewUserBody = Type.Object(
  {
    login: Type.String(),
    display: Type.Optional(Type.String()),
    firstName: Type.Optional(Type.String()),
    lastName: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    isAdmin: Type.Optional(Type.Boolean()),
  },
  Strict,
);

// Fastify validates a missing body as null, so "no body" has to be allowed explicitly.
const NoBody = Type.Union([Type.Null(), Type.Object({}, Strict)], { description: 'an empty object, or no body at all' });

const LoginParams = Type.Object({ login: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Timeport extension: user and token management for org admins (Tracker has no such API; its users
 * come from Yandex 360 or Cloud). Users are answered in Tracker's shape plus `isAdmin`.
 */
const managementRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.post(
    '/users',
    { schema: { body: NewUserBody, response: answers({ 201: ManagedUserObject }) }, onRequest: adminOnly('add users') },
    async (request, reply) => {
      const user = await createUser(request.services, request.caller, request.caller.org.id, request.body);
      return reply.code(201).send({ ...userResource(user, links), isAdmin: user.isAdmin });
    },
  );

  app.post(
    '/users/:login/tokens',
    {
      // The answer is the new token: never kept for Idempotency-Key replays (plugins/idempotency.ts).
      config: { answerHoldsSecret: true },
      onRequest: adminOnly('issue tokens'),
      schema: {
        params: LoginParams,
        body: NoBody,
        response: answers({ 201: NewTokenObject }),
      },
    },
    async (request, reply) =>
      reply.code(201).send({ token: await issueToken(request.services, request.caller, request.caller.org.id, request.params.login) }),
  );

  app.delete(
    '/users/:login/tokens',
    {
      schema: { params: LoginParams, body: NoBody, response: answers({ 200: RevokedTokensObject }) },
      onRequest: adminOnly('revoke the tokens of a user'),
    },
    async (request) => ({
      revoked: await revokeUserTokens(request.services, request.caller, request.caller.org.id, request.params.login),
    }),
  );

  app.post(
    '/tokens/_revoke',
    {
      schema: {
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512, description: 'the token to revoke' }) }, Strict),
        response: answers({ 204: NoContent('The token is revoked') }),
      },
    },
    async (request, reply) => {
      await revokeToken(request.services, request.caller, request.body.token);
      return reply.code(204).send();
    },
  );
};

export default managementRoutes;
