/** The isolation matrix's rows for the queue, issue, search and field routes (test/security/isolation/rows.ts gathers them). */
import assert from 'node:assert/strict';
import { type Row, type Version, ISSUE_CREATED_AT, list, NOT_FOUND, onlyB, scrollOfA } from './world.js';

/** Issues: the Tracker routes, once per API version. */
export function issuesTrackerRows(v: Version): Row[] {
  const p = `/${v}`;
  return [
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
