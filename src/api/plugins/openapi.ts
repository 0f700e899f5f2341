import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { OpenAPIV3_1 } from 'openapi-types';
import { PACKAGE_VERSION } from '../../version.js';
import { type OperationDocs, TRACKER_ERROR_EXAMPLE, documentationFor } from './openapi-examples.js';
import { ERROR_ANSWERS } from '../schemas/errors.js';
import { OpenApiDocumentObject } from '../schemas/timeport.js';

/** A route as Fastify registered it, collected by an onRoute hook. */
export interface RegisteredRoute {
  method: string;
  /** The full pattern, e.g. `/v3/issues/:issue/worklog`. */
  url: string;
  /** Whether its schema hides it from the document (static file routes do). */
  hidden: boolean;
  /** The statuses its `response` schema declares answers for: `200`, `4xx`, `default`... */
  answers: string[];
}

/**
 * What a route lacks of the answers every documented route declares: a successful one (2xx) and
 * the error answers (4xx and 5xx; `default` counts for both). Empty when it has them all.
 */
export function missingAnswers(route: RegisteredRoute): string[] {
  const has = (pattern: RegExp) => route.answers.some((status) => pattern.test(status));
  const missing: string[] = [];
  if (!has(/^2(\d\d|xx)$/i)) missing.push('2xx');
  for (const range of ['4', '5']) if (!has(new RegExp(`^(${range}(\\d\\d|xx)|default)$`, 'i'))) missing.push(`${range}xx`);
  return missing;
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

const NO_AUTH = new Set(['/healthz', '/readyz', '/metrics', OPENAPI_PATH]);

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
      const schema = route.schema as { hide?: boolean; response?: Record<string, unknown> } | undefined;
      const hidden = schema?.hide === true;
      const answers = Object.keys(schema?.response ?? {});
      for (const method of methods) routes.push({ method: String(method), url: route.url, hidden, answers });
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Timeport',
          version: PACKAGE_VERSION,
          description:
            'Self-hosted time tracking that speaks the Yandex Tracker REST API. Routes under /v2 and /v3 are Tracker-compatible; ' +
            "routes under /timeport/v1 are Timeport extensions. Errors always have Tracker's shape (TrackerError). " +
            "Every answer's shape comes from the route's own response schema, the one the server serializes it with.",
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
        },
        security: [{ OAuthToken: [], OrgId: [] }],
      },
      transformObject: (document) =>
        completeDocument(
          ('openapiObject' in document ? document.openapiObject : document.swaggerObject) as OpenApiDocument,
        ) as OpenAPIV3_1.Document,
    });

    app.get(
      OPENAPI_PATH,
      { schema: { tags: ['Operations'], summary: 'This OpenAPI document', response: { 200: OpenApiDocumentObject, ...ERROR_ANSWERS } } },
      async () => app.swagger(),
    );

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

interface MediaType {
  schema?: unknown;
  example?: unknown;
}
interface Answer {
  description?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, Answer>;
}
interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * Adds what the route schemas do not say: tags, summaries, examples (openapi-examples.ts). The
 * answers' shapes are the routes' response schemas; each schema with a `title` (schemas/*.ts) is
 * moved into `components.schemas` under it and referred to from where it was.
 */
function completeDocument(document: OpenApiDocument): OpenApiDocument {
  const components: Record<string, unknown> = { ...document.components?.schemas };
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const version = /^\/(v[23])\//.exec(path)?.[1];
      operation.tags ??= [version !== undefined ? 'Tracker' : path.startsWith('/timeport/') ? 'Timeport extensions' : 'Operations'];
      if (NO_AUTH.has(path)) operation.security = [];
      for (const answer of Object.values(operation.responses ?? {})) {
        for (const media of Object.values(answer.content ?? {})) {
          if (media.schema !== undefined) media.schema = namedSchemasAsReferences(media.schema, components);
        }
      }
      const clientError = operation.responses?.['4XX']?.content?.['application/json'];
      if (clientError !== undefined) clientError.example = TRACKER_ERROR_EXAMPLE;
      const docs: OperationDocs | undefined = documentationFor(method.toUpperCase(), path);
      if (docs === undefined) continue;
      operation.summary = version !== undefined ? `${docs.summary} (${version})` : docs.summary;
      if (docs.description !== undefined) operation.description = docs.description;
      const bodyContent = operation.requestBody?.content?.['application/json'];
      if (docs.requestExample !== undefined && bodyContent !== undefined) bodyContent.example = docs.requestExample;
      for (const [status, example] of Object.entries(docs.responses)) {
        const answer = operation.responses?.[status];
        if (answer === undefined) continue; // the API-docs test names it: an example for an answer the route does not give
        if (example.description !== undefined) answer.description = example.description;
        const media = answer.content?.[example.mediaType ?? 'application/json'];
        if (media !== undefined && example.example !== undefined) media.example = example.example;
      }
    }
  }
  document.components = { ...document.components, schemas: components };
  return document;
}

/**
 * The schema with each part that has a `title` replaced by a reference to `components.schemas[title]`
 * (the part's own description stays beside the reference). Two different schemas with one title
 * would make the document wrong: that throws, and the API-docs test fails.
 */
function namedSchemasAsReferences(schema: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => namedSchemasAsReferences(item, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = namedSchemasAsReferences(value, components);
  const title = copy.title;
  if (typeof title !== 'string') return copy;
  const { description, ...named } = copy;
  const known = components[title];
  if (known === undefined) components[title] = named;
  else if (JSON.stringify(known) !== JSON.stringify(named)) throw new Error(`two different schemas are both titled ${title}`);
  return { $ref: `#/components/schemas/${title}`, ...(description === undefined ? {} : { description }) };
}
