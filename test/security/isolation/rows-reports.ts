/** The isolation matrix's rows for the report and the audit log (test/security/isolation/rows.ts gathers them). */
import assert from 'node:assert/strict';
import { type Row, list, onlyB, T } from './world.js';

/** Reports: the Timeport extensions. */
export const reportsTimeportRows: Row[] = [
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
