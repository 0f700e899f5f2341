import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../paging.js';

/**
 * What the route schemas cannot say: each operation's summary, its answers' descriptions and real examples (the
 * README's session against a fresh server). Keyed by method and OpenAPI path without the Tracker
 * version, so `/v2/...` and `/v3/...` share one entry. A route missing here is still documented from
 * its schema; the API-docs test lists those, so examples can be added when a route lands.
 */
export interface ExampleAnswer {
  description: string;
  example?: unknown;
  /** `application/json` unless given. */
  mediaType?: string;
}

export interface OperationDocs {
  summary: string;
  description?: string;
  requestExample?: unknown;
  responses: Record<string, ExampleAnswer>;
}

const BASE = 'http://127.0.0.1:8080/v3';
const admin = { self: `${BASE}/users/1`, id: '1', display: 'Administrator', cloudUid: 'ajph1rk0vihuf5cajq70', passportUid: 1 };
const user = {
  self: `${BASE}/users/1`,
  uid: 1,
  login: 'admin',
  trackerUid: 1,
  passportUid: 1,
  cloudUid: 'ajph1rk0vihuf5cajq70',
  firstName: '',
  lastName: '',
  display: 'Administrator',
  email: 'admin@example.com',
  external: false,
  hasLicense: true,
  dismissed: false,
  useNewFilters: true,
  disableNotifications: false,
};
const queue = {
  self: `${BASE}/queues/MIG`,
  id: 1,
  key: 'MIG',
  version: 1,
  name: 'Migration',
  lead: admin,
  assignAuto: false,
  allowExternals: false,
  denyVoting: false,
  defaultType: { self: `${BASE}/issuetypes/2`, id: '2', key: 'task', display: 'Task' },
  defaultPriority: { self: `${BASE}/priorities/3`, id: '3', key: 'normal', display: 'Normal' },
};
const issueRef = { self: `${BASE}/issues/MIG-1`, id: '63fee9e0f8b95c910cd8556c', key: 'MIG-1', display: 'Port the 2023 timesheets' };
const issue = {
  self: `${BASE}/issues/MIG-1`,
  id: '63fee9e0f8b95c910cd8556c',
  key: 'MIG-1',
  version: 1,
  summary: 'Port the 2023 timesheets',
  createdBy: admin,
  updatedBy: admin,
  createdAt: '2023-03-01T06:00:00.000+0000',
  updatedAt: '2023-06-30T15:00:00.000+0000',
  queue: { self: `${BASE}/queues/MIG`, id: '1', key: 'MIG', display: 'Migration' },
  type: { self: `${BASE}/issuetypes/2`, id: '2', key: 'task', display: 'Task' },
  priority: { self: `${BASE}/priorities/3`, id: '3', key: 'normal', display: 'Normal' },
  status: { self: `${BASE}/statuses/1`, id: '1', key: 'open', display: 'Open' },
  votes: 0,
  favorite: false,
  commentWithoutExternalMessageCount: 0,
  commentWithExternalMessageCount: 0,
  spent: 'P1DT40M',
};
const worklog = {
  self: `${BASE}/issues/MIG-1/worklog/1`,
  id: 1,
  version: 1,
  issue: issueRef,
  comment: 'Mapped the old categories',
  createdBy: admin,
  updatedBy: admin,
  createdAt: '2023-03-02T15:30:00.000+0000',
  updatedAt: '2023-03-02T15:30:00.000+0000',
  start: '2023-03-02T07:00:00.000+0000',
  duration: 'P1DT40M',
};
const report = {
  from: '2023-03-01T00:00:00.000+0000',
  to: '2023-04-01T00:00:00.000+0000',
  tz: 'UTC',
  by: 'start',
  groupBy: ['user', 'day'],
  total: { duration: 'P1DT40M', seconds: 31200, count: 1 },
  rows: [{ user: { id: '1', login: 'admin', display: 'Administrator' }, day: '2023-03-02', duration: 'P1DT40M', seconds: 31200, count: 1 }],
};

/** What a client error looks like (docs/tracker-api.md §Errors). */
export const TRACKER_ERROR_EXAMPLE = {
  errors: { tz: '"Mars/Olympus" is not a known IANA time zone (for example UTC, Europe/Moscow, America/New_York)' },
  errorsData: {},
  errorMessages: ['Invalid query parameters.'],
  statusCode: 400,
};

const DOCS: Record<string, OperationDocs> = {
  'GET /healthz': {
    summary: 'Health check',
    responses: {
      200: { description: 'Accepting requests', example: { status: 'ok' } },
      503: { description: 'Shutting down', example: { status: 'unavailable' } },
    },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    responses: {
      200: {
        description: 'Prometheus text format',
        mediaType: 'text/plain',
        example: 'timeport_http_requests_total{method="GET",route="/v3/myself",status="200"} 3\n',
      },
    },
  },
  'GET /openapi.json': { summary: 'This OpenAPI document', responses: { 200: { description: 'OpenAPI 3.1' } } },
  'GET /myself': { summary: 'The caller', responses: { 200: { description: 'The user the token belongs to', example: user } } },
  'GET /users': {
    summary: 'Users of the organization',
    description: 'Paged with perPage and page; X-Total-Count and Link headers.',
    responses: { 200: { description: 'A page of users', example: [user] } },
  },
  'GET /users/{user}': { summary: 'A user by login or uid', responses: { 200: { description: 'The user', example: user } } },
  'POST /queues': {
    summary: 'Create a queue (administrators)',
    requestExample: { key: 'MIG', name: 'Migration', lead: 'admin', defaultType: 'task', defaultPriority: 'normal' },
    responses: { 201: { description: 'The new queue', example: queue } },
  },
  'GET /queues/{queue}': { summary: 'A queue by key or id', responses: { 200: { description: 'The queue', example: queue } } },
  'POST /issues': {
    summary: 'Create an issue',
    requestExample: { queue: 'MIG', summary: 'Port the 2023 timesheets' },
    responses: { 201: { description: 'The new issue', example: { ...issue, spent: undefined } } },
  },
  'POST /issues/_import': {
    summary: 'Import a historical issue (administrators)',
    requestExample: {
      queue: 'MIG',
      summary: 'Port the 2023 timesheets',
      createdAt: '2023-03-01T09:00:00.000+0300',
      createdBy: 'admin',
      updatedAt: '2023-06-30T18:00:00.000+0300',
      updatedBy: 'admin',
    },
    responses: { 200: { description: 'The imported issue', example: { ...issue, spent: undefined } } },
  },
  'GET /issues/{issue}': {
    summary: 'An issue by key or id',
    responses: { 200: { description: 'The issue; spent is the sum of its worklogs', example: issue } },
  },
  'POST /issues/{issue}/worklogs/_import': {
    summary: 'Import a time entry (administrators)',
    description:
      "The entry keeps its author and timestamps; createdAt must lie within the issue's lifetime. Durations are answered in business time (1W = 5D, 1D = 8H).",
    requestExample: {
      start: '2023-03-02T10:00:00+03:00',
      duration: 'PT520M',
      comment: 'Mapped the old categories',
      createdAt: '2023-03-02T18:30:00+03:00',
      createdBy: 'admin',
    },
    responses: { 200: { description: 'The imported worklog (one object)', example: worklog } },
  },
  'GET /issues/{issue}/worklog': {
    summary: "An issue's time entries",
    description: `Ascending id; perPage (default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE}) with id as the cursor, and a Link rel="next" header when more follow.`,
    responses: { 200: { description: 'A page of worklogs', example: [worklog] } },
  },
  'POST /timeport/v1/users': {
    summary: 'Add a user (administrators)',
    requestExample: { login: 'alice', display: 'Alice Archer', email: 'alice@example.com', isAdmin: false },
    responses: {
      201: {
        description: "The user in Tracker's shape plus isAdmin",
        example: { ...user, self: `${BASE}/users/2`, uid: 2, login: 'alice', display: 'Alice Archer', isAdmin: false },
      },
    },
  },
  'POST /timeport/v1/users/{login}/tokens': {
    summary: 'Issue a token for a user (administrators)',
    requestExample: {},
    responses: {
      201: { description: 'The token, shown only this once', example: { token: 'tpt_lXgNeF0sxH9ynwpyhs9-oUTAG3FZlOIoXjT3enNffXk' } },
    },
  },
  'GET /timeport/v1/reports/time-spent': {
    summary: 'Time-spent report (any member)',
    description:
      "Sums the organization's worklogs over a period, grouped by any of user, issue, queue and one of day, week (ISO), month, " +
      'cut in the IANA zone tz (UTC by default). by=start places entries by when the work was done, by=createdAt by when it was logged. ' +
      'Dates in from/to are whole local days (to included); date-times are exact instants (to excluded). format=csv answers a CSV file. ' +
      'Unknown filter values are 400.',
    responses: {
      200: { description: 'The report (JSON), or CSV with format=csv', example: report },
    },
  },
};

export function documentationFor(method: string, path: string): OperationDocs | undefined {
  const key = `${method} ${path.replace(/^\/v[23](?=\/)/, '')}`;
  return DOCS[key];
}

/** The operations documented here, for the test that checks each is a real route. */
export const DOCUMENTED_OPERATIONS = Object.keys(DOCS);
