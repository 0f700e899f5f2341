import { Worker } from 'node:worker_threads';
import type { ImportGroupEntry } from './import-groups.js';

/**
 * Single imports on SQLite, written by a thread of their own (issue 19, point 3). The group commit
 * on the store's connection ran every import's statements and the COMMIT's disk sync on the event
 * loop: half of the main thread's time under load, while no request could be parsed or answered
 * (BENCHMARKS.md). A worker thread with its own connection to the same file now writes them, in
 * groups with one synced COMMIT each (`synchronous=FULL`, as before), while the event loop goes on
 * with HTTP. Each import is answered after its group's COMMIT, so an answer still means "on disk".
 *
 * The import's reads (the token's owner, the issue, the author) come from the catalog cache
 * (catalog-cache.ts), so in the steady state the main thread does not touch the database for an
 * import at all.
 *
 * SQLite takes one writer at a time. The store's group commit (group-commit.ts) sends the thread
 * its groups of imports and runs every other write itself, one group after the other, so the two
 * connections never wait for each other's write lock (a wait in SQLite's busy handler would stop
 * the event loop). Another process (the `timeport` command) is waited for as before.
 */

export interface WorkerData {
  file: string;
}

export type ImportWriterRequest = { kind: 'write'; id: number; entries: ImportGroupEntry[] } | { kind: 'close' };

/**
 * Per import, in the order sent: its worklog's id, or what its write failed with. The id is all
 * that crosses back: the rest of the row is the import's own values (store/worklogs.ts,
 * `importedWorklog`), and copying whole rows between threads cost both of them.
 */
export interface ImportWriterReply {
  id: number;
  /** The thread's commits so far and the imports they carried (group-commit.ts, `stats`). */
  commits: { groups: number; writes: number };
  outcomes: ({ worklogId: number } | { error: { message: string; code: string | undefined } })[];
}

/** The thread's module: compiled next to this one, or this checkout's source under tsx (tests). */
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './sqlite-import-worker.ts' : './sqlite-import-worker.js', import.meta.url);

interface Waiting {
  resolve: (outcomes: ImportWriterReply['outcomes']) => void;
  reject: (error: unknown) => void;
}

export class SqliteImportWriter {
  /** Started at the first import: most `timeport` commands open the store and never import one. */
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  /** Why the thread is gone, once it is: later imports are then written on the store's connection. */
  private failure: Error | undefined;
  /** Groups sent to the thread and the imports it wrote (for tests and benchmarks). */
  readonly stats = { groups: 0, writes: 0 };
  /** The thread's own commits and the imports they carried, as of its last answer (for /metrics). */
  readonly commitStats = { groups: 0, writes: 0 };

  constructor(private readonly file: string) {}

  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: { file: this.file } satisfies WorkerData });
    worker.on('message', (reply: ImportWriterReply) => {
      Object.assign(this.commitStats, reply.commits);
      const waiting = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      waiting?.resolve(reply.outcomes);
      // The event loop may end while the thread idles (a command done with its store).
      if (this.waiting.size === 0) worker.unref();
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the SQLite import writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** False once the thread is gone. */
  get available(): boolean {
    return this.failure === undefined;
  }

  /**
   * Writes the imports in one group and answers, per import, its worklog's id or its error. Rejects
   * when the thread fails first: then nobody knows which were committed.
   */
  async write(entries: ImportGroupEntry[]): Promise<ImportWriterReply['outcomes']> {
    if (this.failure !== undefined) throw this.failure;
    const worker = this.started();
    const id = this.nextId++;
    const reply = new Promise<ImportWriterReply['outcomes']>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ kind: 'write', id, entries } satisfies ImportWriterRequest);
    this.stats.groups += 1;
    const outcomes = await reply;
    for (const outcome of outcomes) if ('worklogId' in outcome) this.stats.writes += 1;
    return outcomes;
  }

  /** Closes the thread's connection, once it has answered the groups it holds, and waits for the thread to end. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined || this.failure !== undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'close' } satisfies ImportWriterRequest);
    await exited;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** An error the thread reported, as the driver would have thrown it here (store/errors.ts reads `code`). */
export function writerError({ message, code }: { message: string; code: string | undefined }): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}
