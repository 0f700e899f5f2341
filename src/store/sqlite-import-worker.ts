import { parentPort, workerData } from 'node:worker_threads';
import { GroupCommitter } from './group-commit.js';
import type { ImportGroupEntry } from './import-groups.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { insertImportedWorklogWithAudit } from './worklogs.js';
import type { ImportWriterReply, ImportWriterRequest, WorkerData } from './sqlite-import-writer.js';

/**
 * The writer thread of sqlite-import-writer.ts: its own connection to the store's file, and a group
 * commit of its own on it. Each request's imports are written, each between a SAVEPOINT and its
 * RELEASE, and committed together (group-commit.ts) before the answer goes back.
 */
const port = parentPort;
if (port === null) throw new Error('sqlite-import-worker.ts runs as a worker thread (sqlite-import-writer.ts)');
const { file } = workerData as WorkerData;
const { sqlite, statements, db } = openSqliteConnection(file);
const committer = new GroupCommitter(db, { sqlite, statements });

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
        outcome.status === 'fulfilled' ? { worklog: outcome.value } : { error: errorFields(outcome.reason) },
      ),
    };
    port.postMessage(reply);
  });
  inProgress.add(written);
  void written.finally(() => inProgress.delete(written));
});
