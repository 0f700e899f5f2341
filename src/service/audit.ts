import type { Kysely } from 'kysely';
import type { AuditEventRow, Database, User } from '../store/schema.js';
import type { Caller, ServiceContext } from './context.js';
import { type ParameterOf, prepareQuery } from '../store/prepared-query.js';
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
  trx: Kysely<Database>,
  ctx: ServiceContext,
  orgId: string,
  actor: User | undefined,
  event: AuditEvent,
): Promise<void> {
  await recordAuditEvents(trx, ctx, orgId, actor, [event]);
}

export async function recordAuditEvents(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  orgId: string,
  actor: User | undefined,
  events: readonly AuditEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const at = ctx.now(); // one instant for the events of one change
  const rows = events.map((event) => auditEventValues(ctx, orgId, actor, event, at));
  if (rows.length === 1) await insertAuditEvent.rows(trx, rows[0]!);
  else await trx.insertInto('auditEvents').values(rows).execute();
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

export type AuditEventValues = Omit<AuditEventRow, 'id'>;

/** An event's columns but the worklog's, as named parameters of a prepared query (store/prepared-query.ts). */
export function auditEventParameters(param: ParameterOf<Omit<AuditEventValues, 'worklogId'>>) {
  return {
    orgId: param('orgId'),
    at: param('at'),
    actorUid: param('actorUid'),
    action: param('action'),
    issueKey: param('issueKey'),
    batchId: param('batchId'),
    requestId: param('requestId'),
    serverRequestId: param('serverRequestId'),
    details: param('details'),
  };
}

/** Nearly every write records one event: compiled once. */
const insertAuditEvent = prepareQuery((db, param: ParameterOf<AuditEventValues>) =>
  db.insertInto('auditEvents').values({ ...auditEventParameters(param), worklogId: param('worklogId') }),
);

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
  events: AuditEventRow[];
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

async function readAuditEvents(
  db: Kysely<Database>,
  orgId: string,
  query: AuditQuery,
  actorUid: number | null | undefined,
): Promise<AuditPage> {
  let select = db.selectFrom('auditEvents').selectAll().where('orgId', '=', orgId);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  if (query.actions !== undefined && query.actions.length > 0) select = select.where('action', 'in', [...query.actions]);
  if (actorUid === null) select = select.where('actorUid', 'is', null);
  else if (actorUid !== undefined) select = select.where('actorUid', '=', actorUid);
  if (query.issueKey !== undefined) select = select.where('issueKey', '=', query.issueKey);
  if (query.worklogId !== undefined) select = select.where('worklogId', '=', query.worklogId);
  if (query.batchId !== undefined) select = select.where('batchId', '=', query.batchId);
  if (query.requestId !== undefined) select = select.where('requestId', '=', query.requestId);
  if (query.from !== undefined) select = select.where('at', '>=', query.from);
  if (query.to !== undefined) select = select.where('at', '<=', query.to);
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.perPage + 1)
    .execute();
  const events = rows.slice(0, query.perPage);
  const users = await loadUsers(
    db,
    events.flatMap((event) => (event.actorUid === null ? [] : [event.actorUid])),
  );
  const last = events.at(-1);
  return rows.length > query.perPage && last !== undefined ? { events, users, nextBeforeId: last.id } : { events, users };
}
