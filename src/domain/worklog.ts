/** A worklog: time spent on an issue. Instants are milliseconds since the epoch, the duration whole seconds. */
export interface Worklog {
  id: number;
  orgId: string;
  issueId: string;
  createdBy: number;
  createdAt: number;
  updatedBy: number;
  updatedAt: number;
  start: number;
  durationSeconds: number;
  comment: string | null;
  version: number;
  /** Whether it came in through an import (single or batch) rather than being logged. */
  imported: boolean;
}

/** One batch of `/timeport/v1/worklogs/_import` (the import ledger). */
export interface ImportBatch {
  id: number;
  orgId: string;
  createdBy: number;
  createdAt: number;
  /** What the importer says the entries came from (a file name, a system), as given. */
  source: string | null;
  mode: 'atomic' | 'partial';
  createdCount: number;
  alreadyPresentCount: number;
  failedCount: number;
  rolledBackAt: number | null;
  rolledBackBy: number | null;
}
