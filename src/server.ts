import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { type Config, defaultPublicUrl } from './config.js';
import type { ServiceContext } from './service/context.js';
import { bootstrapOrganization } from './service/organizations.js';
import { type Store, openStore, storeOptions } from './store/database.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  /** The address actually listened on (the port is chosen by the system when PORT=0). */
  url: string;
  /** Stops taking requests, finishes those in flight, closes the database. */
  close(): Promise<void>;
}

/**
 * Opens the database (migrating it) and creates the first organization if the database is new.
 * Several processes may start together on an empty database: one bootstraps, under the startup
 * lock, and the others find the organization it made.
 */
export async function openAndBootstrap(config: Config, print: (line: string) => void): Promise<Store> {
  const store = await openStore(storeOptions(config));
  try {
    const ctx: ServiceContext = { store, now: Date.now };
    const bootstrap = await store.withStartupLock(() => bootstrapOrganization(ctx, config.orgId, config.adminToken));
    if (bootstrap.created !== undefined) {
      const { org, admin, token } = bootstrap.created;
      print(`Created organization ${org.id} with administrator "${admin.login}".`);
      if (bootstrap.tokenWasChosen) print(`The administrator's token is the one given in TIMEPORT_ADMIN_TOKEN.`);
      else print(`Administrator token (shown only this once, keep it): ${token}`);
    }
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Opens the database, creates the first organization if the database is new, and listens. */
export async function startServer(config: Config, print: (line: string) => void = console.log): Promise<RunningServer> {
  const store = await openAndBootstrap(config, print);
  let app: FastifyInstance | undefined;
  try {
    const ctx: ServiceContext = { store, now: Date.now };
    let draining = false;
    let listeningPort = config.port;
    app = await buildApp({
      ctx,
      publicUrl: config.publicUrl ?? (() => defaultPublicUrl(config.host, listeningPort)),
      bodyLimit: config.bodyLimit,
      databasePoolStats: store.poolStats === undefined ? undefined : () => store.poolStats?.(),
      rateLimit: config.rateLimit === undefined ? undefined : { ...config.rateLimit, redisUrl: config.redisUrl },
      linkStyle: config.linkStyle,
      importAnswer: config.importAnswer,
      authFailureLimit: config.authFailureLimit === undefined ? 'off' : { ...config.authFailureLimit, redisUrl: config.redisUrl },
      logger: { level: config.logLevel },
      isReady: () => !draining,
    });
    const url = await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    if (address !== null && typeof address === 'object') listeningPort = address.port;
    const running = app;
    return {
      app,
      store,
      url,
      close: async () => {
        draining = true;
        await running.close();
        await store.close();
      },
    };
  } catch (error) {
    await app?.close();
    await store.close();
    throw error;
  }
}

export interface SignalOptions {
  /**
   * How long requests in flight may take to finish (`TIMEPORT_SHUTDOWN_GRACE_MS`). After it, the
   * connections still open are closed and the process exits 1: the shutdown was not clean.
   */
  graceMs: number;
  log?: (line: string) => void;
}

/**
 * Closes the server cleanly on SIGTERM or SIGINT, within the grace period; a second signal exits at
 * once. Returns the same close for other triggers (a cluster primary's request): one close,
 * whatever asks first. Exit codes: 0 when every request in flight finished and the database closed,
 * 1 when the grace period ran out, closing failed or a second signal came.
 */
export function closeOnSignals(server: RunningServer, options: SignalOptions): (reason: string) => void {
  const log = options.log ?? console.error;
  let closing = false;
  const close = (reason: string) => {
    if (closing) return;
    closing = true;
    log(`${reason}: finishing requests in flight, then closing the database. Requests still running in ${options.graceMs} ms are cut off.`);
    const deadline = setTimeout(() => {
      log(`requests still in flight after ${options.graceMs} ms: closing their connections and exiting.`);
      // Their clients see the connection close without an answer. A transaction cut off by the
      // exit is rolled back by the database, as after a crash.
      server.app.server.closeAllConnections();
      process.exit(1);
    }, options.graceMs);
    server.close().then(
      () => {
        clearTimeout(deadline);
        process.exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        log(`error while closing: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  // A second *signal* exits at once. A close asked for otherwise (a cluster primary's message) is
  // not one: a worker often gets that message before the process group's SIGTERM reaches it.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: exiting without waiting.`);
      process.exit(1);
    }
    signalled = true;
    close(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return close;
}
