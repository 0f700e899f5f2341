import { type Static, Type } from 'typebox';
import { TrackerError } from './errors.js';
import { UserObject, UserReferenceObject } from './resources.js';

/**
 * The answers of Timeport's own routes under /timeport/v1 (documented as extensions in the README
 * and docs/), and of the operational routes (health, readiness, metrics, the API document).
 */

const Self = Type.String({ description: 'the absolute URL of this object' });
const DateTime = (description: string) => Type.String({ description: `${description} (a Tracker date-time)` });
const Count = (description: string) => Type.Integer({ minimum: 0, description });

/** A user as the management routes answer it: Tracker's shape plus `isAdmin`. */
export const ManagedUserObject = Type.Object({ ...UserObject.properties, isAdmin: Type.Boolean() }, { title: 'ManagedUser' });

export const NewTokenObject = Type.Object(
  { token: Type.String({ description: 'the new token, shown only this once' }) },
  { title: 'NewToken' },
);

export const RevokedTokensObject = Type.Object({ revoked: Count('how many tokens were revoked') }, { title: 'RevokedTokens' });

/** What `timeport import` reads to discover the extensions (`GET /timeport/v1/capabilities`). */
export const CapabilitiesObject = Type.Object(
  {
    timeport: Type.Boolean({ description: 'always true: the server is Timeport' }),
    worklogBatchImport: Type.Object({
      path: Type.String(),
      maxEntries: Type.Integer(),
      maxBodyBytes: Type.Integer(),
      maxExternalIdLength: Type.Integer(),
      modes: Type.Array(Type.String()),
      dryRun: Type.Boolean(),
    }),
    importLedger: Type.Object({ path: Type.String(), rollback: Type.Boolean() }),
    worklogChanges: Type.Object({ path: Type.String(), maxChanges: Type.Integer(), maxBodyBytes: Type.Integer() }),
    worklogExternalList: Type.Object({ path: Type.String(), maxPerPage: Type.Integer() }),
  },
  { title: 'Capabilities' },
);

const BatchCounts = Type.Object({
  created: Count('entries created (for a dry run or a refused batch: entries that would be)'),
  alreadyPresent: Count('entries found already imported, by their externalId'),
  failed: Count('entries refused'),
});

/** One entry's outcome in a batch answer. */
export const BatchEntryResultObject = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: "the entry's position in the request" }),
    externalId: Type.Optional(Type.String()),
    // One string schema with its values listed, rather than a union of four (a shorter document).
    status: Type.Unsafe<'created' | 'valid' | 'alreadyPresent' | 'failed'>({
      type: 'string',
      enum: ['created', 'valid', 'alreadyPresent', 'failed'],
      description: 'created; valid (a dry run, or an atomic batch refused for other entries); alreadyPresent; failed',
    }),
    id: Type.Optional(Type.Integer({ description: 'the worklog id (created, alreadyPresent)' })),
    issue: Type.Optional(Type.String({ description: 'the issue key (created, valid)' })),
    error: Type.Optional(TrackerError),
  },
  { title: 'BatchEntryResult' },
);

/** `POST /timeport/v1/worklogs/_import`'s answer. */
export const BatchAnswerObject = Type.Object(
  {
    id: Type.Optional(Type.Integer({ description: "the batch's id in the import ledger, when something was stored" })),
    mode: Type.String({ description: 'atomic or partial' }),
    dryRun: Type.Boolean(),
    source: Type.Optional(Type.String()),
    stored: Type.Boolean({ description: 'whether anything was written' }),
    counts: BatchCounts,
    results: Type.Array(BatchEntryResultObject),
  },
  { title: 'BatchAnswer' },
);

/** An atomic batch refused as a whole: Tracker's error body, with the batch answer beside it. */
export const BatchRefusalObject = Type.Object(
  { ...TrackerError.properties, ...Type.Partial(BatchAnswerObject).properties },
  {
    title: 'BatchRefusal',
    description:
      "The batch or an entry is invalid: Tracker's error body; for an atomic batch with failing entries, the per-entry results beside it",
  },
);

/** An import batch in the ledger (the web page reads `id, createdAt, createdBy, counts, source`). */
export const ImportBatchObject = Type.Object(
  {
    self: Self,
    id: Type.Integer(),
    createdAt: DateTime('when the batch was imported'),
    createdBy: UserReferenceObject,
    source: Type.Optional(Type.String()),
    mode: Type.String({ description: 'atomic or partial' }),
    counts: BatchCounts,
    rolledBackAt: Type.Optional(DateTime('when the batch was rolled back')),
    rolledBackBy: Type.Optional(UserReferenceObject),
  },
  { title: 'ImportBatch' },
);

export const ImportBatchDetailObject = Type.Object(
  { ...ImportBatchObject.properties, remainingWorklogs: Count("the batch's worklogs still stored") },
  { title: 'ImportBatchDetail' },
);

export const ImportBatchRollbackObject = Type.Object(
  { ...ImportBatchDetailObject.properties, removed: Count('worklogs removed by this rollback') },
  { title: 'ImportBatchRollback' },
);

/** An event of the audit log (`GET /timeport/v1/audit`). */
export const AuditEventObject = Type.Object(
  {
    self: Self,
    id: Type.Integer(),
    at: DateTime('when the change was made'),
    action: Type.String({ description: 'worklog.import, worklog.create, batch.rollback, ...' }),
    actor: Type.Object(
      {
        self: Type.Optional(Type.String()),
        id: Type.String({ description: 'a uid, or "operator" for changes made at the command line' }),
        display: Type.String(),
        cloudUid: Type.Optional(Type.String()),
        passportUid: Type.Optional(Type.Integer()),
      },
      { description: 'a user reference, or the operator' },
    ),
    requestId: Type.Optional(Type.String({ description: "the X-Request-Id of the request that made the change (the caller's)" })),
    serverRequestId: Type.Optional(Type.String({ description: "the server's own id of that request" })),
    issue: Type.Optional(Type.Object({ key: Type.String(), self: Type.String() })),
    worklog: Type.Optional(Type.Object({ id: Type.Integer() })),
    batch: Type.Optional(Type.Object({ id: Type.Integer(), self: Type.String() })),
    details: Type.Unknown({ description: "what changed, in the API's own terms" }),
  },
  { title: 'AuditEvent' },
);

const Named = (what: string) =>
  Type.Object({ id: Type.String(), key: Type.String(), display: Type.String({ description: `the ${what}` }) });
const ReportFigures = {
  duration: Type.String({ description: 'business-time duration, such as P1DT40M' }),
  seconds: Type.Integer({ description: 'the same in seconds' }),
  count: Count('how many worklog entries are summed'),
};

/** `GET /timeport/v1/reports/time-spent` (JSON). */
export const TimeSpentReportObject = Type.Object(
  {
    from: DateTime('the start of the period, included'),
    to: DateTime('the end of the period, excluded'),
    tz: Type.String({ description: 'the IANA zone days, weeks and months are cut in' }),
    by: Type.String({ description: 'start or createdAt' }),
    groupBy: Type.Array(Type.String()),
    total: Type.Object(ReportFigures),
    rows: Type.Array(
      Type.Object({
        user: Type.Optional(Type.Object({ id: Type.String(), login: Type.String(), display: Type.String() })),
        issue: Type.Optional(Named('issue summary')),
        queue: Type.Optional(Named('queue name')),
        day: Type.Optional(Type.String({ description: 'YYYY-MM-DD' })),
        week: Type.Optional(Type.String({ description: 'ISO week, YYYY-Www' })),
        month: Type.Optional(Type.String({ description: 'YYYY-MM' })),
        ...ReportFigures,
      }),
    ),
  },
  { title: 'TimeSpentReport' },
);

export const HealthObject = Type.Object(
  { status: Type.String({ description: 'ok, or unavailable while the server shuts down' }) },
  { title: 'Health' },
);

export const ReadinessObject = Type.Object(
  {
    status: Type.String({ description: 'ok; draining while the server shuts down; unavailable without the database' }),
    database: Type.Optional(Type.String({ description: 'ok, unreachable, or no answer in time' })),
  },
  { title: 'Readiness' },
);

export const OpenApiDocumentObject = Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1' });

export type ManagedUserAnswer = Static<typeof ManagedUserObject>;
export type CapabilitiesAnswer = Static<typeof CapabilitiesObject>;
export type BatchAnswer = Static<typeof BatchAnswerObject>;
export type BatchEntryResult = Static<typeof BatchEntryResultObject>;
export type ImportBatchAnswer = Static<typeof ImportBatchObject>;
export type AuditEventAnswer = Static<typeof AuditEventObject>;
export type TimeSpentReportAnswer = Static<typeof TimeSpentReportObject>;
