import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Problem } from '../../../domain/errors.js';
import { type Result, accepted, checkFields, refused } from '../../../domain/result.js';
import { readingQuery } from '../../plugins/errors.js';
import { asciiUpperCase } from '../../../domain/keys.js';
import { formatTrackerTimestamp, parseTrackerTimestamp } from '../../../domain/timestamp.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery, OPERATOR_ACTOR_ID, listAuditEvents } from '../../../service/audit.js';
import type { User } from '../../../domain/accounts.js';
import type { AuditRecord } from '../../../domain/audit.js';
import { type Links, timeportUrl, userReference } from '../../representations.js';
import { PerPage, Strict } from '../../schemas/requests.js';
import { answers } from '../../schemas/errors.js';
import { type AuditEventAnswer, AuditEventObject } from '../../schemas/timeport.js';
import { DEFAULT_PAGE_SIZE, setCursorLink } from '../../paging.js';
import { type RouteOptions, linksOf } from '../options.js';
import { adminOnly } from '../../plugins/auth.js';

const AuditListQuery = Type.Object(
  {
    perPage: PerPage,
    id: Type.Optional(Type.Integer({ minimum: 1, description: 'the cursor: only events older than this id' })),
    action: Type.Optional(
      Type.String({ maxLength: 400, description: `one action or several, comma-separated: ${AUDIT_ACTIONS.join(', ')}` }),
    ),
    actor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'a login, or "operator" for changes made at the command line' }),
    ),
    issue: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'an issue key' })),
    worklog: Type.Optional(Type.Integer({ minimum: 1 })),
    batch: Type.Optional(Type.Integer({ minimum: 1 })),
    requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    from: Type.Optional(Type.String({ maxLength: 40, description: 'a Tracker date-time; events at or after it' })),
    to: Type.Optional(Type.String({ maxLength: 40, description: 'a Tracker date-time; events at or before it' })),
  },
  Strict,
);

function auditEventResource(event: AuditRecord, users: Map<number, User>, links: Links): AuditEventAnswer {
  const actor = event.actorUid === null ? undefined : users.get(event.actorUid);
  return {
    self: timeportUrl(links, `audit/${event.id}`),
    id: event.id,
    at: formatTrackerTimestamp(event.at),
    action: event.action,
    actor: actor === undefined ? { id: OPERATOR_ACTOR_ID, display: 'Operator (command line)' } : userReference(actor, links),
    requestId: event.requestId ?? undefined,
    serverRequestId: event.serverRequestId ?? undefined,
    issue: event.issueKey === null ? undefined : { key: event.issueKey, self: `${links.base}/v3/issues/${event.issueKey}` },
    worklog: event.worklogId === null ? undefined : { id: event.worklogId },
    batch: event.batchId === null ? undefined : { id: event.batchId, self: timeportUrl(links, `imports/${event.batchId}`) },
    details: event.details,
  };
}

/**
 * Timeport extension (issue 7): the audit log. Admins read their organization's events newest
 * first, filtered by action, actor, issue, worklog, batch, request id and time, a page at a time
 * (`Link: rel="next"` carries the cursor, as the import ledger does).
 */
/** The `action` filter: known actions, separated by commas. */
function auditActions(text: string | undefined): Result<AuditAction[] | undefined> {
  if (text === undefined) return accepted(undefined);
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(AUDIT_ACTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return refused(`unknown action ${unknown.map((name) => JSON.stringify(name)).join(', ')}; known: ${AUDIT_ACTIONS.join(', ')}`);
  }
  return accepted(names as AuditAction[]);
}

const auditRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, options) => {
  const links = linksOf(options);

  const schema = { querystring: AuditListQuery, response: answers({ 200: Type.Array(AuditEventObject) }) };
  app.get('/audit', { schema, onRequest: adminOnly('read the audit log') }, async (request, reply) => {
    const query = request.query;
    const instant = (text: string | undefined): Result<number | undefined> =>
      text === undefined ? accepted(undefined) : parseTrackerTimestamp(text);
    const checked = checkFields({ action: auditActions(query.action), from: instant(query.from), to: instant(query.to) });
    if (!checked.ok) throw new Problem('malformed', ['Invalid query parameters.'], checked.error.fieldErrors);
    const { action: actions, from, to } = checked.value;
    const perPage = query.perPage ?? DEFAULT_PAGE_SIZE;
    const filter: AuditQuery = {
      perPage,
      beforeId: query.id,
      actions,
      actor: query.actor,
      issueKey: query.issue === undefined ? undefined : asciiUpperCase(query.issue),
      worklogId: query.worklog,
      batchId: query.batch,
      requestId: query.requestId,
      from,
      to,
    };
    const page = await readingQuery(listAuditEvents(request.services, request.caller, filter));
    // The next page keeps the filters.
    setCursorLink(reply, timeportUrl(links, 'audit'), perPage, page.nextBeforeId, query);
    return page.events.map((event) => auditEventResource(event, page.users, links));
  });
};

export default auditRoutes;
