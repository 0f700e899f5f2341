import { type CatalogueName, catalogueEntryByKey } from '../domain/catalogue.js';
import { formatBusinessDuration } from '../domain/duration.js';
import { formatTrackerTimestamp } from '../domain/timestamp.js';
import type { IssueView } from '../service/issues.js';
import type { WorklogsAcrossIssues, WorklogsView } from '../service/worklogs.js';
import type { FieldDefinition } from '../domain/fields.js';
import type { User } from '../domain/accounts.js';
import type { IssueForWorklog, IssueWithoutSpent, Queue } from '../domain/issue.js';
import type { Worklog } from '../domain/worklog.js';
import type {
  CatalogueReferenceAnswer,
  FieldAnswer,
  IssueAnswer,
  IssueReferenceAnswer,
  QueueAnswer,
  QueueReferenceAnswer,
  UserAnswer,
  UserReferenceAnswer,
  WorklogAnswer,
} from './schemas/resources.js';

/**
 * Tracker's JSON shapes, typed by their schemas (schemas/resources.ts), which Fastify serializes them
 * with and the API document shows. Every `self` is an absolute URL on the public base with the API version
 * the request used, so clients that keep only the path (the official one does) can follow it.
 */
export type ApiVersion = 'v2' | 'v3';

export interface Links {
  /** The public base URL, without a trailing slash. */
  readonly base: string;
  readonly version: ApiVersion;
  /**
   * How `Link` headers are written (`TIMEPORT_LINK_STYLE`): absolute URLs, or without the scheme
   * as the live service writes some of them (docs/tracker-api.md, "Links without a scheme").
   */
  readonly linkStyle?: LinkStyle;
}

export type LinkStyle = 'absolute' | 'schemeless';

export const selfUrl = (links: Links, path: string): string => `${links.base}/${links.version}/${path}`;

/** A `Link` header's target: `self`'s URL, without its scheme in the schemeless style. */
export const linkUrl = (links: Links, path: string): string => {
  const url = selfUrl(links, path);
  return links.linkStyle === 'schemeless' ? url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '') : url;
};

/** The URL of a Timeport extension's object, e.g. `imports/12`; extensions have no API version. */
export const timeportUrl = (links: Links, path: string): string => `${links.base}/timeport/v1/${path}`;

const segment = (value: string | number): string => encodeURIComponent(String(value));

/** A user inside another object. v2 has no passportUid or cloudUid (docs/tracker-api.md §Users). */
export function userReference(user: User, links: Links): UserReferenceAnswer {
  const base = { self: selfUrl(links, `users/${user.uid}`), id: String(user.uid), display: user.display };
  if (links.version === 'v2') return base;
  return { ...base, cloudUid: user.cloudUid, passportUid: user.passportUid ?? user.uid };
}

/** `GET /v3/users/<id>` and `/myself` (docs/tracker-api.md §Users). */
export function userResource(user: User, links: Links): UserAnswer {
  return {
    self: selfUrl(links, `users/${user.uid}`),
    uid: user.uid,
    login: user.login,
    trackerUid: user.uid,
    passportUid: user.passportUid ?? user.uid,
    cloudUid: user.cloudUid,
    firstName: user.firstName,
    lastName: user.lastName,
    display: user.display,
    email: user.email ?? undefined,
    external: false,
    hasLicense: true,
    dismissed: user.dismissed,
    useNewFilters: true,
    disableNotifications: false,
  };
}

function catalogueReference(name: CatalogueName, key: string, links: Links): CatalogueReferenceAnswer {
  const entry = catalogueEntryByKey(name, key);
  return { self: selfUrl(links, `${name}/${entry.id}`), id: String(entry.id), key: entry.key, display: entry.display };
}

export function queueReference(queue: Queue, links: Links): QueueReferenceAnswer {
  return { self: selfUrl(links, `queues/${segment(queue.key)}`), id: String(queue.id), key: queue.key, display: queue.name };
}

export function queueResource(queue: Queue, lead: User, links: Links): QueueAnswer {
  const extra = queue.extra;
  return {
    self: selfUrl(links, `queues/${segment(queue.key)}`),
    id: queue.id,
    key: queue.key,
    version: queue.version,
    name: queue.name,
    description: queue.description ?? undefined,
    lead: userReference(lead, links),
    assignAuto: extra.assignAuto ?? false,
    allowExternals: extra.allowExternals ?? false,
    denyVoting: extra.denyVoting ?? false,
    defaultType: catalogueReference('issuetypes', queue.defaultType, links),
    defaultPriority: catalogueReference('priorities', queue.defaultPriority, links),
    issueTypesConfig: extra.issueTypesConfig,
  };
}

function userFrom(users: Map<number, User>, uid: number, links: Links): UserReferenceAnswer {
  const user = users.get(uid);
  if (user === undefined) throw new Error(`user ${uid} was not loaded`);
  return userReference(user, links);
}

const durationOrUndefined = (seconds: number | null) => (seconds === null ? undefined : formatBusinessDuration(seconds));

export function issueReference(issue: Pick<IssueWithoutSpent, 'id' | 'key' | 'summary'>, links: Links): IssueReferenceAnswer {
  return { self: selfUrl(links, `issues/${segment(issue.key)}`), id: issue.id, key: issue.key, display: issue.summary };
}

/**
 * Tracker's issue object. Fields Tracker leaves out when unset are left out (`undefined` is not
 * serialised); `spent` appears once time has been logged and is always the sum of the worklogs.
 */
export function issueResource({ issue, queue, users }: IssueView, links: Links): IssueAnswer {
  const extra = issue.extra;
  return {
    self: selfUrl(links, `issues/${segment(issue.key)}`),
    id: issue.id,
    key: issue.key,
    version: issue.version,
    summary: issue.summary,
    description: issue.description ?? undefined,
    createdBy: userFrom(users, issue.createdBy, links),
    updatedBy: userFrom(users, issue.updatedBy, links),
    createdAt: formatTrackerTimestamp(issue.createdAt),
    updatedAt: formatTrackerTimestamp(issue.updatedAt),
    assignee: issue.assigneeUid === null ? undefined : userFrom(users, issue.assigneeUid, links),
    followers: extra.followers?.map((uid) => userFrom(users, uid, links)),
    queue: queueReference(queue, links),
    type: catalogueReference('issuetypes', issue.type, links),
    priority: catalogueReference('priorities', issue.priority, links),
    status: catalogueReference('statuses', issue.status, links),
    resolution: issue.resolution === null ? undefined : catalogueReference('resolutions', issue.resolution, links),
    resolvedAt: issue.resolvedAt === null ? undefined : formatTrackerTimestamp(issue.resolvedAt),
    resolvedBy: issue.resolvedBy === null ? undefined : userFrom(users, issue.resolvedBy, links),
    tags: extra.tags,
    storyPoints: extra.storyPoints,
    deadline: issue.deadline ?? undefined,
    start: issue.start ?? undefined,
    end: issue.end ?? undefined,
    unique: issue.uniqueMarker ?? undefined,
    originalEstimation: durationOrUndefined(issue.originalEstimationSeconds),
    estimation: durationOrUndefined(issue.estimationSeconds),
    spent: issue.spentSeconds === 0 ? undefined : formatBusinessDuration(issue.spentSeconds),
    votes: 0,
    favorite: false,
    commentWithoutExternalMessageCount: 0,
    commentWithExternalMessageCount: 0,
  };
}

/** The worklog object of the spec's response. Its `self` uses the singular `worklog`, always. */
export function worklogResource(worklog: Worklog, issue: IssueForWorklog, users: Map<number, User>, links: Links): WorklogAnswer {
  return {
    self: selfUrl(links, `issues/${segment(issue.key)}/worklog/${worklog.id}`),
    id: worklog.id,
    version: worklog.version,
    issue: issueReference(issue, links),
    comment: worklog.comment ?? undefined,
    createdBy: userFrom(users, worklog.createdBy, links),
    updatedBy: userFrom(users, worklog.updatedBy, links),
    createdAt: formatTrackerTimestamp(worklog.createdAt),
    updatedAt: formatTrackerTimestamp(worklog.updatedAt),
    start: formatTrackerTimestamp(worklog.start),
    duration: formatBusinessDuration(worklog.durationSeconds),
  };
}

export const worklogResources = (view: WorklogsView, links: Links): WorklogAnswer[] =>
  view.worklogs.map((worklog) => worklogResource(worklog, view.issue, view.users, links));

/** Worklogs of several issues (the search), each with its own issue. */
export const worklogResourcesAcross = (view: WorklogsAcrossIssues, links: Links): WorklogAnswer[] =>
  view.worklogs.map((worklog) => {
    const issue = view.issues.get(worklog.issueId);
    if (issue === undefined) throw new Error(`issue ${worklog.issueId} was not loaded`);
    return worklogResource(worklog, issue, view.users, links);
  });

/** An entry of `GET /v3/fields/`: the client needs `self`, `id` and `schema.type` (docs/tracker-api.md §Official client, 3). */
export function fieldResource(field: FieldDefinition, links: Links): FieldAnswer {
  return {
    self: selfUrl(links, `fields/${segment(field.id)}`),
    id: field.id,
    name: field.name,
    key: field.id,
    version: 1,
    schema: field.schema,
    readonly: field.readonly,
    options: field.options,
    suggest: field.suggest,
  };
}
