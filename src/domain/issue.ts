/** The queue fields Timeport keeps without interpreting them. */
export interface QueueExtra {
  issueTypesConfig?: unknown[];
  assignAuto?: boolean;
  allowExternals?: boolean;
  denyVoting?: boolean;
}

/** Tracker fields kept with an issue and answered back as given. */
export interface IssueExtra {
  tags?: string[];
  followers?: number[];
  storyPoints?: number;
}

/** A queue of an organization. Instants are milliseconds since the epoch. */
export interface Queue {
  id: number;
  orgId: string;
  key: string;
  name: string;
  description: string | null;
  leadUid: number;
  defaultType: string;
  defaultPriority: string;
  /** The highest issue number taken in this queue; the next created issue gets one more. */
  lastIssueNumber: number;
  extra: QueueExtra;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** An issue. Instants are milliseconds since the epoch, durations whole seconds. */
export interface Issue {
  id: string;
  orgId: string;
  queueId: number;
  key: string;
  number: number;
  summary: string;
  description: string | null;
  status: string;
  type: string;
  priority: string;
  assigneeUid: number | null;
  createdAt: number;
  createdBy: number;
  updatedAt: number;
  updatedBy: number;
  resolvedAt: number | null;
  resolvedBy: number | null;
  resolution: string | null;
  version: number;
  /** The sum of the issue's worklog durations. */
  spentSeconds: number;
  originalEstimationSeconds: number | null;
  estimationSeconds: number | null;
  uniqueMarker: string | null;
  deadline: string | null;
  start: string | null;
  end: string | null;
  extra: IssueExtra;
}

/**
 * An issue without its `spent`, for operations that neither print nor check it (the single
 * import): on PostgreSQL reading `spent` adds the issue's counters, a cost those reads skip
 * (store/issues.ts).
 */
export type IssueWithoutSpent = Omit<Issue, 'spentSeconds'>;

/**
 * What a worklog's answer names of its issue (its reference) and what the import's rules check
 * (its lifetime, domain/worklog-rules.ts): all the single import reads of it, so all the catalog
 * cache keeps (store/catalog-cache.ts).
 */
export type IssueForWorklog = Pick<Issue, 'id' | 'orgId' | 'key' | 'summary' | 'createdAt' | 'updatedAt'>;
