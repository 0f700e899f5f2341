import type { ColumnType, Generated, Insertable } from 'kysely';
import type { Organization, User } from '../domain/accounts.js';
import type { AuditRecord } from '../domain/audit.js';
import type { Issue, IssueExtra, Queue, QueueExtra } from '../domain/issue.js';
import type { ImportBatch, Worklog } from '../domain/worklog.js';

/**
 * The database as Kysely sees it. Column names are camelCase here and snake_case in SQL
 * (CamelCasePlugin). Instants are integer milliseconds since the epoch, durations whole seconds,
 * flags 0/1 integers, lists and free-form extras JSON text: the same on SQLite and PostgreSQL.
 * Rows are read as domain values (domain-values.ts turns the 0/1 flags into booleans and the
 * JSON columns into objects), so a column's select type here is the domain's, its insert and
 * update types the stored format.
 */
export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  tokens: TokenTable;
  queues: QueueTable;
  issues: IssueTable;
  issueSpentShards: IssueSpentShardTable;
  worklogs: WorklogTable;
  importBatches: ImportBatchTable;
  importedWorklogs: ImportedWorklogTable;
  idempotencyKeys: IdempotencyKeyTable;
  auditEvents: AuditEventTable;
  catalogEpoch: CatalogEpochTable;
}

type Flag = 0 | 1;
/** A 0/1 flag, read as a boolean (domain-values.ts). */
type BooleanFlag = ColumnType<boolean, Flag, Flag>;
/** JSON text, read parsed (domain-values.ts). */
type JsonText<T> = ColumnType<T, string, string>;

/** The domain's organization, as stored. */
export type OrganizationTable = Organization;

/** The domain's user, as stored: the uid generated, the flags 0/1. */
export type UserTable = Omit<User, 'uid' | 'isAdmin' | 'dismissed'> & {
  uid: Generated<number>;
  isAdmin: BooleanFlag;
  dismissed: BooleanFlag;
};

export interface TokenTable {
  id: Generated<number>;
  userUid: number;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  revokedAt: number | null;
}

/** The domain's queue, as stored: the id generated, the extras (issueTypesConfig, ...) JSON text. */
export type QueueTable = Omit<Queue, 'id' | 'extra'> & { id: Generated<number>; extra: JsonText<QueueExtra> };

/** The domain's issue, as stored: tags, followers and the other Tracker fields kept as given, JSON text. */
export type IssueTable = Omit<Issue, 'extra'> & { extra: JsonText<IssueExtra> };

/**
 * Seconds single imports added to an issue's `spent` on PostgreSQL, a few counters per issue
 * (`shard`), so that concurrent imports into one issue do not wait for each other's commit. An
 * issue's `spent` is its `spentSeconds` plus these (store/issues.ts); SQLite never writes here.
 */
export interface IssueSpentShardTable {
  issueId: string;
  shard: number;
  seconds: number;
}

/** One row: moved by triggers whenever what the catalog cache keeps changes (store/catalog-cache.ts). */
export interface CatalogEpochTable {
  id: number;
  epoch: number;
}

/** The domain's worklog, as stored: the id generated, `imported` a 0/1 flag (0 unless given). */
export type WorklogTable = Omit<Worklog, 'id' | 'imported'> & {
  id: Generated<number>;
  imported: ColumnType<boolean, Flag | undefined, Flag>;
};

// The tables above are the domain's types as stored, so their rows are read as those types.
export type { ImportBatch, Issue, Organization, Queue, User, Worklog };
export type NewIssue = Insertable<IssueTable>;
export type NewWorklog = Insertable<WorklogTable>;

/** The domain's import batch, as stored: the id generated. */
export type ImportBatchTable = Omit<ImportBatch, 'id'> & { id: Generated<number> };

/** A worklog created by a batch, with the entry's id in the source system. */
export interface ImportedWorklogTable {
  worklogId: number;
  orgId: string;
  batchId: number;
  externalId: string | null;
  /**
   * The worklog's version right after the last write through the batch import or
   * `/timeport/v1/worklogs/_changes`; another version means it was changed by other means since.
   */
  syncedVersion: number;
}

/** An `Idempotency-Key` of one token in one organization, and what its request answered. */
export interface IdempotencyKeyTable {
  orgId: string;
  /** SHA-256 of the token, as in `tokens`: keys are scoped per token. */
  tokenHash: string;
  idempotencyKey: string;
  /** SHA-256 of method, path and canonical JSON body: the same key with another request is refused. */
  requestHash: string;
  state: 'pending' | 'committed' | 'done';
  /** Which request holds the claim (random per request): only it may complete the key. */
  owner: string;
  claimedAt: number;
  statusCode: number | null;
  responseBody: string | null;
  responseType: string | null;
}

/** One change recorded in the audit log (service/audit.ts). */
/** The domain's audit event, as stored: the id generated, what changed JSON text. */
export type AuditEventTable = Omit<AuditRecord, 'id' | 'details'> & { id: Generated<number>; details: JsonText<Record<string, unknown>> };

export type AuditEventRow = AuditRecord;
