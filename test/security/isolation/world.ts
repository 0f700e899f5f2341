/**
 * The world of the isolation tests (test/security/isolation/, not a test file itself): two
 * organizations with the same kinds of things, A's marked secret, and how organization B's
 * administrator addresses A (the cases). `isolationApp()` is called in a `describe` and registers
 * the set-up and the tear-down there.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type ScrollCursor, encodeScrollId, scrollToken } from '../../../src/domain/issue-scroll.js';
import { createOrganization } from '../../../src/service/organizations.js';
import { type TestApp, buildTestApp } from '../../../support/app.js';
import { NOW } from '../../api/fixtures.js';
import { organizationRows } from '../snapshot.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
export type Version = 'v2' | 'v3';

/** What one organization holds after set-up, by the names and ids a client would use. */
export interface Org {
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

export interface World {
  a: Org;
  b: Org;
}

/** A request naming something of organization A, and what B's administrator gets in B. */
export interface Probe {
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
export interface ValidRequest {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  status: number;
}

export interface Row {
  method: Method;
  /** The route pattern as Fastify registered it. */
  route: string;
  adminOnly: boolean;
  probes: (world: World) => Probe[];
  valid: (world: World, nonce: string) => ValidRequest;
}

export const NOT_FOUND = 404;
/** Secret text every org A record carries: no answer to organization B may contain it. */
export const A_MARKER = 'alpha-secret';

export const ISSUE_CREATED_AT = '2025-01-10T09:00:00.000+0000';
export const ISSUE_UPDATED_AT = '2025-02-20T18:00:00.000+0000';
export const importBody = (createdBy: unknown, extra: Record<string, unknown> = {}) => ({
  duration: 'PT1H',
  createdAt: '2025-02-18T16:35:41.740+0000',
  createdBy,
  start: '2025-02-18T10:00:00.000+0000',
  ...extra,
});

export type Listed = { self?: string; key?: string; login?: string; uid?: number; id?: number | string; issue?: { key: string } };
export const list = (body: unknown): Listed[] => {
  assert.ok(Array.isArray(body), `expected a list, got ${JSON.stringify(body)}`);
  return body as Listed[];
};
export const onlyB = (what: string, keys: (string | undefined)[]) => {
  for (const key of keys) assert.ok(key?.startsWith('BETA-'), `${what} of organization B lists ${String(key)}`);
};

export const T = '/timeport/v1';
export const batchEntry = (issue: string, extra: Record<string, unknown> = {}) => ({ issue, ...importBody('admin'), ...extra });

/** How organization B's administrator addresses the request. */
export interface Case {
  name: string;
  token: (w: World) => string | undefined;
  headers: (w: World) => Record<string, string>;
  /** `own`: the request is B's, in B; otherwise the status every route answers. */
  expect: 'own' | 401 | 403;
}

/** A scroll over every issue of A, started by A's administrator (valid long after NOW), and its token. */
export function scrollOfA(w: World): { scrollId: string; token: string } {
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

export const CASES: Case[] = [
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

export type IsolationApp = ReturnType<typeof isolationApp>;

/** Registers the set-up and tear-down in the calling `describe`; the fields are read in tests. */
export function isolationApp() {
  let t: TestApp;
  let world: World;
  /** Strings only organization A's answers may contain: its users' cloud uids. */
  let aSecrets: string[];
  let aRowsAtStart: Record<string, unknown[]>;

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

  return {
    get t() {
      return t;
    },
    get world() {
      return world;
    },
    get aSecrets() {
      return aSecrets;
    },
    get aRowsAtStart() {
      return aRowsAtStart;
    },
    send,
    assertNoLeak,
  };
}

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
