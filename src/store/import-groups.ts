import { type Kysely, sql } from 'kysely';
import type { Database, Worklog } from './schema.js';
import type { ImportAuditValues, ImportedWorklogValues } from './worklogs.js';

/**
 * Single imports on PostgreSQL, written in groups (issue 19, point 3). Each single import was one
 * statement in a transaction of its own: a round trip, a commit and its wait for the WAL flush,
 * each waking PostgreSQL, for one row. Imports that arrive together (the requests of one turn of
 * the event loop, and those that came while the previous group was being written) are now written
 * by one statement: the worklogs, the issues' `spent` counters and the audit events of the whole
 * group, one commit. Each import is answered after that commit, as before.
 *
 * A statement is all or nothing. If PostgreSQL refuses a group's statement (one import's row broke
 * a constraint, or the statement was cancelled), nothing of it was committed, and each import of
 * the group is written again alone, so that only the one at fault fails, with its own error. If the
 * connection fails instead, the commit's fate is unknown: every import of the group fails with that
 * error and none is written again, as a lone import's would.
 *
 * Only imports without an idempotency key come here (store/worklogs.ts, `writeSingleImport`): one
 * that commits its key beside it runs the same statement, for its one row, in its own transaction.
 */

/**
 * How many `spent` counters an issue has at most on PostgreSQL (`issue_spent_shards`). An import
 * adds to the one its connection's backend process picks (`pg_backend_pid() % N`), so two
 * imports wait for each other only when their connections' process ids meet modulo N, which the
 * connections of a pool, forked one after another, seldom do. A read sums at most N small rows per
 * issue (store/issues.ts, `issueSpent`).
 */
export const SPENT_SHARDS = 32;

/** A group's imports at most: bounds a statement's size and what one refusal sends back alone. */
const MAX_IMPORT_GROUP = 256;
/**
 * Groups written at the same time at most. With one, the imports arriving during its round trip
 * wait for it; a second lets them go while the first commits, and keeps a pool connection free
 * for other requests (the pool has 10 by default).
 */
const MAX_GROUPS_IN_FLIGHT = 2;

export interface ImportGroupEntry {
  values: ImportedWorklogValues;
  event: ImportAuditValues;
}

interface PendingImport extends ImportGroupEntry {
  resolve: (worklog: Worklog) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the entries with one statement, in the transaction (or the statement's own) of `db`, and
 * answers their worklogs in the order given. Each worklog's id is drawn before its row is written,
 * so the audit event of the same row can name it: from the sequence PostgreSQL made for the
 * identity column (migration 0001), named as a constant so that it is resolved once, when the
 * statement is planned.
 */
export async function writeImportGroup(db: Kysely<Database>, entries: readonly ImportGroupEntry[]): Promise<Worklog[]> {
  const column = <T>(pick: (entry: ImportGroupEntry) => T): T[] => entries.map(pick);
  const { rows } = await sql<Worklog & { position: number }>`
    with given as materialized (
      select nextval('worklogs_id_seq') as id, g.*
      from unnest(
        ${column((e) => e.values.orgId)}::text[], ${column((e) => e.values.issueId)}::text[],
        ${column((e) => e.values.author)}::bigint[], ${column((e) => e.values.createdAt)}::bigint[],
        ${column((e) => e.values.start)}::bigint[], ${column((e) => e.values.durationSeconds)}::bigint[],
        ${column((e) => e.values.comment)}::text[], ${column((e) => e.event.orgId)}::text[],
        ${column((e) => e.event.at)}::bigint[], ${column((e) => e.event.actorUid)}::bigint[],
        ${column((e) => e.event.action)}::text[], ${column((e) => e.event.issueKey)}::text[],
        ${column((e) => e.event.batchId)}::bigint[], ${column((e) => e.event.requestId)}::text[],
        ${column((e) => e.event.serverRequestId)}::text[], ${column((e) => e.event.details)}::text[])
        with ordinality as g(org_id, issue_id, author, created_at, start, duration_seconds, comment, event_org_id,
          at, actor_uid, action, issue_key, batch_id, request_id, server_request_id, details, position)
    ),
    w as (
      insert into worklogs (id, org_id, issue_id, created_by, created_at, updated_by, updated_at, start, duration_seconds, comment, version, imported)
      select id, org_id, issue_id, author, created_at, author, created_at, start, duration_seconds, comment, 1, 1
      from given order by position
      returning *
    ),
    s as (
      -- One of the issue's counters (store/worklogs.ts, SPENT_SHARDS), in the order of the issues'
      -- ids, so that two groups meeting on the same counters take their locks in the same order.
      insert into issue_spent_shards (issue_id, shard, seconds)
      select issue_id, pg_backend_pid() % ${sql.lit(SPENT_SHARDS)}, sum(duration_seconds)
      from given group by issue_id order by issue_id
      on conflict (issue_id, shard) do update set seconds = issue_spent_shards.seconds + excluded.seconds
    ),
    a as (
      insert into audit_events (org_id, at, actor_uid, action, issue_key, worklog_id, batch_id, request_id, server_request_id, details)
      select event_org_id, at, actor_uid, action, issue_key, id, batch_id, request_id, server_request_id, details
      from given order by position
    )
    select given.position, w.* from w join given on given.id = w.id`.execute(db);
  if (rows.length !== entries.length) throw new Error(`import group: ${rows.length} worklogs written for ${entries.length} entries`);
  const worklogs = new Array<Worklog>(entries.length);
  for (const { position, ...worklog } of rows) worklogs[Number(position) - 1] = worklog;
  return worklogs;
}

/** The server refused the statement (it answered with an SQLSTATE): nothing of it was committed. */
const refusedByServer = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code);

export class ImportGroups {
  private readonly queue: PendingImport[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Statements written and the imports they carried: imports / groups is what the grouping saves. */
  readonly stats = { groups: 0, writes: 0, refusedGroups: 0 };

  constructor(private readonly db: Kysely<Database>) {}

  /** Writes one import with the others that come with it; resolves after its group's commit. */
  write(values: ImportedWorklogValues, event: ImportAuditValues): Promise<Worklog> {
    return new Promise<Worklog>((resolve, reject) => {
      this.queue.push({ values, event, resolve, reject });
      this.schedule();
    });
  }

  /** Starts the next groups at the next turn of the event loop, once this turn's imports have come. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_GROUPS_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < MAX_GROUPS_IN_FLIGHT && this.queue.length > 0) {
        this.inFlight += 1;
        void this.writeGroup(this.queue.splice(0, MAX_IMPORT_GROUP)).finally(() => {
          this.inFlight -= 1;
          this.schedule();
        });
      }
    });
  }

  private async writeGroup(group: PendingImport[]): Promise<void> {
    this.stats.groups += 1;
    let worklogs: Worklog[];
    try {
      worklogs = await writeImportGroup(this.db, group);
    } catch (error) {
      if (group.length === 1 || !refusedByServer(error)) {
        for (const pending of group) pending.reject(error);
        return;
      }
      this.stats.refusedGroups += 1;
      await Promise.all(group.map((pending) => this.writeGroup([pending])));
      return;
    }
    this.stats.writes += group.length;
    group.forEach((pending, index) => pending.resolve(worklogs[index]!));
  }
}
