import { type Static, Type } from 'typebox';

/**
 * Tracker's resource shapes as Timeport answers them (docs/tracker-api.md): what representations.ts
 * builds, typed from these schemas, and what Fastify serializes answers with. A field missing here
 * is not sent, so a field added to a representation must be added here (the compiler insists).
 * Each `title` names the schema in the API document (plugins/openapi.ts).
 */

const Url = (description: string) => Type.String({ description });
const Self = Url('the absolute URL of this object, under the API version of the request');
const DateTime = (description: string) =>
  Type.String({ description: `${description} (a Tracker date-time such as 2025-02-18T16:35:41.740+0000)` });
const BusinessDuration = (description: string) =>
  Type.String({ description: `${description}: an ISO 8601 duration in business time (1W = 5D, 1D = 8H), such as P1DT40M` });

/** A user inside another object. v2 has no `cloudUid` or `passportUid` (docs/tracker-api.md §Users). */
export const UserReferenceObject = Type.Object(
  {
    self: Self,
    id: Type.String({ description: 'the uid, as a string' }),
    display: Type.String(),
    cloudUid: Type.Optional(Type.String({ description: 'v3 only' })),
    passportUid: Type.Optional(Type.Integer({ description: 'v3 only' })),
  },
  { title: 'UserReference' },
);

/** `GET /v3/users/<id>` and `/myself` (docs/tracker-api.md §Users). */
export const UserObject = Type.Object(
  {
    self: Self,
    uid: Type.Integer(),
    login: Type.String(),
    trackerUid: Type.Integer(),
    passportUid: Type.Integer(),
    cloudUid: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    display: Type.String(),
    email: Type.Optional(Type.String()),
    external: Type.Boolean(),
    hasLicense: Type.Boolean(),
    dismissed: Type.Boolean(),
    useNewFilters: Type.Boolean(),
    disableNotifications: Type.Boolean(),
  },
  { title: 'User' },
);

/** An issue type, priority, status or resolution inside another object. */
export const CatalogueReferenceObject = Type.Object(
  { self: Self, id: Type.String(), key: Type.String(), display: Type.String() },
  { title: 'CatalogueReference' },
);

export const QueueReferenceObject = Type.Object(
  {
    self: Self,
    id: Type.String({ description: 'the queue id, as a string' }),
    key: Type.String(),
    display: Type.String({ description: 'the queue name' }),
  },
  { title: 'QueueReference' },
);

export const QueueObject = Type.Object(
  {
    self: Self,
    id: Type.Integer(),
    key: Type.String(),
    version: Type.Integer(),
    name: Type.String(),
    description: Type.Optional(Type.String()),
    lead: UserReferenceObject,
    assignAuto: Type.Boolean(),
    allowExternals: Type.Boolean(),
    denyVoting: Type.Boolean(),
    defaultType: CatalogueReferenceObject,
    defaultPriority: CatalogueReferenceObject,
    issueTypesConfig: Type.Optional(Type.Array(Type.Unknown(), { description: 'kept as given when the queue was created' })),
  },
  { title: 'Queue' },
);

export const IssueReferenceObject = Type.Object(
  { self: Self, id: Type.String(), key: Type.String(), display: Type.String({ description: 'the issue summary' }) },
  { title: 'IssueReference' },
);

/**
 * Tracker's issue object. Fields Tracker leaves out when unset are left out; `spent` appears once
 * time has been logged and is always the sum of the issue's worklogs.
 */
export const IssueObject = Type.Object(
  {
    self: Self,
    id: Type.String({ description: '24 hexadecimal digits' }),
    key: Type.String(),
    version: Type.Integer(),
    summary: Type.String(),
    description: Type.Optional(Type.String()),
    createdBy: UserReferenceObject,
    updatedBy: UserReferenceObject,
    createdAt: DateTime('when the issue was created'),
    updatedAt: DateTime('when the issue last changed'),
    assignee: Type.Optional(UserReferenceObject),
    followers: Type.Optional(Type.Array(UserReferenceObject)),
    queue: QueueReferenceObject,
    type: CatalogueReferenceObject,
    priority: CatalogueReferenceObject,
    status: CatalogueReferenceObject,
    resolution: Type.Optional(CatalogueReferenceObject),
    resolvedAt: Type.Optional(DateTime('when the issue was resolved')),
    resolvedBy: Type.Optional(UserReferenceObject),
    tags: Type.Optional(Type.Array(Type.String())),
    storyPoints: Type.Optional(Type.Number()),
    deadline: Type.Optional(Type.String()),
    start: Type.Optional(Type.String()),
    end: Type.Optional(Type.String()),
    unique: Type.Optional(Type.String()),
    originalEstimation: Type.Optional(BusinessDuration('the first estimate')),
    estimation: Type.Optional(BusinessDuration('the estimate')),
    spent: Type.Optional(BusinessDuration("the sum of the issue's worklogs")),
    votes: Type.Integer(),
    favorite: Type.Boolean(),
    commentWithoutExternalMessageCount: Type.Integer(),
    commentWithExternalMessageCount: Type.Integer(),
  },
  { title: 'Issue' },
);

/** A time entry (docs/tracker-api.md §Worklogs). Its `self` uses the singular `worklog`, always. */
export const WorklogObject = Type.Object(
  {
    self: Self,
    id: Type.Integer(),
    version: Type.Integer(),
    issue: IssueReferenceObject,
    comment: Type.Optional(Type.String()),
    createdBy: UserReferenceObject,
    updatedBy: UserReferenceObject,
    createdAt: DateTime('when the entry was logged'),
    updatedAt: DateTime('when the entry last changed'),
    start: DateTime('when the work began'),
    duration: BusinessDuration('the time spent'),
  },
  { title: 'Worklog' },
);

/** An entry of `GET /v3/fields/` (docs/tracker-api.md §Official client, 3). */
export const FieldObject = Type.Object(
  {
    self: Self,
    id: Type.String(),
    name: Type.String(),
    key: Type.String(),
    version: Type.Integer(),
    schema: Type.Object({ type: Type.String(), items: Type.Optional(Type.String()), required: Type.Optional(Type.Boolean()) }),
    readonly: Type.Boolean(),
    options: Type.Boolean(),
    suggest: Type.Boolean(),
  },
  { title: 'Field' },
);

export type UserReferenceAnswer = Static<typeof UserReferenceObject>;
export type UserAnswer = Static<typeof UserObject>;
export type CatalogueReferenceAnswer = Static<typeof CatalogueReferenceObject>;
export type QueueReferenceAnswer = Static<typeof QueueReferenceObject>;
export type QueueAnswer = Static<typeof QueueObject>;
export type IssueReferenceAnswer = Static<typeof IssueReferenceObject>;
export type IssueAnswer = Static<typeof IssueObject>;
export type WorklogAnswer = Static<typeof WorklogObject>;
export type FieldAnswer = Static<typeof FieldObject>;
