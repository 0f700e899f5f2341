import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type AppOptions, buildApp } from '../src/api/app.js';
import type { ServiceContext } from '../src/service/context.js';
import { createOrganization } from '../src/service/organizations.js';
import { type Store, type StoreDialect, openPostgresStore, openSqliteStore } from '../src/store/database.js';
import { oneBackendReason } from './backend-list.mjs';
import { createTestDatabase } from './postgres.js';

export const ADMIN_TOKEN = 'test-admin-token-0000000001';
export const PUBLIC_URL = 'http://tracker.test';

/** A fresh directory under the system temp dir, removed by the returned function. */
export function tempDir(prefix = 'timeport-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  ctx: ServiceContext;
  /** The clock the services read; tests may move it. */
  clock: { now: number };
  /** Sends a request as the bootstrap admin of organization 1 unless headers say otherwise. */
  request(options: InjectOptions & { token?: string | null; org?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The database the tests run on: TIMEPORT_TEST_BACKEND=postgres or sqlite (the default).
 * scripts/run-tests.mjs runs every file once per backend, except the files support/backend-list.mjs
 * lists as needing no test database.
 */
export function testBackend(): StoreDialect {
  const backend = process.env.TIMEPORT_TEST_BACKEND ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres') throw new Error(`TIMEPORT_TEST_BACKEND=${backend}: use sqlite or postgres`);
  return backend;
}

const ROOT = path.resolve(import.meta.dirname, '..');
let claimed = false;

/**
 * Called by everything that opens a database on the test backend. It records the test file in
 * TIMEPORT_TEST_CLAIMS (once per process), where scripts/run-tests.mjs looks after the pass; then,
 * in a file support/backend-list.mjs lists as needing no database, it throws, since the PostgreSQL
 * pass leaves that file out (the runner fails the run on the claim too, should a test swallow the
 * throw). Programs that are not test files (bench/) choose their database themselves and are not
 * checked.
 */
export function claimTestBackend(): void {
  const main = process.argv[1];
  if (main === undefined || !/\.test\.[cm]?[jt]s$/.test(main)) return;
  const file = path.relative(ROOT, main).split(path.sep).join('/');
  if (!claimed) {
    claimed = true;
    const claims = process.env.TIMEPORT_TEST_CLAIMS;
    if (claims !== undefined && claims !== '') fs.appendFileSync(claims, `${file}\n`);
  }
  const reason = oneBackendReason(file);
  if (reason !== undefined) {
    throw new Error(
      `${file} opens a database on the test backend, but support/backend-list.mjs lists it as needing none (${reason}), ` +
        'so the PostgreSQL pass would leave it out: remove it from that list',
    );
  }
}

/** A new, migrated, empty store on the test backend, removed by `dispose`. */
export async function openTestStore(options: { file?: string; poolSize?: number; statementTimeoutMs?: number } = {}): Promise<{
  store: Store;
  dispose: () => Promise<void>;
}> {
  claimTestBackend();
  if (testBackend() === 'postgres') {
    const database = await createTestDatabase();
    const store = await openPostgresStore(database.url, {
      poolSize: options.poolSize ?? 5,
      statementTimeoutMs: options.statementTimeoutMs ?? 30_000,
      connectTimeoutMs: 5_000,
    });
    return {
      store,
      dispose: async () => {
        await store.close();
        await database.drop();
      },
    };
  }
  const temp = options.file === undefined ? tempDir() : undefined;
  const store = await openSqliteStore(options.file ?? path.join(temp!.dir, 'timeport.sqlite'));
  return {
    store,
    dispose: async () => {
      await store.close();
      temp?.remove();
    },
  };
}

/**
 * Builds the app on a new database of the test backend (a SQLite file, or a PostgreSQL database)
 * with organization `1` and its admin `admin` (token ADMIN_TOKEN). The clock starts at the real
 * time unless given.
 */
export async function buildTestApp(
  options: {
    now?: number;
    file?: string;
    authFailureLimit?: AppOptions['authFailureLimit'];
    app?: Partial<Pick<AppOptions, 'linkStyle' | 'importAnswer' | 'rateLimit' | 'publicUrl'>>;
  } = {},
): Promise<TestApp> {
  const { store, dispose } = await openTestStore({ file: options.file });
  const clock = { now: options.now ?? Date.now() };
  const ctx: ServiceContext = { store, now: () => clock.now };
  await createOrganization(ctx, { id: '1', adminLogin: 'admin', adminToken: ADMIN_TOKEN });
  const app = await buildApp({ ctx, publicUrl: PUBLIC_URL, authFailureLimit: options.authFailureLimit, ...options.app });
  return {
    app,
    store,
    ctx,
    clock,
    request: ({ token = ADMIN_TOKEN, org = '1', headers, ...rest }) =>
      app.inject({
        ...rest,
        headers: {
          ...(token === null ? {} : { authorization: `OAuth ${token}` }),
          ...(org === null ? {} : { 'x-org-id': org }),
          ...headers,
        },
      }),
    close: async () => {
      await app.close();
      await dispose();
    },
  };
}

/** Tracker's error body, checked for shape: every error must look like this. */
export function assertTrackerError(
  response: LightMyRequestResponse,
  statusCode: number,
): {
  errors: Record<string, string>;
  errorMessages: string[];
} {
  const body = response.json() as { errors: Record<string, string>; errorsData: object; errorMessages: string[]; statusCode: number };
  if (response.statusCode !== statusCode) {
    throw new Error(`expected status ${statusCode}, got ${response.statusCode}: ${response.body}`);
  }
  const ok =
    typeof body.errors === 'object' &&
    body.errors !== null &&
    !Array.isArray(body.errors) &&
    typeof body.errorsData === 'object' &&
    Array.isArray(body.errorMessages) &&
    body.errorMessages.every((message) => typeof message === 'string') &&
    body.statusCode === statusCode &&
    (Object.keys(body.errors).length > 0 || body.errorMessages.length > 0);
  if (!ok) throw new Error(`not a Tracker error body: ${response.body}`);
  return body;
}
