import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Organization, User } from '../domain/accounts.js';
import type { AuditRecord } from '../domain/audit.js';
import type { Issue, IssueExtra, Queue, QueueExtra } from '../domain/issue.js';

/**
 * The database as Kysely sees it. Column names are camelCase here and snake_case in SQL
 * (CamelCasePlugin). Instants are integer milliseconds since the epoch, durations whole seconds,
 * flags 0/1 integers, lists and free-form extras JSON text: the same on SQLite and PostgreSQL.
 * Rows are read as domain values (domain-values.ts turns the users' flags into booleans and the
 * JSON columns into objects), so a column's select type here is the domain's, its insert and
 * update types the stored format.
 */
export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  tokens: TokenTable;
  queues: QueueTable;
  issues: IssueTable;
  worklogs: WorklogTable;
  importBatches: ImportBatchTable;
  importedWorklogs: ImportedWorklogTable;
  idempotencyKeys: IdempotencyKeyTable;
  auditEvents: AuditEventTable;
}

type Flag = 0 | 1;
/** A 0/1 flag, read as a boolean (domain-values.ts). */
type BooleanFlag = ColumnType<boolean, Flag, Flag>;
/** JSON text, read parsed (domain-values.ts). */
type JsonText<T> = ColumnType<T, string, string>;

export interface OrganizationTable {
  id: string;
  cloudOrgId: string | null;
  name: string;
  createdAt: number;
}

export interface UserTable {
  uid: Generated<number>;
  orgId: string;
  login: string;
  /** The login lowercased: logins are unique and looked up without regard to case. */
  loginKey: string;
  display: string;
  firstName: string;
  lastName: string;
  email: string | null;
  isAdmin: BooleanFlag;
  passportUid: number | null;
  cloudUid: string;
  dismissed: BooleanFlag;
  createdAt: number;
}

export interface TokenTable {
  id: Generated<number>;
  userUid: number;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  tokenHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface QueueTable {
  id: Generated<number>;
  orgId: string;
  key: string;
  name: string;
  description: string | null;
  leadUid: number;
  defaultType: string;
  defaultPriority: string;
  /** The highest issue number taken in this queue; the next created issue gets one more. */
  lastIssueNumber: number;
  /** Tracker queue fields Timeport keeps but does not interpret (issueTypesConfig, ...), JSON. */
  extra: JsonText<QueueExtra>;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface IssueTable {
  id: string;
  orgId: string;
  queueId: number;
  key: string;
  number: number;
  summary: string;
  description: string | null;
  status: string;
  type: string;
  priority: string;
  assigneeUid: number | null;
  createdAt: number;
  createdBy: number;
  updatedAt: number;
  updatedBy: number;
  resolvedAt: number | null;
  resolvedBy: number | null;
  resolution: string | null;
  version: number;
  /** The sum of the issue's worklog durations, kept in the same transaction as every change to them. */
  spentSeconds: number;
  originalEstimationSeconds: number | null;
  estimationSeconds: number | null;
  uniqueMarker: string | null;
  deadline: string | null;
  start: string | null;
  end: string | null;
  /** JSON: tags, followers and the other Tracker fields kept as given. */
  extra: JsonText<IssueExtra>;
}

export interface WorklogTable {
  id: Generated<number>;
  orgId: string;
  issueId: string;
  createdBy: number;
  createdAt: number;
  updatedBy: number;
  updatedAt: number;
  start: number;
  durationSeconds: number;
  comment: string | null;
  version: number;
  imported: ColumnType<Flag, Flag | undefined, Flag>;
}

// The domain's types are what these tables' rows are read as; a column changed on one side only
// fails to compile here.
export type { Issue, Organization, Queue, User };
type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const ROWS_ARE_DOMAIN_VALUES: [
  SameType<Selectable<OrganizationTable>, Organization>,
  SameType<Selectable<UserTable>, User>,
  SameType<Selectable<QueueTable>, Queue>,
  SameType<Selectable<IssueTable>, Issue>,
  SameType<Selectable<AuditEventTable>, AuditRecord>,
] = [true, true, true, true, true];
export type NewIssue = Insertable<IssueTable>;
export type Worklog = Selectable<WorklogTable>;
export type NewWorklog = Insertable<WorklogTable>;

/** One batch of `/timeport/v1/worklogs/_import` (the import ledger). */
export interface ImportBatchTable {
  id: Generated<number>;
  orgId: string;
  createdBy: number;
  createdAt: number;
  /** What the importer says the entries came from (a file name, a system), as given. */
  source: string | null;
  mode: 'atomic' | 'partial';
  createdCount: number;
  alreadyPresentCount: number;
  failedCount: number;
  rolledBackAt: number | null;
  rolledBackBy: number | null;
}

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

export type ImportBatch = Selectable<ImportBatchTable>;

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
export interface AuditEventTable {
  id: Generated<number>;
  orgId: string;
  at: number;
  /** Who made the change; null for the operator at the command line. */
  actorUid: number | null;
  action: string;
  issueKey: string | null;
  worklogId: number | null;
  batchId: number | null;
  /** The `X-Request-Id` of the request that made the change (the caller's when it sent a sane one). */
  requestId: string | null;
  /** The server's own id of that request, whatever the caller sent; null for the command line and older events. */
  serverRequestId: string | null;
  /** JSON: what changed, in the API's own terms. */
  details: JsonText<Record<string, unknown>>;
}

export type AuditEventRow = AuditRecord;
