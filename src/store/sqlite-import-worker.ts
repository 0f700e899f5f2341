import { parentPort, workerData } from 'node:worker_threads';
import { GroupCommitter } from './group-commit.js';
import type { ImportGroupEntry } from './import-groups.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { insertImportedWorklogWithAudit } from './worklogs.js';
import type { ImportWriterReply, ImportWriterRequest, WorkerData } from './sqlite-import-writer.js';

/**
 * The writer thread of sqlite-import-writer.ts: its own connection to the store's file, and a group
 * commit of its own on it. The imports of the requests that wait are written in one transaction and
 * committed together (group-commit.ts) before the answers go back.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-import-worker.ts runs as a worker thread (sqlite-import-writer.ts)');
const { file } = workerData as WorkerData;
const { sqlite, statements, db } = openSqliteConnection(file);
// A savepoint keeps the original of every page its write changes in a statement journal, which
// SQLite moves to a temporary file once it outgrows 64 KiB and then keeps in the file until the
// transaction ends: that file made the statements three times as slow (BENCHMARKS.md, "2026-12-07
// (night)"). So a group is written without savepoints, and only after a failure with them
// (group-commit.ts), and the journal stays in memory, where it holds one import's pages at a
// time. This connection only writes imports: no sort or temporary table of a query grows here.
sqlite.pragma('temp_store = MEMORY');
const committer = new GroupCommitter(db, { direct: { sqlite, statements }, savepoints: 'after a failure' });

const writeEntry = ({ values, event }: ImportGroupEntry) =>
  committer.transaction((trx) => insertImportedWorklogWithAudit('sqlite', trx, values, event));

/** What crosses back of an error: enough for classifyDatabaseError (store/errors.ts) to read it. */
const errorFields = (error: unknown) =>
  error instanceof Error
    ? { message: error.message, code: (error as { code?: unknown }).code as string | undefined }
    : { message: String(error), code: undefined };

/** The requests being written: a close waits for them. */
const inProgress = new Set<Promise<void>>();

port.on('message', (request: ImportWriterRequest) => {
  if (request.kind === 'close') {
    void Promise.all(inProgress).then(() => {
      sqlite.close();
      port.close();
    });
    return;
  }
  const written = Promise.allSettled(request.entries.map(writeEntry)).then((outcomes) => {
    const reply: ImportWriterReply = {
      id: request.id,
      commits: { ...committer.stats },
      outcomes: outcomes.map((outcome) =>
        outcome.status === 'fulfilled' ? { worklogId: outcome.value.id } : { error: errorFields(outcome.reason) },
      ),
    };
    port.postMessage(reply);
  });
  inProgress.add(written);
  void written.finally(() => inProgress.delete(written));
});
