import type { Kysely } from 'kysely';
import { type ParameterOf, prepareQuery } from './prepared-query.js';
import type { AuditRecord } from '../domain/audit.js';
import type { Database } from './schema.js';

/** The statements of the audit log (service/audit.ts says what goes into it). */

/** An event as stored: `details` is JSON text. */
export type AuditEventValues = Omit<AuditRecord, 'id' | 'details'> & { details: string };

/** An event's columns but the worklog's, as named parameters of a prepared query (prepared-query.ts). */
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

/** Inserts events, in the transaction of the change they describe. */
export async function insertAuditEvents(db: Kysely<Database>, rows: readonly AuditEventValues[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length === 1) await insertAuditEvent.rows(db, rows[0]!);
  else
    await db
      .insertInto('auditEvents')
      .values([...rows])
      .execute();
}

export interface AuditEventFilter {
  /** Only events with a smaller id. */
  beforeId?: number | undefined;
  actions?: readonly string[] | undefined;
  /** null: only events with no actor (the operator's). */
  actorUid?: number | null | undefined;
  issueKey?: string | undefined;
  worklogId?: number | undefined;
  batchId?: number | undefined;
  requestId?: string | undefined;
  /** Milliseconds since the epoch, both ends included. */
  from?: number | undefined;
  to?: number | undefined;
}

/** The organization's events that pass the filter, newest first, at most `limit`. */
export async function selectAuditEvents(
  db: Kysely<Database>,
  orgId: string,
  filter: AuditEventFilter,
  limit: number,
): Promise<AuditRecord[]> {
  let select = db.selectFrom('auditEvents').selectAll().where('orgId', '=', orgId);
  if (filter.beforeId !== undefined) select = select.where('id', '<', filter.beforeId);
  if (filter.actions !== undefined && filter.actions.length > 0) select = select.where('action', 'in', [...filter.actions]);
  if (filter.actorUid === null) select = select.where('actorUid', 'is', null);
  else if (filter.actorUid !== undefined) select = select.where('actorUid', '=', filter.actorUid);
  if (filter.issueKey !== undefined) select = select.where('issueKey', '=', filter.issueKey);
  if (filter.worklogId !== undefined) select = select.where('worklogId', '=', filter.worklogId);
  if (filter.batchId !== undefined) select = select.where('batchId', '=', filter.batchId);
  if (filter.requestId !== undefined) select = select.where('requestId', '=', filter.requestId);
  if (filter.from !== undefined) select = select.where('at', '>=', filter.from);
  if (filter.to !== undefined) select = select.where('at', '<=', filter.to);
  return select.orderBy('id', 'desc').limit(limit).execute();
}
