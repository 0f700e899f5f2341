import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { ERROR_ANSWERS } from '../schemas/errors.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Connection pool figures, where the database has a pool (PostgreSQL); SQLite has none. */
export interface DatabasePoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsOptions {
  /** `sqlite` or `postgres`, exported as `timeport_database_info{dialect}`. */
  databaseDialect: string;
  /** Read at every scrape; absent or answering undefined where the database has no pool. */
  databasePoolStats?: () => DatabasePoolStats | undefined;
  /** SQLite's group commit: commits and the writes they carried. */
  groupCommitStats?: (() => { groups: number; writes: number }) | undefined;
}

/** The app's metrics, for whoever wants to add their own. */
export interface AppMetrics {
  readonly registry: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: AppMetrics;
  }
}

/** The route of one worklog import, under both API versions. */
const WORKLOG_IMPORT_ROUTE = /^\/v[23]\/issues\/:issue\/worklogs\/_import$/;
/** Timeport's batch import of worklogs (a list of entries in one request). */
const BATCH_IMPORT_ROUTE = '/timeport/v1/worklogs/_import';
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Prometheus metrics at `/metrics`: requests and their latency per route pattern and status, worklog
 * imports, import batch sizes, the database, and Node's process metrics. One registry per app, so
 * apps built side by side (tests) count apart. Labels are route patterns, never raw URLs or
 * organization data, so the number of series stays bounded whatever clients send.
 */
export default fp(
  async function metrics(app: FastifyInstance, options: MetricsOptions) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const labelNames = ['method', 'route', 'status'] as const;
    const requests = new Counter({
      name: 'timeport_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames,
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'timeport_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its answer, by method, route pattern and status',
      labelNames,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const worklogImports = new Counter({
      name: 'timeport_worklog_imports_total',
      help: 'Worklog import requests by kind (single: /v3/issues/<key>/worklogs/_import, batch: /timeport/v1/worklogs/_import) and result: imported (2xx), refused (4xx), failed (5xx)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    });
    const importBatchSize = new Histogram({
      name: 'timeport_import_batch_size',
      help: 'Entries per worklog import batch request, by result (imported, refused, failed)',
      labelNames: ['result'],
      buckets: [1, 10, 100, 1000, 5000, 10_000],
      registers: [registry],
    });
    new Gauge({
      name: 'timeport_database_info',
      help: 'The database in use (value always 1)',
      labelNames: ['dialect'],
      registers: [registry],
    }).set({ dialect: options.databaseDialect }, 1);
    const poolStats = options.databasePoolStats;
    if (poolStats !== undefined) {
      const pool = new Gauge({
        name: 'timeport_database_pool_connections',
        help: 'Database pool connections by state: total, idle, and requests waiting for one',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const stats = poolStats();
          if (stats === undefined) return;
          this.set({ state: 'total' }, stats.total);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
      void pool;
    }

    const groupCommits = options.groupCommitStats;
    if (groupCommits !== undefined) {
      // Counters read at scrape time: writes / commits is how many writes share each disk sync.
      new Counter({
        name: 'timeport_sqlite_commits_total',
        help: 'SQLite commits of grouped write transactions (group commit)',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(groupCommits().groups);
        },
      });
      new Counter({
        name: 'timeport_sqlite_committed_writes_total',
        help: 'Write transactions those commits carried',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(groupCommits().writes);
        },
      });
    }

    app.decorate('metrics', { registry } satisfies AppMetrics);

    const countResponse = (request: FastifyRequest, reply: FastifyReply): void => {
      // Unmatched URLs share one label: counting them by raw URL would let clients create series at will.
      const route = request.routeOptions.url ?? '(unmatched)';
      const labels = { method: KNOWN_METHODS.has(request.method) ? request.method : 'OTHER', route, status: String(reply.statusCode) };
      requests.inc(labels);
      latency.observe(labels, reply.elapsedTime / 1000);
      if (request.method !== 'POST') return;
      const result = reply.statusCode < 300 ? 'imported' : reply.statusCode < 500 ? 'refused' : 'failed';
      if (WORKLOG_IMPORT_ROUTE.test(route)) worklogImports.inc({ kind: 'single', result });
      if (route === BATCH_IMPORT_ROUTE) {
        worklogImports.inc({ kind: 'batch', result });
        const entries = (request.body as { entries?: unknown } | undefined)?.entries;
        if (Array.isArray(entries)) importBatchSize.observe({ result }, entries.length);
      }
    };
    // A callback hook: an async one costs a promise and a turn of the microtask queue per request.
    app.addHook('onResponse', (request, reply, done) => {
      countResponse(request, reply);
      done();
    });

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['Operations'],
          summary: 'Prometheus metrics',
          description: 'The Prometheus text exposition format. Not authenticated, like /healthz.',
          response: {
            200: {
              description: 'The metrics',
              content: { 'text/plain': { schema: Type.String({ description: 'Prometheus text format 0.0.4' }) } },
            },
            ...ERROR_ANSWERS,
          },
        },
      },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics' },
);
