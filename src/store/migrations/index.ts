import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';
import * as importBatches from './0004_import_batches.js';
import * as reportIndexes from './0003_report_indexes.js';
import * as idempotencyKeys from './0005_idempotency_keys.js';
import * as auditEvents from './0006_audit_events.js';
import * as dropRedundantWorklogIndex from './0007_drop_redundant_worklog_index.js';
import * as auditServerRequestId from './0008_audit_server_request_id.js';
import * as forgetStoredTokens from './0009_forget_stored_tokens.js';
import * as importedWorklogSyncedVersion from './0010_imported_worklog_synced_version.js';
import * as issueSpentShards from './0011_issue_spent_shards.js';
import * as authorIndexInIdOrder from './0012_author_index_in_id_order.js';
import * as catalogEpoch from './0013_catalog_epoch.js';
import * as createdTimeNearStart from './0014_created_time_near_start.js';
import type { MigrationDialect } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against whatever schema the database has
type MigrationModule = { up(db: Kysely<any>, dialect: MigrationDialect): Promise<void> };

/** Every migration, in order. Names sort by their number; a released migration never changes. */
const MIGRATIONS: Record<string, MigrationModule> = {
  '0001_initial': initial,
  '0003_report_indexes': reportIndexes,
  '0004_import_batches': importBatches,
  '0005_idempotency_keys': idempotencyKeys,
  '0006_audit_events': auditEvents,
  '0007_drop_redundant_worklog_index': dropRedundantWorklogIndex,
  '0008_audit_server_request_id': auditServerRequestId,
  '0009_forget_stored_tokens': forgetStoredTokens,
  '0010_imported_worklog_synced_version': importedWorklogSyncedVersion,
  '0011_issue_spent_shards': issueSpentShards,
  '0012_author_index_in_id_order': authorIndexInIdOrder,
  '0013_catalog_epoch': catalogEpoch,
  '0014_created_time_near_start': createdTimeNearStart,
};

/** Migrations are compiled into the program, so they run the same from source and from a package. */
export class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: MigrationDialect) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, module]) => [name, { up: (db) => module.up(db, this.dialect) }]));
  }
}
