import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../../domain/errors.js';
import { SYSTEM_FIELDS, findSystemField } from '../../../domain/fields.js';
import { fieldResource } from '../../representations.js';
import { answers } from '../../schemas/errors.js';
import { FieldObject } from '../../schemas/resources.js';
import { type RouteOptions, linksOf } from '../options.js';

/**
 * `GET /v3/fields/` and `GET /v3/fields/<id>`: the issue fields. The official client loads the list
 * before reading any issue attribute (docs/tracker-api.md §Official client, 3); without it
 * `issue.worklog` fails.
 */
const fieldRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  app.get('/fields', { schema: { response: answers({ 200: Type.Array(FieldObject) }) } }, async () =>
    SYSTEM_FIELDS.map((field) => fieldResource(field, links)),
  );

  app.get(
    '/fields/:field',
    { schema: { params: Type.Object({ field: Type.String({ minLength: 1, maxLength: 128 }) }), response: answers({ 200: FieldObject }) } },
    async (request) => {
      const field = findSystemField(request.params.field);
      if (field === undefined) throw notFound('Field does not exist.');
      return fieldResource(field, links);
    },
  );
};

export default fieldRoutes;
