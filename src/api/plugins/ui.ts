import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The web page's files: plain HTML, CSS and JavaScript, no build step. */
export const UI_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../ui');

/**
 * The page may load and call only this server: no CDN, no fonts, no analytics. The policy makes the
 * browser enforce it. `blob:` is for the CSV download, `data:` for the chart's image export.
 */
export const UI_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Chart.js's UMD build, read from node_modules once: served as a file of the page, never from a CDN. */
function chartLibrary(): Buffer {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'));
}

/** `/ui/`: the report and import page. Its API calls carry the token the user signs in with. */
export default async function ui(app: FastifyInstance): Promise<void> {
  const chart = chartLibrary();
  const securityHeaders = {
    'content-security-policy': UI_CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };

  app.get('/ui/vendor/chart.umd.min.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.headers(securityHeaders).header('cache-control', 'public, max-age=86400').type('text/javascript; charset=utf-8').send(chart),
  );
  await app.register(fastifyStatic, {
    root: UI_ROOT,
    prefix: '/ui/',
    // The page's files change with the server: revalidate (ETag) rather than cache blindly.
    cacheControl: true,
    maxAge: 0,
    setHeaders: (response) => {
      for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    },
  });
  // The wildcard route does not see `/ui/` itself once trailing slashes are ignored (`/ui`).
  app.get('/ui', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  // Browsers ask for /favicon.ico by themselves (the page links it and its SVG too); a day's cache.
  app.get('/favicon.ico', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').type('image/x-icon').sendFile('favicon.ico', UI_ROOT, { cacheControl: false }),
  );
}
