/** The isolation matrix's rows for the worklog routes (test/security/isolation/rows.ts gathers them). */
import { type Probe, type Row, type Version, type World, importBody, list, NOT_FOUND, onlyB } from './world.js';

/** Worklogs: the Tracker routes, once per API version. */
export function worklogsTrackerRows(v: Version): Row[] {
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
  ];
}
