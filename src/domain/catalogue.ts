/**
 * The fixed sets of statuses, issue types, priorities and resolutions every organization starts
 * with, as Tracker's default workflow names them. Each has a numeric id (Tracker's ids) and a key.
 */
export interface CatalogueEntry {
  readonly id: number;
  readonly key: string;
  readonly display: string;
}

export type CatalogueName = 'statuses' | 'issuetypes' | 'priorities' | 'resolutions';

export const CATALOGUES: Record<CatalogueName, readonly CatalogueEntry[]> = {
  statuses: [
    { id: 1, key: 'open', display: 'Open' },
    { id: 2, key: 'inProgress', display: 'In progress' },
    { id: 3, key: 'needInfo', display: 'Need info' },
    { id: 4, key: 'resolved', display: 'Resolved' },
    { id: 5, key: 'closed', display: 'Closed' },
  ],
  issuetypes: [
    { id: 1, key: 'bug', display: 'Bug' },
    { id: 2, key: 'task', display: 'Task' },
    { id: 3, key: 'newFeature', display: 'New feature' },
    { id: 4, key: 'epic', display: 'Epic' },
    { id: 5, key: 'improvement', display: 'Improvement' },
  ],
  priorities: [
    { id: 1, key: 'trivial', display: 'Trivial' },
    { id: 2, key: 'minor', display: 'Minor' },
    { id: 3, key: 'normal', display: 'Normal' },
    { id: 4, key: 'critical', display: 'Critical' },
    { id: 5, key: 'blocker', display: 'Blocker' },
  ],
  resolutions: [
    { id: 1, key: 'fixed', display: 'Fixed' },
    { id: 2, key: "won'tFix", display: "Won't fix" },
    { id: 3, key: 'duplicate', display: 'Duplicate' },
    { id: 4, key: 'invalid', display: 'Invalid' },
    { id: 5, key: 'later', display: 'Later' },
  ],
};

export const INITIAL_STATUS = 'open';
export const DEFAULT_ISSUE_TYPE = 'task';
export const DEFAULT_PRIORITY = 'normal';

/**
 * Finds an entry by what Tracker clients send for it: its key, its id (number or digits), or an
 * object `{key}` / `{id}` as the official client sends objects.
 */
export function findCatalogueEntry(name: CatalogueName, reference: unknown): CatalogueEntry | undefined {
  const entries = CATALOGUES[name];
  if (typeof reference === 'number') return entries.find((entry) => entry.id === reference);
  if (typeof reference === 'string') {
    return entries.find((entry) => entry.key === reference) ?? entries.find((entry) => String(entry.id) === reference);
  }
  if (typeof reference === 'object' && reference !== null) {
    const { id, key } = reference as { id?: unknown; key?: unknown };
    if (key !== undefined) return findCatalogueEntry(name, key);
    if (id !== undefined) return findCatalogueEntry(name, id);
  }
  return undefined;
}

export function catalogueEntryByKey(name: CatalogueName, key: string): CatalogueEntry {
  const entry = CATALOGUES[name].find((candidate) => candidate.key === key);
  if (entry === undefined) throw new Error(`unknown ${name} key stored: ${key}`);
  return entry;
}
