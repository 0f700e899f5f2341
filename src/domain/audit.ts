/** One change recorded in the audit log, as read back. Instants are milliseconds since the epoch. */
export interface AuditRecord {
  id: number;
  orgId: string;
  at: number;
  /** Who made the change; null for the operator at the command line. */
  actorUid: number | null;
  action: string;
  issueKey: string | null;
  worklogId: number | null;
  batchId: number | null;
  /** The `X-Request-Id` of the request that made the change. */
  requestId: string | null;
  /** The server's own id of that request; null for the command line and older events. */
  serverRequestId: string | null;
  /** What changed, in the API's own terms. */
  details: Record<string, unknown>;
}
