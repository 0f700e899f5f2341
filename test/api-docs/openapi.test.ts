/** `/openapi.json` and `/docs`: a valid OpenAPI 3.1 document that covers every route the app registers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Type } from 'typebox';
import { type TestApp, buildTestApp } from '../../support/app.js';
import { DOCUMENTED_OPERATIONS, documentationFor } from '../../src/api/plugins/openapi-examples.js';
import { type RegisteredRoute, missingAnswers, openapiPath } from '../../src/api/plugins/openapi.js';
import { answers } from '../../src/api/schemas/errors.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown; schema?: unknown }> }>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};

/** The routes of an app that lack a response schema for 2xx, 4xx or 5xx answers, with what they lack. */
const routesWithoutAnswers = (routes: readonly RegisteredRoute[]): string[] =>
  routes
    .filter((route) => !route.hidden)
    .flatMap((route) => {
      const missing = missingAnswers(route);
      return missing.length === 0 ? [] : [`${route.method} ${route.url}: no ${missing.join(', ')}`];
    });

/** Routes that serve files rather than API operations; they stay out of the document on purpose. */
const FILE_ROUTES = ['/docs', '/ui', '/favicon.ico'];
const isFileRoute = (url: string) => FILE_ROUTES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`));

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: Document;

  before(async () => {
    t = await buildTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    document = response.json() as Document;
  });
  after(() => t.close());

  it('is valid OpenAPI 3.1 by the official schema', async () => {
    assert.equal(document.openapi, '3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  it('documents every registered route, whoever added it', () => {
    const routes = t.app.registeredRoutes;
    assert.ok(routes.length > 20, 'the onRoute hook saw the routes');
    const missing: string[] = [];
    for (const route of routes) {
      if (isFileRoute(route.url)) continue;
      // Fastify adds HEAD beside every GET; the document describes the GET.
      if (route.method === 'HEAD' && routes.some((other) => other.method === 'GET' && other.url === route.url)) continue;
      const path = openapiPath(route.url.replace(/(.)\/$/, '$1'));
      if (document.paths[path]?.[route.method.toLowerCase()] === undefined)
        missing.push(`${route.method} ${route.url}${route.hidden ? ' (hidden)' : ''}`);
    }
    assert.deepEqual(missing, []);
  });

  it('hides only file routes', () => {
    const hidden = t.app.registeredRoutes.filter((route) => route.hidden).map((route) => route.url);
    assert.ok(hidden.length > 0);
    for (const url of hidden) assert.ok(isFileRoute(url), url);
  });

  it('has the Tracker routes under /v2 and /v3, the extensions and the report with its parameters', () => {
    for (const path of [
      '/v2/issues/{issue}/worklogs/_import',
      '/v3/issues/{issue}/worklogs/_import',
      '/v3/issues/{issue}/worklog',
      '/timeport/v1/users',
    ]) {
      assert.ok(document.paths[path], path);
    }
    const report = document.paths['/timeport/v1/reports/time-spent']?.get;
    assert.ok(report);
    assert.deepEqual(report.parameters?.map((parameter) => parameter.name).sort(), [
      'by',
      'format',
      'from',
      'groupBy',
      'issue',
      'queue',
      'to',
      'tz',
      'user',
    ]);
    assert.deepEqual(report.tags, ['Timeport extensions']);
    assert.deepEqual(document.paths['/v3/myself']?.get?.tags, ['Tracker']);
  });

  it('gives each documented operation a summary and examples, under every version', () => {
    for (const key of DOCUMENTED_OPERATIONS) {
      const [method, path] = key.split(' ') as [string, string];
      const paths =
        path.startsWith('/timeport/') || ['/healthz', '/metrics', '/openapi.json'].includes(path) ? [path] : [`/v2${path}`, `/v3${path}`];
      for (const full of paths) {
        const operation = document.paths[full]?.[method.toLowerCase()];
        assert.ok(operation, `${key} names no route (${full})`);
        assert.ok(operation.summary, `${full} has a summary`);
        for (const status of Object.keys(documentationFor(method, full)!.responses)) {
          assert.ok(operation.responses[status], `${method} ${full}: the route declares no ${status} answer for its example`);
        }
        if (operation.requestBody !== undefined) {
          assert.notEqual(operation.requestBody.content['application/json']?.example, undefined, `${method} ${full} has a request example`);
        }
        if (full !== '/openapi.json') {
          const examples = Object.values(operation.responses).filter((answer) =>
            Object.values(answer.content ?? {}).some((media) => media.example !== undefined),
          );
          assert.ok(examples.length > 0, `${method} ${full} has an answer example`);
        }
      }
    }
  });

  it("describes errors in Tracker's format and asks for the token and organization", () => {
    const operation = document.paths['/v3/issues/{issue}/worklogs/_import']!.post!;
    for (const range of ['4XX', '5XX']) {
      const schema = operation.responses[range]?.content?.['application/json']?.schema as { $ref?: string } | undefined;
      assert.equal(schema?.$ref, '#/components/schemas/TrackerError', range);
    }
    // The probes, the metrics and this document need no token.
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json'])
      assert.deepEqual(document.paths[path]!.get!.security, [], path);
  });

  it('declares the answers of every registered route: a 2xx schema and the error schemas (4xx, 5xx)', () => {
    assert.deepEqual(routesWithoutAnswers(t.app.registeredRoutes), []);
  });

  it('notices a route registered without answer schemas, or with only some', async () => {
    const extra = await buildTestApp();
    try {
      extra.app.get('/extra/none', async () => ({ ok: true }));
      extra.app.get('/extra/success-only', { schema: { response: { 200: Type.Object({ ok: Type.Boolean() }) } } }, async () => ({
        ok: true,
      }));
      extra.app.get('/extra/complete', { schema: { response: answers({ 200: Type.Object({ ok: Type.Boolean() }) }) } }, async () => ({
        ok: true,
      }));
      await extra.app.ready();
      assert.deepEqual(routesWithoutAnswers(extra.app.registeredRoutes), [
        'GET /extra/none: no 2xx, 4xx, 5xx',
        'HEAD /extra/none: no 2xx, 4xx, 5xx',
        'GET /extra/success-only: no 4xx, 5xx',
        'HEAD /extra/success-only: no 4xx, 5xx',
      ]);
    } finally {
      await extra.close();
    }
  });

  it("shows every operation's answers with their shapes, the shared ones by name", () => {
    const worklog = { $ref: '#/components/schemas/Worklog' };
    assert.deepEqual(
      document.paths['/v3/issues/{issue}/worklogs/_import']!.post!.responses['200']?.content?.['application/json']?.schema,
      worklog,
    );
    assert.deepEqual(document.paths['/v2/issues/{issue}/worklog']!.get!.responses['200']?.content?.['application/json']?.schema, {
      type: 'array',
      items: worklog,
    });
    for (const name of ['Worklog', 'Issue', 'Queue', 'User', 'UserReference', 'TrackerError', 'BatchAnswer', 'ImportBatch', 'AuditEvent']) {
      assert.ok(document.components.schemas[name], name);
    }
    const report = document.paths['/timeport/v1/reports/time-spent']!.get!.responses['200']!.content!;
    assert.deepEqual(Object.keys(report).sort(), ['application/json', 'text/csv']);
    const missing: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const statuses = Object.keys(operation.responses);
        if (!statuses.some((status) => /^2/.test(status)) || !statuses.includes('4XX') || !statuses.includes('5XX'))
          missing.push(`${method} ${path}: ${statuses.join(', ')}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('has examples that match the schemas of their answers', () => {
    // The document's schemas are JSON Schema 2020-12 (OpenAPI 3.1): checked as such, references included.
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'openapi.json', components: document.components }, 'openapi.json');
    const pointer = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');
    const problems: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(operation.responses)) {
          for (const [mediaType, media] of Object.entries(answer.content ?? {})) {
            if (media.example === undefined || media.schema === undefined) continue;
            const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', '"openapi.json#/components/')) as object;
            const validate = ajv.compile(schema);
            checked += 1;
            if (!validate(media.example))
              problems.push(`${method} ${path} ${status} ${pointer(mediaType)}: ${ajv.errorsText(validate.errors)}`);
          }
        }
      }
    }
    assert.ok(checked > 20, `${checked} examples checked`);
    assert.deepEqual(problems, []);
  });

  it('lists the operations that still lack examples (information, not a failure)', (context) => {
    const documented = new Set(DOCUMENTED_OPERATIONS);
    const without = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .map((method) => `${method.toUpperCase()} ${path.replace(/^\/v[23](?=\/)/, '')}`)
        .filter((key) => !documented.has(key)),
    );
    context.diagnostic(`operations without examples yet: ${[...new Set(without)].join(', ') || 'none'}`);
  });

  it('serves the browsable docs from this server only', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.doesNotMatch(page.body, /(src|href)="https?:\/\//);
    // The browser enforces it: only this server for scripts, styles, images and fonts.
    const policy = String(page.headers['content-security-policy']);
    for (const directive of ['script-src', 'style-src', 'img-src', 'font-src']) {
      const sources = policy.split(';').find((part) => part.trim().startsWith(directive));
      assert.ok(sources, directive);
      assert.doesNotMatch(sources, /https?:|\*/, directive);
    }
  });
});
