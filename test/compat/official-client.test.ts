/**
 * Compatibility with the official Python client, unchanged (docs/tracker-api.md §Official client):
 * the exact requests it makes, over a real socket, decoded the way it decodes them
 * (python-client.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { createOrganization } from '../../src/service/organizations.js';
import { ADMIN_TOKEN, type TestApp, buildTestApp } from '../../support/app.js';
import { NOW, createQueue, createUserWithToken, importIssue } from '../api/fixtures.js';
import {
  PaginatedList,
  PythonTrackerClient,
  REQUESTS_HEADERS,
  TrackerObject,
  TrackerServerError,
  expectList,
  expectObject,
  matchCollection,
} from './python-client.js';

/** Every object with `self` in a decoded answer, however deep. */
function objectsIn(value: unknown, found: TrackerObject[] = []): TrackerObject[] {
  if (value instanceof TrackerObject) {
    found.push(value);
    for (const item of Object.values(value.value)) objectsIn(item, found);
  } else if (Array.isArray(value)) {
    for (const item of value) objectsIn(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) objectsIn(item, found);
  }
  return found;
}

/** Every `self` the client got must map to a collection it knows (no "Unrecognized collection"). */
function assertRoutable(value: unknown): void {
  for (const object of objectsIn(value)) assert.notEqual(object.collection, 'Unknown', `unrecognised self path ${object.path}`);
}

async function rejects(call: Promise<unknown>, className: string): Promise<TrackerServerError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof TrackerServerError, String(error));
    assert.equal(error.className, className, `${error.statusCode}: ${error.toPythonString()}`);
    // str(exc) must not crash and must say something.
    assert.ok(error.toPythonString().length > 0);
    return error;
  }
  assert.fail(`expected ${className}`);
}

/** Every client made, to close their connections at the end. */
const clients: PythonTrackerClient[] = [];
const newClient = (options: ConstructorParameters<typeof PythonTrackerClient>[0]): PythonTrackerClient => {
  const created = new PythonTrackerClient(options);
  clients.push(created);
  return created;
};

describe('the official Python client, replayed', () => {
  let t: TestApp;
  let baseUrl: string;
  let client: PythonTrackerClient;
  let bobToken: string;
  let bobUid: number;

  before(async () => {
    t = await buildTestApp({ now: NOW });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    await createQueue(t, 'TEST');
    const bob = await createUserWithToken(t, 'bob', { display: 'Bob B.' });
    bobToken = bob.token;
    bobUid = bob.user.uid;
    client = newClient({ baseUrl, token: ADMIN_TOKEN, orgId: '1', apiVersion: 'v3' });
  });
  after(async () => {
    for (const opened of clients) opened.close();
    await t.close();
  });

  it('sends exactly the client’s headers, and reads /v2/myself even on v3', async () => {
    const myself = expectObject(await client.myself());
    assert.equal(myself.value.login, 'admin');
    assert.equal(myself.collection, 'Users');
    assert.match(myself.path, /^\/v2\/users\/\d+$/);
    const sent = client.sent.at(-1)!;
    assert.equal(sent.method, 'GET');
    assert.equal(sent.path, '/v2/myself');
    assert.deepEqual(sent.headers, {
      ...REQUESTS_HEADERS,
      Authorization: `OAuth ${ADMIN_TOKEN}`,
      'X-Org-Id': '1',
      'Content-Type': 'application/json',
    });
    assert.equal(expectObject(await client.request('GET', '/v3/myself')).value.login, 'admin');
  });

  it('works with a cloud organization: X-Org-Id: not provided beside X-Cloud-Org-Id', async () => {
    await createOrganization(t.ctx, {
      id: 'cloudy',
      cloudOrgId: 'bpf3crucp1v2abcdefgh',
      adminLogin: 'cadmin',
      adminToken: 'cloud-admin-token-000000001',
    });
    const cloud = newClient({ baseUrl, token: 'cloud-admin-token-000000001', cloudOrgId: 'bpf3crucp1v2abcdefgh', apiVersion: 'v3' });
    assert.equal(expectObject(await cloud.myself()).value.login, 'cadmin');
    assert.equal(cloud.sent[0]!.headers['X-Org-Id'], 'not provided');
    assert.equal(cloud.sent[0]!.headers['X-Cloud-Org-Id'], 'bpf3crucp1v2abcdefgh');
    // Without a token the client sends "OAuth not provided": 401, the base exception class.
    const anonymous = newClient({ baseUrl, token: '', orgId: '1', apiVersion: 'v3' });
    const error = await rejects(anonymous.myself(), 'TrackerServerError');
    assert.equal(anonymous.sent[0]!.headers.Authorization, 'OAuth not provided');
    assert.equal(error.statusCode, 401);
    assert.match(error.toPythonString(), /^\(401\) Unauthorized\n/);
  });

  it('runs a whole worklog session: create, list in pages, read, update with If-Match, delete', async () => {
    const issue = await client.createIssue({ queue: 'TEST', summary: 'Client session' });
    assert.equal(issue.collection, 'Issues');
    const key = String(issue.value.key);
    const create = client.sent.at(-1)!;
    assert.equal(create.path, '/v3/issues/');
    assert.match(create.body!, /^\{"queue": "TEST", "summary": "Client session", "unique": "[0-9a-f]{32}"\}$/);
    // issue.spent before any time: the fields list says it exists, so it reads as None; tags as [].
    assert.equal(await client.issueField(issue, 'spent'), null);
    assert.deepEqual(await client.issueField(issue, 'tags'), []);
    assert.equal(client.sent.filter((request) => request.path === '/v3/fields/').length, 1);

    const durations = ['PT1H', 'PT520M', 'P1W', 'PT30M', 'PT15M'];
    for (const [i, duration] of durations.entries()) {
      const answer = expectObject(
        await client.createWorklog(key, { start: `2025-05-0${i + 1}T10:00:00.000+0000`, duration, comment: i === 0 ? 'first' : null }),
      );
      assert.equal(answer.collection, 'IssueWorklog');
      assert.equal(answer.path, `/v3/issues/${key}/worklog/${String(answer.value.id)}`);
      assertRoutable(answer);
    }
    const sentCreate = client.sent.at(-1)!;
    assert.equal(sentCreate.path, `/v3/issues/${key}/worklog/`);
    assert.equal(sentCreate.body, '{"start": "2025-05-05T10:00:00.000+0000", "duration": "PT15M", "comment": null}');

    // perPage=2: a paginated list the client walks through Link rel="next".
    const firstPage = await client.worklogPage(key, { perPage: 2 });
    assert.ok(firstPage instanceof PaginatedList);
    const all = await firstPage.all();
    assert.equal(all.length, 5);
    assert.deepEqual(
      all.map((worklog) => worklog.value.duration),
      ['PT1H', 'P1DT40M', 'P1W', 'PT30M', 'PT15M'],
    );
    const pageRequests = client.sent.filter(
      (request) =>
        request.path.startsWith(`/v3/issues/${key}/worklog/?perPage=2`) || request.path.startsWith(`/v3/issues/${key}/worklog?perPage=2`),
    );
    assert.equal(pageRequests.length, 3);
    assert.deepEqual(
      (await client.listWorklogs(key)).map((worklog) => worklog.value.id),
      all.map((worklog) => worklog.value.id),
    );
    assertRoutable(all);

    const first = await client.worklog(key, Number(all[0]!.value.id));
    assert.deepEqual(first.value.comment, 'first');
    // A lazy reference: worklog.issue.summary and worklog.createdBy.login fetch their objects.
    assert.equal(await (first.value.issue as TrackerObject).attribute('summary'), 'Client session');
    assert.equal(await (first.value.createdBy as TrackerObject).attribute('login'), 'admin');

    // update(): PATCH the self path with If-Match: "1"; the object becomes the answer.
    const updated = await client.update(first, { duration: 'PT2H' });
    const patch = client.sent.at(-1)!;
    assert.equal(patch.method, 'PATCH');
    assert.equal(patch.path, first.path);
    assert.equal(patch.headers['If-Match'], '"1"');
    assert.equal(patch.body, '{"duration": "PT2H"}');
    assert.equal(updated.value.version, 2);
    assert.equal(updated.value.duration, 'PT2H');
    assert.equal(updated.path, first.path);
    // The stale object sends If-Match: "1" again: PreconditionFailed, nothing changes.
    const stale = await rejects(client.update(first, { duration: 'PT9H' }), 'PreconditionFailed');
    assert.equal(stale.statusCode, 412);
    assert.equal((await client.worklog(key, Number(first.value.id))).value.duration, 'PT2H');
    // ignore_version_change=True drops the header.
    const forced = await client.update(first, { comment: 'forced' }, true);
    assert.equal(client.sent.at(-1)!.headers['If-Match'], undefined);
    assert.equal(forced.value.version, 3);

    // delete(): an empty body comes back as None.
    assert.equal(await client.delete(all[4]!), null);
    const deleteRequest = client.sent.at(-1)!;
    assert.equal(deleteRequest.method, 'DELETE');
    assert.equal(deleteRequest.headers['Content-Type'], 'application/json');
    assert.equal(deleteRequest.headers['Content-Length'], '0');
    assert.equal(deleteRequest.body, undefined);
    await rejects(client.worklog(key, Number(all[4]!.value.id)), 'NotFound');

    // The issue's spent is the sum of what is left: 2H + 1D40M + 1W + 30M.
    const after = await client.issue(key);
    assert.equal(await client.issueField(after, 'spent'), 'P1W1DT3H10M');
  });

  it('imports with createdBy as a login or a numeric id, and gets objects with routable self', async () => {
    const issue = await importIssue(t, { summary: 'Imported through the client' });
    for (const createdBy of ['bob', bobUid]) {
      const answer = expectObject(
        await client.importWorklog(issue.key, {
          createdBy,
          createdAt: '2025-02-18T16:35:41.740+0000',
          start: '2025-02-18T16:35:41.740+0000',
          duration: 'PT1H',
          comment: 'imported',
        }),
      );
      assert.equal(answer.collection, 'IssueWorklog');
      assert.equal(answer.path, `/v3/issues/${issue.key}/worklog/${String(answer.value.id)}`);
      assert.equal((answer.value.createdBy as TrackerObject).value.display, 'Bob B.');
      assertRoutable(answer);
    }
    assert.equal(
      client.sent.at(-1)!.body,
      `{"createdBy": ${bobUid}, "createdAt": "2025-02-18T16:35:41.740+0000", "start": "2025-02-18T16:35:41.740+0000", "duration": "PT1H", "comment": "imported"}`,
    );
    // Bob edits and deletes his own imported entry through his own client.
    const bobClient = newClient({ baseUrl, token: bobToken, orgId: '1', apiVersion: 'v3' });
    const [mine] = await bobClient.listWorklogs(issue.key);
    const edited = await bobClient.update(mine!, { duration: 'PT45M' });
    assert.equal(edited.value.duration, 'PT45M');
    assert.equal(await bobClient.delete(edited), null);
    // ...but not the admin's entry: Forbidden, with Tracker's body.
    const adminEntry = expectObject(await client.createWorklog(issue.key, { start: '2025-05-01T10:00:00.000+0000', duration: 'PT1H' }));
    const forbidden = await rejects(bobClient.update(adminEntry, { duration: 'PT1M' }), 'Forbidden');
    assert.match(forbidden.toPythonString(), /author/);
    await rejects(bobClient.delete(adminEntry), 'Forbidden');
    // Importing is for administrators.
    await rejects(
      bobClient.importWorklog(issue.key, {
        createdBy: 'bob',
        createdAt: '2025-02-18T16:35:41.740+0000',
        start: '2025-02-18T16:35:41.740+0000',
        duration: 'PT1H',
      }),
      'Forbidden',
    );
  });

  it('finds worklogs with client.worklog.find, the kwargs as they are in the query string', async () => {
    const issue = await importIssue(t, { summary: 'Find me' });
    for (const createdAt of ['2025-02-01T00:00:00.000+0000', '2025-02-10T00:00:00.000+0000', '2025-02-19T00:00:00.000+0000']) {
      await client.importWorklog(issue.key, { createdBy: 'bob', createdAt, start: createdAt, duration: 'PT1H' });
    }
    const found = await client.findWorklogs({
      createdBy: 'bob',
      createdAt: ['from:2025-02-05T00:00:00.000+0000', 'to:2025-02-19T00:00:00.000+0000'],
    });
    assert.deepEqual(
      found.filter((worklog) => (worklog.value.issue as TrackerObject).value.key === issue.key).map((worklog) => worklog.value.createdAt),
      ['2025-02-10T00:00:00.000+0000', '2025-02-19T00:00:00.000+0000'],
    );
    const sent = client.sent.at(-1)!;
    assert.equal(
      sent.path,
      '/v3/worklog/?createdBy=bob&createdAt=from%3A2025-02-05T00%3A00%3A00.000%2B0000&createdAt=to%3A2025-02-19T00%3A00%3A00.000%2B0000',
    );
    assertRoutable(found);
    // With perPage the client pages through Link, keeping the filters.
    const everything = await client.findWorklogs({ createdBy: 'bob' });
    const paged = await client.findWorklogs({ createdBy: 'bob', perPage: 2 });
    assert.deepEqual(
      paged.map((worklog) => worklog.value.id),
      everything.map((worklog) => worklog.value.id),
    );
    assert.ok(everything.length > 2);
    await rejects(client.findWorklogs({ createdBy: 'nobody' }), 'BadRequest');
  });

  it('creates issues idempotently: a retried create gets 409 and the client finds the issue by unique', async () => {
    const first = await client.createIssue({ queue: 'TEST', summary: 'Once', unique: 'fixed-unique-1' });
    const again = await client.createIssue({ queue: 'TEST', summary: 'Once', unique: 'fixed-unique-1' });
    assert.equal(again.value.key, first.value.key);
    const lookup = client.sent.at(-1)!;
    assert.equal(lookup.method, 'POST');
    assert.equal(lookup.path, '/v3/issues/_findByUnique?unique=fixed-unique-1');
    assert.equal(lookup.body, undefined);
    assert.equal(lookup.headers['Content-Length'], '0');
    assert.equal(lookup.headers['Content-Type'], 'application/json');
  });

  it('finds issues by queue and by keys, re-posting the same body to every next page', async () => {
    await client.createIssue({ queue: { key: 'TEST' }, summary: 'queue as an object' });
    const everything = await client.findIssues({ filter: { queue: 'TEST' } });
    const paged = await client.findIssues({ filter: { queue: 'TEST' }, perPage: 2 });
    assert.ok(everything.length >= 3);
    assert.deepEqual(
      paged.map((issue) => issue.value.key),
      everything.map((issue) => issue.value.key),
    );
    const searches = client.sent.filter((request) => request.path.startsWith('/v3/issues/_search'));
    const bodies = new Set(searches.map((request) => request.body));
    assert.deepEqual(
      [...bodies],
      ['{"filter": {"queue": "TEST"}, "filterId": null, "query": null, "keys": null, "queue": null, "order": null}'],
    );
    assert.equal(searches.filter((request) => request.path.includes('perPage=2')).length, Math.ceil(everything.length / 2));
    const byKeys = await client.findIssues({ keys: [everything[1]!.value.key, everything[0]!.value.key] });
    assert.deepEqual(
      byKeys.map((issue) => issue.value.key),
      [everything[1]!.value.key, everything[0]!.value.key],
    );
    assertRoutable(byKeys);
  });

  it('raises the exception class the status maps to, with a readable str()', async () => {
    const missing = await rejects(client.issue('TEST-9999'), 'NotFound');
    assert.equal(missing.toPythonString(), 'Issue does not exist.');
    const invalid = await rejects(
      client.request('POST', '/v3/issues/TEST-1/worklog/', { data: { duration: 'PT1H', comment: null } }),
      'UnprocessableEntity',
    );
    assert.match(invalid.toPythonString(), /^- start: /);
    await rejects(client.request('POST', '/v3/issues/TEST-1/worklog/', { data: { start: 'x', duration: 'PT1H' } }), 'UnprocessableEntity');
    await rejects(client.findIssues({ keys: ['TEST-1'], queue: 'TEST' }), 'BadRequest');
    await rejects(client.request('GET', '/v3/no-such-collection/'), 'NotFound');
    await rejects(client.request('PUT', '/v3/issues/TEST-1'), 'NotFound');
    await rejects(client.request('GET', '/v3/issues/TEST-1/worklog/', { params: { perPage: 'many' } }), 'BadRequest');
    const foreign = newClient({ baseUrl, token: ADMIN_TOKEN, orgId: 'cloudy', apiVersion: 'v3' });
    await rejects(foreign.myself(), 'Forbidden');
  });

  it('speaks v2 by default: v2 paths in, v2 self links out', async () => {
    const v2 = newClient({ baseUrl, token: ADMIN_TOKEN, orgId: '1' });
    const issue = await v2.createIssue({ queue: 'TEST', summary: 'v2' });
    assert.match(issue.path, /^\/v2\/issues\//);
    const key = String(issue.value.key);
    const created = expectObject(await v2.createWorklog(key, { start: '2025-05-01T10:00:00.000+0000', duration: 'PT1H' }));
    assert.equal(created.path, `/v2/issues/${key}/worklog/${String(created.value.id)}`);
    assert.deepEqual(Object.keys((created.value.createdBy as TrackerObject).value).sort(), ['display', 'id', 'self']);
    const listed = await v2.listWorklogs(key);
    assert.equal(listed.length, 1);
    assert.equal((await v2.update(listed[0]!, { duration: 'PT2H' })).value.version, 2);
    // delete() sends no If-Match, so even the object read before the update deletes.
    assert.equal(await v2.delete(listed[0]!), null);
    assert.deepEqual(expectList(await v2.request('GET', `/v2/issues/${key}/worklog/`)), []);
    assert.ok(v2.sent.every((request) => request.path.startsWith('/v2/')));
    assert.equal(v2.serverErrors, 0);
  });

  it('was never answered a 5xx, so the client never repeated a request', () => {
    assert.ok(client.sent.length > 30, `${client.sent.length} requests`);
    assert.equal(client.serverErrors, 0);
  });

  it('maps the self paths it gets to the collections the client knows', () => {
    assert.equal(matchCollection('/v3/issues/TEST-1/worklog/5'), 'IssueWorklog');
    assert.equal(matchCollection('/v3/issues/TEST-1'), 'Issues');
    assert.equal(matchCollection('/v2/users/7'), 'Users');
    assert.equal(matchCollection('/v3/myself'), 'Unknown');
  });
});
