/**
 * The isolation matrix (test/security/isolation/, not a test file itself): a row for every route the
 * app registers under /v2, /v3 and /timeport/v1, gathered from the files of the resource families
 * (rows-*.ts); GET routes count twice, with their HEAD.
 */
import { importsTimeportRows } from './rows-imports.js';
import { issuesTrackerRows } from './rows-issues.js';
import { reportsTimeportRows } from './rows-reports.js';
import { usersTimeportRows, usersTrackerRows } from './rows-users.js';
import { worklogsTrackerRows } from './rows-worklogs.js';
import type { Row, Version } from './world.js';

/** The Tracker routes, once per API version. */
function trackerRows(v: Version): Row[] {
  return [...usersTrackerRows(v), ...issuesTrackerRows(v), ...worklogsTrackerRows(v)];
}

/** The Timeport extensions. */
const timeportRows: Row[] = [...usersTimeportRows, ...importsTimeportRows, ...reportsTimeportRows];

/** HEAD is registered for every GET route (Fastify's exposeHeadRoutes): the same probes, no body. */
function withHeadRows(rows: Row[]): Row[] {
  return rows.flatMap((row) => (row.method === 'GET' ? [row, { ...row, method: 'HEAD' as const }] : [row]));
}

export const MATRIX: Row[] = withHeadRows([...trackerRows('v2'), ...trackerRows('v3'), ...timeportRows]);

/** Routes outside the API: no token, no organization data. Everything else must have a row. */
export const PUBLIC_ROUTES = [
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/metrics$/,
  /^\/openapi\.json$/,
  /^\/docs(\/.*)?$/,
  /^\/ui(\/.*)?$/,
  /^\/favicon\.ico$/,
];

export const rowName = (row: { method: string; route: string }) => `${row.method} ${row.route}`;
