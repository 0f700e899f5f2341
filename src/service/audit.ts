import type { DbHandle } from '../store/database.js';
import type { User } from '../domain/accounts.js';
import type { AuditRecord } from '../domain/audit.js';
import type { Caller, ServiceContext } from './context.js';
import { type AuditEventValues, insertAuditEvents, selectAuditEvents } from '../store/audit-events.js';
import { invalidField } from '../domain/errors.js';
import { findUserByLogin, loadUsers, requireAdmin } from './users.js';

/**
 * The audit log (issue 7): every import, batch, edit, delete and rollback, and every change to who
 * may reach the data (users, tokens), with who made it, when, from which request, and what
 * changed. Each event is written by the service that makes the change, inside the change's own
 * transaction: a change is never committed without its event, nor an event without its change.
 */

/** The actor of changes made with the `timeport` command on the server's machine (no user, no token). */
export const OPERATOR_ACTOR_ID = 'operator';

export const AUDIT_ACTIONS = [
  'worklog.import',
  'worklog.create',
  'worklog.update',
  'worklog.delete',
  'batch.import',
  'batch.rollback',
  'issue.create',
  'issue.import',
  'queue.create',
  'user.create',
  'token.create',
  'token.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What a service says about its change; who, when and the request id are added here. */
export interface AuditEvent {
  action: AuditAction;
  issueKey?: string | undefined;
  worklogId?: number | undefined;
  batchId?: number | undefined;
  /** What changed, in the API's terms (Tracker timestamps and durations): JSON-serialisable. */
  details: Record<string, unknown>;
}

/** Records one event in the transaction `trx` of the change it describes. */
export async function recordAudit(
  trx: DbHandle,
  ctx: ServiceContext,
  orgId: string,
  actor: User | undefined,
  event: AuditEvent,
): Promise<void> {
  await recordAuditEvents(trx, ctx, orgId, actor, [event]);
}

export async function recordAuditEvents(
  trx: DbHandle,
  ctx: ServiceContext,
  orgId: string,
  actor: User | undefined,
  events: readonly AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const at = ctx.now(); // one instant for the events of one change
  const rows = events.map((event) => auditEventValues(ctx, orgId, actor, event, at));
  await insertAuditEvents(trx, rows);
}

/** The row an event is stored as: who, when and the request id added to what the service says. */
export function auditEventValues(
  ctx: ServiceContext,
  orgId: string,
  actor: User | undefined,
  event: AuditEvent,
  at = ctx.now(),
): AuditEventValues {
  return {
    orgId,
    at,
    actorUid: actor?.uid ?? null,
    action: event.action,
    issueKey: event.issueKey ?? null,
    worklogId: event.worklogId ?? null,
    batchId: event.batchId ?? null,
    requestId: ctx.requestId?.() ?? null,
    serverRequestId: ctx.serverRequestId?.() ?? null,
    details: JSON.stringify(event.details),
  };
}

// The stored shape of an event and its prepared-query parameters live with the statements; the
// worklog services compose them into their own prepared statements.
export { type AuditEventValues, auditEventParameters } from '../store/audit-events.js';

export interface AuditQuery {
  perPage: number;
  /** Only events with a smaller id: the cursor of the previous page (the log runs newest first). */
  beforeId?: number | undefined;
  actions?: readonly AuditAction[] | undefined;
  /** The actor's login, or OPERATOR_ACTOR_ID for changes made at the command line. */
  actor?: string | undefined;
  issueKey?: string | undefined;
  worklogId?: number | undefined;
  batchId?: number | undefined;
  requestId?: string | undefined;
  /** Milliseconds since the epoch, both ends included. */
  from?: number | undefined;
  to?: number | undefined;
}

export interface AuditPage {
  events: AuditRecord[];
  users: Map<number, User>;
  nextBeforeId?: number;
}

/** The organization's audit events, newest first, filtered; admins only. */
export async function listAuditEvents(ctx: ServiceContext, caller: Caller, query: AuditQuery): Promise<AuditPage> {
  requireAdmin(caller, 'read the audit log');
  let actorUid: number | null | undefined;
  if (query.actor === OPERATOR_ACTOR_ID) actorUid = null;
  else if (query.actor !== undefined) {
    const user = await findUserByLogin(ctx.store.db, caller.org.id, query.actor);
    if (user === undefined) throw invalidField('actor', `no user ${JSON.stringify(query.actor)} in this organization`);
    actorUid = user.uid;
  }
  return readAuditEvents(ctx.store.db, caller.org.id, query, actorUid);
}

async function readAuditEvents(db: DbHandle, orgId: string, query: AuditQuery, actorUid: number | null | undefined): Promise<AuditPage> {
  const rows = await selectAuditEvents(db, orgId, { ...query, actorUid }, query.perPage + 1);
  const events = rows.slice(0, query.perPage);
  const users = await loadUsers(
    db,
    events.flatMap((event) => (event.actorUid === null ? [] : [event.actorUid])),
  );
  const last = events.at(-1);
  return rows.length > query.perPage && last !== undefined ? { events, users, nextBeforeId: last.id } : { events, users };
}
