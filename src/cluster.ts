import cluster, { type Worker } from 'node:cluster';
import { type Config, ConfigError, describeFidelity } from './config.js';
import { closeOnSignals, openAndBootstrap, startServer } from './server.js';

/** Messages between the primary and its workers over the cluster's IPC channel. */
type WorkerMessage = { type: 'listening'; url: string };
type PrimaryMessage = { type: 'shutdown' };

/** A worker that dies sooner than this after starting is not restarted in a loop. */
const RESTART_BACKOFF_MS = 1_000;
/**
 * On shutdown each worker gives its requests the grace period, then exits; the primary waits this
 * much longer for a worker that does not (its event loop blocked), then kills it.
 */
const WORKER_EXIT_MARGIN_MS = 5_000;

/**
 * `timeport serve --workers N`: N server processes on one port (node:cluster), each with its own
 * connection pool. The primary serves nothing itself: it migrates and bootstraps the database
 * once, starts the workers, restarts one that dies, and on SIGTERM/SIGINT has them all finish
 * their requests and exit. Needs PostgreSQL: SQLite takes one writer at a time per file, and
 * processes that wait on each other for it gain nothing.
 */
export async function serveWithWorkers(config: Config, workers: number, print: (line: string) => void = console.log): Promise<void> {
  if (config.databaseUrl === undefined) {
    throw new ConfigError('--workers needs PostgreSQL (DATABASE_URL=postgres://...); with the embedded SQLite database run one process');
  }
  // Migrations and the first-start bootstrap, once, before any worker opens the database.
  const store = await openAndBootstrap(config, print);
  await store.close();

  let stopping = false;
  const fork = (): Worker => cluster.fork();
  const listening = (worker: Worker) =>
    new Promise<string>((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type !== 'listening') return;
        worker.off('exit', onExit);
        resolve(message.url);
      };
      const onExit = (code: number | null, signal: string | null) =>
        reject(new Error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it was listening`));
      worker.once('exit', onExit);
      worker.on('message', onMessage);
    });

  const started = Array.from({ length: workers }, fork);
  let urls: string[];
  try {
    urls = await Promise.all(started.map(listening));
  } catch (error) {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    throw error;
  }
  // The primary holds the listening socket and hands connections out, so every worker reports the
  // same address (with PORT=0 too: the port is chosen once).
  const url = urls[0]!;

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`timeport: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another.`);
    setTimeout(() => {
      if (!stopping) fork();
    }, RESTART_BACKOFF_MS);
  });

  const stop = (signal: NodeJS.Signals) => {
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    if (stopping) {
      console.error(`${signal} again: stopping the workers without waiting.`);
      for (const worker of running) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    console.error(`${signal}: the workers finish their requests in flight, then exit (within ${config.shutdownGraceMs} ms).`);
    let failed = false;
    const exits = running.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', (code) => {
            if (code !== 0) failed = true;
            resolve();
          });
          // A message rather than a signal: a worker that got the signal already (from the process
          // group, as Ctrl-C sends it) must not take this for a second one. Such a worker may close
          // its channel between the check and the send (EPIPE): it is stopping anyway, and without
          // the callback the failed send would be an unhandled 'error' ending this process.
          if (worker.isConnected()) worker.send({ type: 'shutdown' } satisfies PrimaryMessage, () => undefined);
        }),
    );
    const deadline = setTimeout(() => {
      console.error(`timeport: workers still running ${config.shutdownGraceMs + WORKER_EXIT_MARGIN_MS} ms after ${signal}: killing them.`);
      for (const worker of running) if (!worker.isDead()) worker.process.kill('SIGKILL');
      process.exit(1);
    }, config.shutdownGraceMs + WORKER_EXIT_MARGIN_MS);
    void Promise.all(exits).then(() => {
      clearTimeout(deadline);
      process.exit(failed ? 1 : 0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  print(`Started ${workers} worker processes (${started.map((worker) => worker.process.pid).join(', ')}).`);
  const fidelity = describeFidelity(config);
  if (fidelity !== undefined) print(fidelity);
  print(`Timeport is listening on ${url}`);
}

/** In a worker: the ordinary server, reporting to the primary once it listens. */
export async function runClusterWorker(config: Config): Promise<void> {
  // The primary printed the bootstrap lines already; a worker finds the organization made.
  const server = await startServer(config, () => undefined);
  const close = closeOnSignals(server, { graceMs: config.shutdownGraceMs });
  process.on('message', (message: PrimaryMessage) => {
    if (message.type === 'shutdown') close('shutdown requested by the primary');
  });
  // The primary is gone (killed): nobody supervises this worker any more.
  process.on('disconnect', () => close('the primary process is gone'));
  process.send?.({ type: 'listening', url: server.url } satisfies WorkerMessage);
}

export const isClusterWorker = (): boolean => cluster.isWorker;
