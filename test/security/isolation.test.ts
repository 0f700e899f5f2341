/**
 * The isolation matrix (issue 7): for every route the app registers under /v2, /v3 and
 * /timeport/v1, organization B's administrator is sent against organization A's issue, queue,
 * users, worklogs and import batches, naming A (403) or B (404, or a refusal or an empty answer
 * that shows nothing of A) through `X-Org-ID` and `X-Cloud-Org-ID`; without a token it is 401.
 * After every row, A's stored rows are exactly as before and no answer carried A's data. A member
 * of A who is not an administrator gets 403 from every admin-only route, and nothing changes.
 *
 * The table of routes is checked against the app's own list of registered routes, so a route
 * added without a row here fails the first test. A last test sends each row's valid request as
 * A's own administrator and gets a success: the refusals above come from isolation, not from a
 * malformed request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type ScrollCursor, encodeScrollId, scrollToken } from '../../src/domain/issue-scroll.js';
import { createOrganization } from '../../src/service/organizations.js';
import { type TestApp, assertTrackerError, buildTestApp } from '../../support/app.js';
import { NOW, ORG_UNAVAILABLE } from '../api/fixtures.js';
import { organizationRows } from './snapshot.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
type Version = 'v2' | 'v3';

/** What one organization holds after set-up, by the names and ids a client would use. */
interface Org {
  id: string;
  cloudId: string;
  adminToken: string;
  adminUid: number;
  /** A second token of the admin, for the revocation probes. */
  spareToken: string;
  /** A member who is not an administrator, with a login no other organization has. */
  memberLogin: string;
  memberUid: number;
  memberToken: string;
  queueKey: string;
  queueId: number;
  issueKey: string;
  issueId: string;
  unique: string;
  worklogByAdmin: number;
  worklogByMember: number;
  /** Entries only the positive control deletes, one per API version. */
  deletable: Record<Version, number>;
  batchId: number;
  /** The batch only the positive control rolls back. */
  rollbackBatchId: number;
}

interface World {
  a: Org;
  b: Org;
}

/** A request naming something of organization A, and what B's administrator gets in B. */
interface Probe {
  label: string;
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** The status in B's own organization: 404 for A's resources, 422/400 when A's are named in a body or query. */
  inOwnOrg: number | readonly number[];
  /** More about B's answer in its own organization, e.g. that a list holds only B's things. */
  check?: (body: unknown, world: World) => void;
}

/** A request that organization A's administrator may make, in A. */
interface ValidRequest {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  status: number;
}

interface Row {
  method: Method;
  /** The route pattern as Fastify registered it. */
  route: string;
  adminOnly: boolean;
  probes: (world: World) => Probe[];
  valid: (world: World, nonce: string) => ValidRequest;
}

const NOT_FOUND = 404;
/** Secret text every org A record carries: no answer to organization B may contain it. */
const A_MARKER = 'alpha-secret';

const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
const importBody = (createdBy: unknown, extra: Record<string, unknown> = {}) => ({
  duration: 'PT1H',
  createdAt: '2025-02-18T16:35:41.740+0000',
  createdBy,
  start: '2025-02-18T10:00:00.000+0000',
  ...extra,
});

type Listed = { self?: string; key?: string; login?: string; uid?: number; id?: number | string; issue?: { key: string } };
const list = (body: unknown): Listed[] => {
  assert.ok(Array.isArray(body), `expected a list, got ${JSON.stringify(body)}`);
  return body as Listed[];
};
const onlyB = (what: string, keys: (string | undefined)[]) => {
  for (const key of keys) assert.ok(key?.startsWith('BETA-'), `${what} of organization B lists ${String(key)}`);
};

/** The Tracker routes, once per API version. */
function trackerRows(v: Version): Row[] {
  const p = `/${v}`;
  const wl = (issue: string, id: number) => `${p}/issues/${issue}/worklog/${id}`;
  /** A's worklogs, under A's issue (by key and id) and under B's own issue. */
  const worklogProbes = (w: World, payload?: unknown, headers?: Record<string, string>): Probe[] =>
    [w.a.worklogByAdmin, w.a.worklogByMember].flatMap((id) => [
      { label: `A's worklog ${id} under A's key`, url: wl(w.a.issueKey, id), payload, headers, inOwnOrg: NOT_FOUND },
      { label: `A's worklog ${id} under A's id`, url: wl(w.a.issueId, id), payload, headers, inOwnOrg: NOT_FOUND },
      { label: `A's worklog ${id} under B's issue`, url: wl(w.b.issueKey, id), payload, headers, inOwnOrg: NOT_FOUND },
    ]);
  return [
    {
      method: 'GET',
      route: `${p}/myself`,
      adminOnly: false,
      probes: () => [
        {
          label: 'myself',
          url: `${p}/myself`,
          inOwnOrg: 200,
          check: (body, w) => assert.equal((body as Listed).uid, w.b.adminUid),
        },
      ],
      valid: () => ({ url: `${p}/myself`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/users`,
      adminOnly: false,
      probes: () => [
        {
          label: 'the user list',
          url: `${p}/users?perPage=1000`,
          inOwnOrg: 200,
          check: (body, w) => {
            const uids = list(body).map((user) => user.uid);
            assert.ok(!uids.includes(w.a.adminUid) && !uids.includes(w.a.memberUid), `B's user list has A's users: ${uids.join(',')}`);
            assert.ok(!list(body).some((user) => user.login === w.a.memberLogin));
          },
        },
      ],
      valid: () => ({ url: `${p}/users`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/users/:user`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's member by login", url: `${p}/users/${w.a.memberLogin}`, inOwnOrg: NOT_FOUND },
        { label: "A's member by uid", url: `${p}/users/${w.a.memberUid}`, inOwnOrg: NOT_FOUND },
        { label: "A's admin by uid", url: `${p}/users/${w.a.adminUid}`, inOwnOrg: NOT_FOUND },
        { label: "A's member as login:", url: `${p}/users/login:${w.a.memberLogin}`, inOwnOrg: NOT_FOUND },
      ],
      valid: (w) => ({ url: `${p}/users/${w.a.memberLogin}`, status: 200 }),
    },
    {
      method: 'POST',
      route: `${p}/queues`,
      adminOnly: true,
      probes: (w) => [
        {
          label: "A's member as lead (uid)",
          url: `${p}/queues/`,
          payload: { key: 'STOLEN', name: 'x', lead: w.a.memberUid },
          inOwnOrg: 422,
        },
        {
          label: "A's member as lead (login)",
          url: `${p}/queues/`,
          payload: { key: 'STOLEN', name: 'x', lead: { login: w.a.memberLogin } },
          inOwnOrg: 422,
        },
      ],
      valid: (w, nonce) => ({ url: `${p}/queues/`, payload: { key: `Q${nonce}`, name: 'Control', lead: w.a.memberLogin }, status: 201 }),
    },
    {
      method: 'GET',
      route: `${p}/queues/:queue`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's queue by key", url: `${p}/queues/${w.a.queueKey}`, inOwnOrg: NOT_FOUND },
        { label: "A's queue by id", url: `${p}/queues/${w.a.queueId}`, inOwnOrg: NOT_FOUND },
      ],
      valid: (w) => ({ url: `${p}/queues/${w.a.queueKey}`, status: 200 }),
    },
    {
      method: 'POST',
      route: `${p}/issues`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's queue by key", url: `${p}/issues/`, payload: { queue: w.a.queueKey, summary: 'x' }, inOwnOrg: 422 },
        { label: "A's queue by id", url: `${p}/issues/`, payload: { queue: { id: w.a.queueId }, summary: 'x' }, inOwnOrg: 422 },
        {
          label: "A's member as assignee",
          url: `${p}/issues/`,
          payload: { queue: w.b.queueKey, summary: 'x', assignee: w.a.memberUid },
          inOwnOrg: 422,
        },
        {
          label: "A's member as follower",
          url: `${p}/issues/`,
          payload: { queue: w.b.queueKey, summary: 'x', followers: [w.a.memberLogin] },
          inOwnOrg: 422,
        },
      ],
      valid: (w) => ({ url: `${p}/issues/`, payload: { queue: w.a.queueKey, summary: 'Control' }, status: 201 }),
    },
    {
      method: 'POST',
      route: `${p}/issues/_import`,
      adminOnly: true,
      probes: (w) => {
        const base = { summary: 'x', createdAt: ISSUE_CREATED_AT, createdBy: 'admin' };
        return [
          { label: "A's queue", url: `${p}/issues/_import`, payload: { ...base, queue: w.a.queueKey }, inOwnOrg: 422 },
          { label: "A's queue by id", url: `${p}/issues/_import`, payload: { ...base, queue: w.a.queueId }, inOwnOrg: 422 },
          {
            label: "A's member as author",
            url: `${p}/issues/_import`,
            payload: { ...base, queue: w.b.queueKey, createdBy: w.a.memberUid },
            inOwnOrg: 422,
          },
        ];
      },
      valid: (w) => ({
        url: `${p}/issues/_import`,
        payload: { queue: w.a.queueKey, summary: 'Control', createdAt: ISSUE_CREATED_AT, createdBy: 'admin' },
        status: 200,
      }),
    },
    {
      method: 'POST',
      route: `${p}/issues/_search`,
      adminOnly: false,
      probes: (w) => [
        {
          label: "A's key",
          url: `${p}/issues/_search`,
          payload: { keys: [w.a.issueKey] },
          inOwnOrg: 200,
          check: (body) => assert.deepEqual(body, []),
        },
        {
          label: "A's key alone",
          url: `${p}/issues/_search`,
          payload: { keys: w.a.issueKey },
          inOwnOrg: 200,
          check: (body) => assert.deepEqual(body, []),
        },
        { label: "A's queue", url: `${p}/issues/_search`, payload: { queue: w.a.queueKey }, inOwnOrg: 422 },
        { label: "A's queue by id in a filter", url: `${p}/issues/_search`, payload: { filter: { queue: w.a.queueId } }, inOwnOrg: 422 },
        // A scroll id is a self-contained cursor: one naming A's organization and admin is refused.
        { label: "A's scroll continued", url: `${p}/issues/_search?scrollId=${scrollOfA(w).scrollId}`, payload: {}, inOwnOrg: 400 },
        {
          label: 'every issue, scrolled',
          url: `${p}/issues/_search?scrollType=sorted&perScroll=1000`,
          payload: {},
          inOwnOrg: 200,
          check: (body) =>
            onlyB(
              'The issue scroll',
              list(body).map((issue) => issue.key),
            ),
        },
        {
          label: 'every issue',
          url: `${p}/issues/_search?perPage=1000`,
          payload: {},
          inOwnOrg: 200,
          check: (body) =>
            onlyB(
              'The issue search',
              list(body).map((issue) => issue.key),
            ),
        },
      ],
      valid: (w) => ({ url: `${p}/issues/_search`, payload: { keys: [w.a.issueKey] }, status: 200 }),
    },
    {
      method: 'POST',
      route: `${p}/system/search/scroll/_clear`,
      adminOnly: false,
      probes: (w) => {
        const { scrollId, token } = scrollOfA(w);
        return [{ label: "A's scroll", url: `${p}/system/search/scroll/_clear`, payload: { [scrollId]: token }, inOwnOrg: 400 }];
      },
      valid: (w) => {
        const { scrollId, token } = scrollOfA(w);
        return { url: `${p}/system/search/scroll/_clear`, payload: { [scrollId]: token }, status: 200 };
      },
    },
    {
      method: 'POST',
      route: `${p}/issues/_findByUnique`,
      adminOnly: false,
      probes: (w) => [{ label: "A's unique value", url: `${p}/issues/_findByUnique?unique=${w.a.unique}`, inOwnOrg: NOT_FOUND }],
      valid: (w) => ({ url: `${p}/issues/_findByUnique?unique=${w.a.unique}`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/issues/:issue`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's issue by key", url: `${p}/issues/${w.a.issueKey}`, inOwnOrg: NOT_FOUND },
        { label: "A's issue by key, lower case", url: `${p}/issues/${w.a.issueKey.toLowerCase()}`, inOwnOrg: NOT_FOUND },
        { label: "A's issue by id", url: `${p}/issues/${w.a.issueId}`, inOwnOrg: NOT_FOUND },
      ],
      valid: (w) => ({ url: `${p}/issues/${w.a.issueKey}`, status: 200 }),
    },
    {
      method: 'POST',
      route: `${p}/issues/:issue/worklogs/_import`,
      adminOnly: true,
      probes: (w) => [
        {
          label: "A's issue by key",
          url: `${p}/issues/${w.a.issueKey}/worklogs/_import`,
          payload: importBody('admin'),
          inOwnOrg: NOT_FOUND,
        },
        { label: "A's issue by id", url: `${p}/issues/${w.a.issueId}/worklogs/_import`, payload: importBody('admin'), inOwnOrg: NOT_FOUND },
        {
          label: "A's member as author",
          url: `${p}/issues/${w.b.issueKey}/worklogs/_import`,
          payload: importBody(w.a.memberUid),
          inOwnOrg: 422,
        },
      ],
      valid: (w) => ({ url: `${p}/issues/${w.a.issueKey}/worklogs/_import`, payload: importBody('admin'), status: 200 }),
    },
    {
      method: 'POST',
      route: `${p}/issues/:issue/worklog`,
      adminOnly: false,
      probes: (w) => {
        const payload = { start: '2025-03-01T10:00:00.000+0000', duration: 'PT1H' };
        return [
          { label: "A's issue by key", url: `${p}/issues/${w.a.issueKey}/worklog`, payload, inOwnOrg: NOT_FOUND },
          { label: "A's issue by id", url: `${p}/issues/${w.a.issueId}/worklog`, payload, inOwnOrg: NOT_FOUND },
        ];
      },
      valid: (w) => ({
        url: `${p}/issues/${w.a.issueKey}/worklog`,
        payload: { start: '2025-03-01T10:00:00.000+0000', duration: 'PT1H' },
        status: 201,
      }),
    },
    {
      method: 'GET',
      route: `${p}/issues/:issue/worklog`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's issue by key", url: `${p}/issues/${w.a.issueKey}/worklog`, inOwnOrg: NOT_FOUND },
        { label: "A's issue by id", url: `${p}/issues/${w.a.issueId}/worklog?perPage=1000`, inOwnOrg: NOT_FOUND },
        {
          label: "B's own issue's list",
          url: `${p}/issues/${w.b.issueKey}/worklog?id=0`,
          inOwnOrg: 200,
          check: (body) =>
            onlyB(
              "B's issue's worklog list",
              list(body).map((worklog) => worklog.issue?.key),
            ),
        },
      ],
      valid: (w) => ({ url: `${p}/issues/${w.a.issueKey}/worklog`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/issues/:issue/worklog/:worklogId`,
      adminOnly: false,
      probes: (w) => worklogProbes(w),
      valid: (w) => ({ url: wl(w.a.issueKey, w.a.worklogByAdmin), status: 200 }),
    },
    {
      method: 'PATCH',
      route: `${p}/issues/:issue/worklog/:worklogId`,
      adminOnly: false,
      probes: (w) => [
        ...worklogProbes(w, { comment: 'taken over', duration: 'PT8H' }),
        ...worklogProbes(w, { comment: null }, { 'if-match': '"1"' }),
      ],
      valid: (w) => ({ url: wl(w.a.issueKey, w.a.worklogByMember), payload: { comment: 'Control' }, status: 200 }),
    },
    {
      method: 'DELETE',
      route: `${p}/issues/:issue/worklog/:worklogId`,
      adminOnly: false,
      probes: (w) => [...worklogProbes(w), ...worklogProbes(w, undefined, { 'if-match': '*' })],
      valid: (w) => ({ url: wl(w.a.issueKey, w.a.deletable[v]), status: 204 }),
    },
    {
      method: 'POST',
      route: `${p}/worklog/_search`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's member by uid", url: `${p}/worklog/_search`, payload: { createdBy: w.a.memberUid }, inOwnOrg: 422 },
        { label: "A's member by login", url: `${p}/worklog/_search`, payload: { createdBy: { login: w.a.memberLogin } }, inOwnOrg: 422 },
        {
          label: 'every worklog',
          url: `${p}/worklog/_search`,
          payload: { createdAt: { from: '2000-01-01T00:00:00' } },
          inOwnOrg: 200,
          check: (body) =>
            onlyB(
              'The worklog search',
              list(body).map((worklog) => worklog.issue?.key),
            ),
        },
      ],
      valid: (w) => ({ url: `${p}/worklog/_search`, payload: { createdBy: w.a.memberLogin }, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/worklog`,
      adminOnly: false,
      probes: (w) => [
        { label: "A's member by uid", url: `${p}/worklog?createdBy=${w.a.memberUid}`, inOwnOrg: 400 },
        { label: "A's member by login", url: `${p}/worklog?createdBy=${w.a.memberLogin}`, inOwnOrg: 400 },
        {
          label: 'every worklog',
          url: `${p}/worklog?createdAt=from:2000-01-01T00:00:00`,
          inOwnOrg: 200,
          check: (body) =>
            onlyB(
              'The worklog list',
              list(body).map((worklog) => worklog.issue?.key),
            ),
        },
      ],
      valid: (w) => ({ url: `${p}/worklog?createdBy=${w.a.memberLogin}`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/fields`,
      adminOnly: false,
      probes: () => [{ label: 'the field list', url: `${p}/fields/`, inOwnOrg: 200 }],
      valid: () => ({ url: `${p}/fields/`, status: 200 }),
    },
    {
      method: 'GET',
      route: `${p}/fields/:field`,
      adminOnly: false,
      probes: () => [{ label: 'a field', url: `${p}/fields/spent`, inOwnOrg: 200 }],
      valid: () => ({ url: `${p}/fields/summary`, status: 200 }),
    },
  ];
}

const T = '/timeport/v1';
const batchEntry = (issue: string, extra: Record<string, unknown> = {}) => ({ issue, ...importBody('admin'), ...extra });

/** The Timeport extensions. */
const timeportRows: Row[] = [
  {
    method: 'POST',
    route: `${T}/users`,
    adminOnly: true,
    // `carol` exists in both organizations: B's conflict is with its own carol.
    probes: () => [{ label: 'a login both organizations have', url: `${T}/users`, payload: { login: 'carol' }, inOwnOrg: 409 }],
    valid: (_w, nonce) => ({ url: `${T}/users`, payload: { login: `control-${nonce.toLowerCase()}` }, status: 201 }),
  },
  {
    method: 'POST',
    route: `${T}/users/:login/tokens`,
    adminOnly: true,
    probes: (w) => [{ label: "A's member", url: `${T}/users/${w.a.memberLogin}/tokens`, payload: {}, inOwnOrg: NOT_FOUND }],
    valid: (w) => ({ url: `${T}/users/${w.a.memberLogin}/tokens`, payload: {}, status: 201 }),
  },
  {
    method: 'DELETE',
    route: `${T}/users/:login/tokens`,
    adminOnly: true,
    probes: (w) => [{ label: "A's member", url: `${T}/users/${w.a.memberLogin}/tokens`, inOwnOrg: NOT_FOUND }],
    valid: () => ({ url: `${T}/users/dave/tokens`, status: 200 }),
  },
  {
    method: 'POST',
    route: `${T}/tokens/_revoke`,
    adminOnly: false,
    probes: (w) => [
      { label: "A's admin's token", url: `${T}/tokens/_revoke`, payload: { token: w.a.spareToken }, inOwnOrg: NOT_FOUND },
      { label: "A's member's token", url: `${T}/tokens/_revoke`, payload: { token: w.a.memberToken }, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/tokens/_revoke`, payload: { token: w.a.spareToken }, status: 204 }),
  },
  {
    method: 'GET',
    route: `${T}/capabilities`,
    adminOnly: false,
    probes: () => [{ label: 'the capabilities', url: `${T}/capabilities`, inOwnOrg: 200 }],
    valid: () => ({ url: `${T}/capabilities`, status: 200 }),
  },
  {
    method: 'POST',
    route: `${T}/worklogs/_import`,
    adminOnly: true,
    probes: (w) => {
      const refusedAs = (status: number) => (body: unknown) => {
        const answer = body as { stored: boolean; results: { status: string; error?: { statusCode: number } }[] };
        assert.equal(answer.stored, false);
        assert.deepEqual(
          answer.results.map((result) => [result.status, result.error?.statusCode]),
          [['failed', status]],
        );
      };
      return [
        {
          label: "A's issue by key",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.a.issueKey)] },
          inOwnOrg: 422,
          check: refusedAs(404),
        },
        {
          label: "A's issue by id",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.a.issueId)] },
          inOwnOrg: 422,
          check: refusedAs(404),
        },
        {
          label: "A's member as author",
          url: `${T}/worklogs/_import`,
          payload: { mode: 'atomic', entries: [batchEntry(w.b.issueKey, { createdBy: w.a.memberUid })] },
          inOwnOrg: 422,
          check: refusedAs(422),
        },
        {
          label: "A's issue, dry run",
          url: `${T}/worklogs/_import`,
          payload: { dryRun: true, entries: [batchEntry(w.a.issueKey)] },
          inOwnOrg: 200,
          check: refusedAs(404),
        },
        {
          // External ids are per organization: A's is new to B, never "already present" as A's worklog.
          label: "A's external id, dry run",
          url: `${T}/worklogs/_import`,
          payload: { dryRun: true, entries: [batchEntry(w.b.issueKey, { externalId: `${w.a.id}-ext-1` })] },
          inOwnOrg: 200,
          check: (body) => {
            const answer = body as { stored: boolean; results: { status: string; id?: number }[] };
            assert.equal(answer.stored, false);
            assert.deepEqual(
              answer.results.map((result) => [result.status, result.id]),
              [['valid', undefined]],
            );
          },
        },
      ];
    },
    valid: (w) => ({ url: `${T}/worklogs/_import`, payload: { mode: 'atomic', entries: [batchEntry(w.a.issueKey)] }, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/worklogs/_external`,
    adminOnly: true,
    probes: (w) => {
      const none = (body: unknown) => assert.deepEqual(body, [], "B's ledger listing shows A's worklogs");
      return [
        {
          label: "A's external ids by prefix",
          url: `${T}/worklogs/_external?prefix=${w.a.id}-ext&perPage=1000`,
          inOwnOrg: 200,
          check: none,
        },
        {
          label: "A's batch source",
          url: `${T}/worklogs/_external?source=${encodeURIComponent(`${w.a.id}-secret source 1`)}`,
          inOwnOrg: 200,
          check: none,
        },
        {
          label: 'the whole listing',
          url: `${T}/worklogs/_external?perPage=1000`,
          inOwnOrg: 200,
          check: (body) => {
            for (const item of body as { externalId: string }[])
              assert.ok(!item.externalId.startsWith(`${w.a.id}-`), `B's listing holds ${item.externalId}`);
          },
        },
      ];
    },
    valid: (w) => ({ url: `${T}/worklogs/_external?prefix=${w.a.id}-ext`, status: 200 }),
  },
  {
    method: 'POST',
    route: `${T}/worklogs/_changes`,
    adminOnly: true,
    probes: (w) => {
      // External ids are per organization: A's is unknown to B (404 inside the refused batch).
      const refusedAsUnknown = (body: unknown) => {
        const answer = body as { stored: boolean; results: { status: string; error?: { statusCode: number } }[] };
        assert.equal(answer.stored, false);
        assert.deepEqual(
          answer.results.map((result) => [result.status, result.error?.statusCode]),
          [['failed', 404]],
        );
      };
      return [
        {
          label: "A's external id, deleted",
          url: `${T}/worklogs/_changes`,
          payload: { changes: [{ action: 'delete', externalId: `${w.a.id}-ext-1` }] },
          inOwnOrg: 422,
          check: refusedAsUnknown,
        },
        {
          label: "A's external id, updated in a dry run",
          url: `${T}/worklogs/_changes`,
          payload: { dryRun: true, changes: [{ action: 'update', externalId: `${w.a.id}-ext-1`, duration: 'PT2H' }] },
          inOwnOrg: 422,
          check: refusedAsUnknown,
        },
      ];
    },
    valid: (w) => ({
      url: `${T}/worklogs/_changes`,
      payload: { dryRun: true, changes: [{ action: 'update', externalId: `${w.a.id}-ext-1`, comment: 'changed' }] },
      status: 200,
    }),
  },
  {
    method: 'GET',
    route: `${T}/imports`,
    adminOnly: true,
    probes: (w) => [
      {
        label: 'the import ledger',
        url: `${T}/imports?perPage=1000`,
        inOwnOrg: 200,
        check: (body) => {
          const ids = list(body).map((batch) => batch.id);
          assert.ok(!ids.includes(w.a.batchId) && !ids.includes(w.a.rollbackBatchId), `B's ledger lists A's batches: ${ids.join(',')}`);
        },
      },
      {
        label: "after A's batch",
        url: `${T}/imports?id=${w.a.rollbackBatchId + 1}`,
        inOwnOrg: 200,
        check: (body) => assert.ok(!list(body).some((batch) => batch.id === w.a.batchId)),
      },
    ],
    valid: () => ({ url: `${T}/imports`, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/imports/:id`,
    adminOnly: true,
    probes: (w) => [
      { label: "A's batch", url: `${T}/imports/${w.a.batchId}`, inOwnOrg: NOT_FOUND },
      { label: "A's other batch", url: `${T}/imports/${w.a.rollbackBatchId}`, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/imports/${w.a.batchId}`, status: 200 }),
  },
  {
    method: 'DELETE',
    route: `${T}/imports/:id`,
    adminOnly: true,
    probes: (w) => [
      { label: "A's batch", url: `${T}/imports/${w.a.batchId}`, inOwnOrg: NOT_FOUND },
      { label: "A's other batch", url: `${T}/imports/${w.a.rollbackBatchId}`, inOwnOrg: NOT_FOUND },
    ],
    valid: (w) => ({ url: `${T}/imports/${w.a.rollbackBatchId}`, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/reports/time-spent`,
    adminOnly: false,
    probes: (w) => {
      const report = `${T}/reports/time-spent?from=2000-01-01&to=2099-12-31`;
      return [
        { label: "A's member", url: `${report}&user=${w.a.memberLogin}`, inOwnOrg: 400 },
        { label: "A's member by uid", url: `${report}&user=${w.a.memberUid}`, inOwnOrg: 400 },
        { label: "A's issue", url: `${report}&issue=${w.a.issueKey}`, inOwnOrg: 400 },
        { label: "A's issue by id", url: `${report}&issue=${w.a.issueId}`, inOwnOrg: 400 },
        { label: "A's queue", url: `${report}&queue=${w.a.queueKey}`, inOwnOrg: 400 },
        {
          label: 'everything, by issue',
          url: `${report}&groupBy=issue,user`,
          inOwnOrg: 200,
          check: (body) => {
            const rows = (body as { rows: { issue: { key: string } }[] }).rows;
            onlyB(
              'The report',
              rows.map((row) => row.issue.key),
            );
          },
        },
      ];
    },
    valid: () => ({ url: `${T}/reports/time-spent?from=2025-01-01&to=2025-12-31&groupBy=user`, status: 200 }),
  },
  {
    method: 'GET',
    route: `${T}/audit`,
    adminOnly: true,
    probes: (w) => {
      const none = (body: unknown) => assert.deepEqual(body, []);
      return [
        { label: "A's issue", url: `${T}/audit?issue=${w.a.issueKey}`, inOwnOrg: 200, check: none },
        { label: "A's worklog", url: `${T}/audit?worklog=${w.a.worklogByMember}`, inOwnOrg: 200, check: none },
        { label: "A's batch", url: `${T}/audit?batch=${w.a.batchId}`, inOwnOrg: 200, check: none },
        // A login B does not have: refused (422 today; 400 would be the query-parameter convention).
        { label: "A's member as actor", url: `${T}/audit?actor=${w.a.memberLogin}`, inOwnOrg: [400, 422] },
        {
          label: 'the whole log',
          url: `${T}/audit?perPage=1000`,
          inOwnOrg: 200,
          check: (body) => {
            const keys = list(body).flatMap((event) => (event.issue === undefined ? [] : [event.issue.key]));
            onlyB('The audit log', keys);
          },
        },
      ];
    },
    valid: (w) => ({ url: `${T}/audit?actor=${w.a.memberLogin}`, status: 200 }),
  },
];

/** HEAD is registered for every GET route (Fastify's exposeHeadRoutes): the same probes, no body. */
function withHeadRows(rows: Row[]): Row[] {
  return rows.flatMap((row) => (row.method === 'GET' ? [row, { ...row, method: 'HEAD' as const }] : [row]));
}

const MATRIX: Row[] = withHeadRows([...trackerRows('v2'), ...trackerRows('v3'), ...timeportRows]);

/** Routes outside the API: no token, no organization data. Everything else must have a row. */
const PUBLIC_ROUTES = [
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/metrics$/,
  /^\/openapi\.json$/,
  /^\/docs(\/.*)?$/,
  /^\/ui(\/.*)?$/,
  /^\/favicon\.ico$/,
];

const rowName = (row: { method: string; route: string }) => `${row.method} ${row.route}`;

/** How organization B's administrator addresses the request. */
interface Case {
  name: string;
  token: (w: World) => string | undefined;
  headers: (w: World) => Record<string, string>;
  /** `own`: the request is B's, in B; otherwise the status every route answers. */
  expect: 'own' | 401 | 403;
}

/** A scroll over every issue of A, started by A's administrator (valid long after NOW), and its token. */
function scrollOfA(w: World): { scrollId: string; token: string } {
  const cursor: ScrollCursor = {
    orgId: w.a.id,
    uid: w.a.adminUid,
    queueId: null,
    type: 'sorted',
    perScroll: 10,
    ttlMs: 60_000,
    expiresAt: NOW + 86_400_000,
    after: null,
  };
  const scrollId = encodeScrollId(cursor);
  return { scrollId, token: scrollToken(scrollId, cursor) };
}

const CASES: Case[] = [
  { name: 'X-Org-ID of A', token: (w) => w.b.adminToken, headers: (w) => ({ 'x-org-id': w.a.id }), expect: 403 },
  { name: 'X-Cloud-Org-ID of A', token: (w) => w.b.adminToken, headers: (w) => ({ 'x-cloud-org-id': w.a.cloudId }), expect: 403 },
  {
    name: 'X-Org-ID of A with X-Cloud-Org-ID of B',
    token: (w) => w.b.adminToken,
    headers: (w) => ({ 'x-org-id': w.a.id, 'x-cloud-org-id': w.b.cloudId }),
    expect: 403,
  },
  { name: 'X-Org-ID of B', token: (w) => w.b.adminToken, headers: (w) => ({ 'x-org-id': w.b.id }), expect: 'own' },
  { name: 'X-Cloud-Org-ID of B', token: (w) => w.b.adminToken, headers: (w) => ({ 'x-cloud-org-id': w.b.cloudId }), expect: 'own' },
  {
    name: 'X-Org-ID of B with X-Cloud-Org-ID of A (X-Org-ID wins)',
    token: (w) => w.b.adminToken,
    headers: (w) => ({ 'x-org-id': w.b.id, 'x-cloud-org-id': w.a.cloudId }),
    expect: 'own',
  },
  { name: 'no token, X-Org-ID of A', token: () => undefined, headers: (w) => ({ 'x-org-id': w.a.id }), expect: 401 },
];

describe('isolation matrix: organization B against organization A', () => {
  let t: TestApp;
  let world: World;
  /** Strings only organization A's answers may contain: its users' cloud uids. */
  let aSecrets: string[];
  let aRowsAtStart: Record<string, unknown[]>;
  /** Requests of the matrix proper: organization B's (or nobody's) against A. */
  let matrixRequests = 0;

  async function send(
    method: Method,
    request: { url: string; payload?: unknown; headers?: Record<string, string> },
    token: string | undefined,
    headers: Record<string, string>,
  ) {
    return t.app.inject({
      method,
      url: request.url,
      headers: {
        ...(token === undefined ? {} : { authorization: `OAuth ${token}` }),
        ...(request.payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
        ...request.headers,
      },
      ...(request.payload === undefined ? {} : { payload: JSON.stringify(request.payload) }),
    });
  }

  /** Checks that an answer to B carries nothing of A. */
  function assertNoLeak(response: LightMyRequestResponse, what: string) {
    const text = response.body + JSON.stringify(response.headers);
    assert.ok(!text.includes(A_MARKER), `${what}: the answer shows organization A's data: ${response.body.slice(0, 500)}`);
    for (const secret of aSecrets) assert.ok(!text.includes(secret), `${what}: the answer names A's user ${secret}`);
  }

  before(async () => {
    // Hundreds of requests without a valid token from one address: the failed-authentication
    // limit (test/security/auth-failures.test.ts) would answer them 429 instead of 401.
    t = await buildTestApp({ now: NOW, authFailureLimit: 'off' });
    world = { a: await setUpOrganization(t, 'alpha', 'ALPHA', 'alice'), b: await setUpOrganization(t, 'beta', 'BETA', 'bob') };
    const aUsers = await t.store.db.selectFrom('users').select('cloudUid').where('orgId', '=', world.a.id).execute();
    aSecrets = aUsers.map((user) => user.cloudUid);
    aRowsAtStart = await organizationRows(t.store, world.a.id);
  });
  after(() => t.close());

  it('has a row for every route the app registers under /v2, /v3 and /timeport/v1', () => {
    const registered = t.app.registeredRoutes.map((route) => ({ method: route.method, route: route.url }));
    const inMatrix = new Set(MATRIX.map(rowName));
    const missing = registered.filter(
      (route) => !inMatrix.has(rowName(route)) && !PUBLIC_ROUTES.some((pattern) => pattern.test(route.route)),
    );
    assert.deepEqual(missing.map(rowName), [], 'routes without a row in the isolation matrix');
    const registeredNames = new Set(registered.map(rowName));
    const stale = MATRIX.filter((row) => !registeredNames.has(rowName(row)));
    assert.deepEqual(stale.map(rowName), [], 'matrix rows for routes the app does not have');
    assert.equal(inMatrix.size, MATRIX.length, 'each route has one row');
    // Every API route is in the matrix; only the public ones are left out.
    for (const row of MATRIX) assert.match(row.route, /^\/(v2|v3|timeport\/v1)\//);
  });

  for (const row of MATRIX) {
    it(`${rowName(row)}: refused or empty for organization B, in every case, and nothing of A changes`, async () => {
      const probes = row.probes(world);
      assert.ok(probes.length > 0);
      for (const probe of probes) {
        for (const kase of CASES) {
          const what = `${rowName(row)} [${probe.label}] with ${kase.name}`;
          const response = await send(row.method, probe, kase.token(world), kase.headers(world));
          matrixRequests += 1;
          const expected = kase.expect === 'own' ? probe.inOwnOrg : kase.expect;
          const status = response.statusCode;
          assert.ok(
            typeof expected === 'number' ? status === expected : expected.includes(status),
            `${what}: expected ${String(expected)}, got ${status}: ${response.body.slice(0, 500)}`,
          );
          assertNoLeak(response, what);
          if (row.method === 'HEAD') {
            assert.equal(response.body, '', `${what}: HEAD has no body`);
            continue;
          }
          if (status >= 400) {
            const body = assertTrackerError(response, status);
            if (status === 403) assert.deepEqual(body.errorMessages, [ORG_UNAVAILABLE], what);
            if (status === 401) assert.match(body.errorMessages.join(' '), /Not authorized/, what);
          }
          if (kase.expect === 'own') probe.check?.(response.json(), world);
        }
      }
      assert.deepEqual(await organizationRows(t.store, world.a.id), aRowsAtStart, `${rowName(row)} changed organization A's data`);
    });
  }

  it('sent every probe of every row in every case', (context) => {
    const probes = MATRIX.reduce((count, row) => count + row.probes(world).length, 0);
    context.diagnostic(
      `${MATRIX.length} rows (routes), ${probes} probes of A's resources, ${CASES.length} cases each: ${matrixRequests} requests`,
    );
    assert.equal(matrixRequests, probes * CASES.length);
  });

  it('refuses every admin-only route to a member of A who is not an administrator, in A, by either header', async () => {
    const adminOnly = MATRIX.filter((row) => row.adminOnly);
    // What the README names as for administrators: queues, both imports, users and tokens, the ledger, the audit log,
    // and the changes and listing by external id (GET rows count twice, with their HEAD).
    assert.equal(adminOnly.length, 6 + 11 + 3);
    for (const row of adminOnly) {
      const request = row.valid(world, 'MEMBER');
      const byHeader: Record<string, string>[] = [{ 'x-org-id': world.a.id }, { 'x-cloud-org-id': world.a.cloudId }];
      for (const headers of byHeader) {
        const response = await send(row.method, request, world.a.memberToken, headers);
        const what = `${rowName(row)} as A's member with ${Object.keys(headers)[0]}`;
        assert.equal(response.statusCode, 403, `${what}: expected 403, got ${response.statusCode}: ${response.body.slice(0, 300)}`);
        if (row.method !== 'HEAD') assert.match(assertTrackerError(response, 403).errorMessages.join(' '), /administrator/, what);
      }
    }
    assert.deepEqual(await organizationRows(t.store, world.a.id), aRowsAtStart, "a member's refused request changed organization A's data");
  });

  it("refuses a member of A another's entry and another's token, and changes nothing", async () => {
    const member = (method: Method, request: { url: string; payload?: unknown; headers?: Record<string, string> }) =>
      send(method, request, world.a.memberToken, { 'x-org-id': world.a.id });
    for (const v of ['v2', 'v3'] as const) {
      const url = `/${v}/issues/${world.a.issueKey}/worklog/${world.a.worklogByAdmin}`;
      assertTrackerError(await member('PATCH', { url, payload: { comment: 'mine now' } }), 403);
      assertTrackerError(await member('DELETE', { url }), 403);
    }
    assertTrackerError(await member('POST', { url: `${T}/tokens/_revoke`, payload: { token: world.a.spareToken } }), 404);
    assert.deepEqual(await organizationRows(t.store, world.a.id), aRowsAtStart);
  });

  it('lets a member of A read every route that is not admin-only', async () => {
    for (const row of MATRIX.filter((each) => !each.adminOnly && (each.method === 'GET' || each.method === 'HEAD'))) {
      const request = row.valid(world, 'READ');
      const response = await send(row.method, request, world.a.memberToken, { 'x-cloud-org-id': world.a.cloudId });
      assert.equal(response.statusCode, request.status, `${rowName(row)} as A's member: ${response.body.slice(0, 300)}`);
    }
  });

  // Last: these succeed and change organization A.
  it("answers every row's valid request to A's own administrator: the refusals above are isolation", async () => {
    // Deletions last, so that nothing they remove is needed by a later row.
    const ordered = [...MATRIX.filter((row) => row.method !== 'DELETE'), ...MATRIX.filter((row) => row.method === 'DELETE')];
    let nonce = 0;
    for (const row of ordered) {
      nonce += 1;
      const request = row.valid(world, `C${nonce}`);
      const response = await send(row.method, request, world.a.adminToken, { 'x-org-id': world.a.id });
      assert.equal(response.statusCode, request.status, `${rowName(row)} as A's admin: ${response.body.slice(0, 300)}`);
    }
    // The leak check would have seen A's data: A's own answers carry it.
    const own = await send('GET', { url: `/v3/issues/${world.a.issueKey}` }, world.a.adminToken, { 'x-org-id': world.a.id });
    assert.ok(own.body.includes(A_MARKER));
    const users = await send('GET', { url: '/v3/users' }, world.a.adminToken, { 'x-org-id': world.a.id });
    assert.ok(aSecrets.every((secret) => users.body.includes(secret)));
  });
});

/**
 * An organization with an admin, a member, `carol` and `dave`, a queue, an issue with a unique
 * value, worklogs by the admin and the member, and two import batches. Every text of it carries
 * `<prefix>-secret`.
 */
async function setUpOrganization(t: TestApp, prefix: string, queueKey: string, memberLogin: string): Promise<Org> {
  const adminToken = `${prefix}-admin-token-0000000001`;
  const created = await createOrganization(t.ctx, {
    id: prefix,
    cloudOrgId: `${prefix}-cloud`,
    name: `${prefix}-secret org`,
    adminLogin: 'admin',
    adminToken,
  });
  const as = (token: string) => (method: Method, url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: {
        authorization: `OAuth ${token}`,
        'x-org-id': prefix,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
  const admin = as(adminToken);
  const ok = async <T>(response: Promise<LightMyRequestResponse>, status: number): Promise<T> => {
    const answer = await response;
    assert.equal(answer.statusCode, status, answer.body);
    return answer.json<T>();
  };
  const member = await ok<{ uid: number }>(
    admin('POST', `${T}/users`, {
      login: memberLogin,
      display: `${prefix}-secret member`,
      email: `${memberLogin}@${prefix}-secret.example`,
    }),
    201,
  );
  const memberToken = (await ok<{ token: string }>(admin('POST', `${T}/users/${memberLogin}/tokens`, {}), 201)).token;
  await ok(admin('POST', `${T}/users`, { login: 'carol', display: `${prefix}-secret carol` }), 201);
  await ok(admin('POST', `${T}/users`, { login: 'dave', display: `${prefix}-secret dave` }), 201);
  await ok(admin('POST', `${T}/users/dave/tokens`, {}), 201);
  const spareToken = (await ok<{ token: string }>(admin('POST', `${T}/users/admin/tokens`, {}), 201)).token;
  const queue = await ok<{ id: number }>(
    admin('POST', '/v3/queues/', { key: queueKey, name: `${prefix}-secret queue`, lead: memberLogin }),
    201,
  );
  const unique = `${prefix}-secret-unique`;
  const issue = await ok<{ id: string; key: string }>(
    admin('POST', '/v3/issues/_import', {
      queue: queueKey,
      summary: `${prefix}-secret summary`,
      description: `${prefix}-secret description`,
      unique,
      tags: [`${prefix}-secret-tag`],
      createdAt: ISSUE_CREATED_AT,
      createdBy: 'admin',
      updatedAt: ISSUE_UPDATED_AT,
      updatedBy: memberLogin,
    }),
    200,
  );
  const imported = async (comment: string) =>
    (
      await ok<{ id: number }>(
        admin('POST', `/v3/issues/${issue.key}/worklogs/_import`, importBody('admin', { comment: `${prefix}-secret ${comment}` })),
        200,
      )
    ).id;
  const worklogByAdmin = await imported('by the admin');
  const worklogByMember = (
    await ok<{ id: number }>(
      as(memberToken)('POST', `/v3/issues/${issue.key}/worklog`, {
        start: '2025-02-01T10:00:00.000+0000',
        duration: 'PT2H',
        comment: `${prefix}-secret by the member`,
      }),
      201,
    )
  ).id;
  const deletable = { v2: await imported('to delete (v2)'), v3: await imported('to delete (v3)') };
  const batch = (n: number) =>
    ok<{ id: number }>(
      admin('POST', `${T}/worklogs/_import`, {
        source: `${prefix}-secret source ${n}`,
        entries: [
          batchEntry(issue.key, { externalId: `${prefix}-ext-${n}`, comment: `${prefix}-secret batch ${n}`, createdBy: memberLogin }),
        ],
      }),
      200,
    );
  const batchId = (await batch(1)).id;
  const rollbackBatchId = (await batch(2)).id;
  return {
    id: prefix,
    cloudId: `${prefix}-cloud`,
    adminToken,
    adminUid: created.admin.uid,
    spareToken,
    memberLogin,
    memberUid: member.uid,
    memberToken,
    queueKey,
    queueId: queue.id,
    issueKey: issue.key,
    issueId: issue.id,
    unique,
    worklogByAdmin,
    worklogByMember,
    deletable,
    batchId,
    rollbackBatchId,
  };
}
