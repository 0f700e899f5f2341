import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { OpenAPIV3_1 } from 'openapi-types';
import { PACKAGE_VERSION } from '../../version.js';
import { type OperationDocs, documentationFor } from './openapi-examples.js';

/** A route as Fastify registered it, collected by an onRoute hook. */
export interface RegisteredRoute {
  method: string;
  /** The full pattern, e.g. `/v3/issues/:issue/worklog`. */
  url: string;
  /** Whether its schema hides it from the document (static file routes do). */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far, in registration order. */
    registeredRoutes: RegisteredRoute[];
  }
}

/** sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`, swagger-ui's logo's style. */
const SWAGGER_LOGO_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/** Fastify's `:param` becomes OpenAPI's `{param}`. */
export const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const TRACKER_ERROR_SCHEMA: OpenAPIV3_1.SchemaObject = {
  type: 'object',
  required: ['errors', 'errorsData', 'errorMessages', 'statusCode'],
  properties: {
    errors: { type: 'object', additionalProperties: { type: 'string' }, description: 'problems with named fields or parameters' },
    errorsData: { type: 'object' },
    errorMessages: { type: 'array', items: { type: 'string' } },
    statusCode: { type: 'integer' },
  },
  examples: [
    {
      errors: { tz: '"Mars/Olympus" is not a known IANA time zone (for example UTC, Europe/Moscow, America/New_York)' },
      errorsData: {},
      errorMessages: ['Invalid query parameters.'],
      statusCode: 400,
    },
  ],
};

const NO_AUTH = new Set(['/healthz', '/metrics', OPENAPI_PATH]);

/**
 * The OpenAPI 3.1 document, generated from the route schemas by @fastify/swagger (so a route added
 * anywhere is in it), completed with each operation's summary, answers and examples from
 * openapi-examples.ts; served at `/openapi.json` and browsable at `/docs` with swagger-ui's files
 * from node_modules (no network). Must be registered before the routes it documents.
 */
export default fp(
  async function openapi(app: FastifyInstance) {
    const routes: RegisteredRoute[] = [];
    app.decorate('registeredRoutes', routes);
    app.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of methods) routes.push({ method: String(method), url: route.url, hidden });
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Timeport',
          version: PACKAGE_VERSION,
          description:
            'Self-hosted time tracking that speaks the Yandex Tracker REST API. Routes under /v2 and /v3 are Tracker-compatible; ' +
            "routes under /timeport/v1 are Timeport extensions. Errors always have Tracker's shape (TrackerError).",
        },
        tags: [
          { name: 'Tracker', description: 'Yandex Tracker compatible routes (each under /v2 and /v3)' },
          { name: 'Timeport extensions', description: 'Routes Tracker does not have, under /timeport/v1' },
          { name: 'Operations', description: 'Health, metrics and this document' },
        ],
        components: {
          securitySchemes: {
            OAuthToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: '`OAuth <token>` or `Bearer <token>`' },
            OrgId: { type: 'apiKey', in: 'header', name: 'X-Org-ID', description: 'the organization id (or send X-Cloud-Org-ID instead)' },
          },
          schemas: { TrackerError: TRACKER_ERROR_SCHEMA },
        },
        security: [{ OAuthToken: [], OrgId: [] }],
      },
      transformObject: (document) =>
        completeDocument(
          ('openapiObject' in document ? document.openapiObject : document.swaggerObject) as OpenApiDocument,
        ) as OpenAPIV3_1.Document,
    });

    app.get(OPENAPI_PATH, { schema: { tags: ['Operations'], summary: 'This OpenAPI document' } }, async () => app.swagger());

    await app.register(swaggerUi, {
      routePrefix: DOCS_PATH,
      // swagger-ui's default policy allows fonts and styles from any https origin and its online
      // validator; the page needs nothing but this server. The one inline style allowed, by its
      // hash, is the <style> of swagger-ui's logo (its top bar's SVG), which the browser would
      // otherwise refuse with an error in the console (test/ui/report-page.test.ts).
      staticCSP: `default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' '${SWAGGER_LOGO_STYLE_HASH}'`,
      uiConfig: { validatorUrl: null, deepLinking: true },
    });
  },
  { name: 'openapi' },
);

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, { schema?: unknown; example?: unknown }> };
  responses?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
}

/** Adds what the route schemas do not say: tags, summaries, answers with examples, the error shape. */
function completeDocument(document: OpenApiDocument): OpenApiDocument {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const docs: OperationDocs | undefined = documentationFor(method.toUpperCase(), path);
      const version = /^\/(v[23])\//.exec(path)?.[1];
      operation.tags ??= [version !== undefined ? 'Tracker' : path.startsWith('/timeport/') ? 'Timeport extensions' : 'Operations'];
      if (NO_AUTH.has(path)) operation.security = [];
      if (docs === undefined) continue;
      operation.summary = version !== undefined ? `${docs.summary} (${version})` : docs.summary;
      if (docs.description !== undefined) operation.description = docs.description;
      const bodyContent = operation.requestBody?.content?.['application/json'];
      if (docs.requestExample !== undefined && bodyContent !== undefined) bodyContent.example = docs.requestExample;
      const responses: Record<string, unknown> = {};
      for (const [status, answer] of Object.entries(docs.responses)) {
        responses[status] = {
          description: answer.description,
          ...(answer.example === undefined ? {} : { content: { [answer.mediaType ?? 'application/json']: { example: answer.example } } }),
        };
      }
      if (!NO_AUTH.has(path)) {
        responses.default = {
          description:
            "An error in Tracker's format (400 bad parameter, 401 no token, 403 not allowed, 404 not found, 422 invalid body, ...)",
          content: { 'application/json': { schema: { $ref: '#/components/schemas/TrackerError' } } },
        };
      }
      operation.responses = responses;
    }
  }
  return document;
}
