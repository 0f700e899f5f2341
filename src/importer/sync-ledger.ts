import type { ExternalWorklog, TrackerWorklog } from '../client/tracker-client.js';
import { parseBusinessDuration } from '../domain/duration.js';
import { parseTrackerTimestamp } from '../domain/timestamp.js';
import { NumberSet, float64Column, uint32Column, uint8Column } from './columns.js';
import { type ScratchDirectory, SpilledList } from './scratch-directory.js';
import type { SourceIdIndex } from './source-id-set.js';
import { type SyncState, VALUE_WORDS, fingerprintValues } from './sync-state.js';

/** A target worklog's values, as the sync compares and shows them. */
export interface TargetValues {
  start: number;
  seconds: number;
  comment: string;
  authorId: string;
  createdAt: number;
}

/** A worklog's values, or undefined when they do not parse (the plan stops if it must look at them). */
export function valuesOf(worklog: TrackerWorklog): TargetValues | undefined {
  const start = parseTrackerTimestamp(worklog.start);
  const seconds = parseBusinessDuration(worklog.duration);
  const createdAt = parseTrackerTimestamp(worklog.createdAt);
  if (!start.ok || !seconds.ok || !createdAt.ok) return undefined;
  return {
    start: start.value,
    seconds: seconds.value,
    comment: worklog.comment ?? '',
    authorId: worklog.createdBy.id,
    createdAt: createdAt.value,
  };
}

/** A worklog in Timeport's ledger, as the plan reads it. */
export interface LedgerWorklog {
  id: number;
  issue: string;
  version: number;
  syncedVersion: number;
  /** Undefined when the sync cannot read them (the plan stops if it must look at it). */
  values: TargetValues | undefined;
}

const IN_LEDGER = 1;
/** The worklog's version is not the one the last sync wrote: it was changed in the target since. */
const VERSION_MOVED = 2;
/** Its values do not parse. */
const UNREADABLE = 4;
/** The local state has the same source entry as this worklog (its id), so what was written is the state's. */
const IN_STATE = 8;

/**
 * What earlier syncs from this source put into Timeport, from its ledger (the sync extension's
 * listing), by row of the run's `SourceIdIndex`: what the plan compares of each worklog in
 * columns, about 17 bytes a worklog (a fingerprint of its values, whether its version moved,
 * whether the local state has the same worklog), and the listing's worklog itself in a file in the
 * run's scratch directory, which `itemAt` reads again when a change needs it. A mirror may hold
 * millions (docs/decisions.md, "A second sync of a million entries").
 */
export class SyncLedger {
  private readonly lineOf = float64Column();
  private readonly values = uint32Column(VALUE_WORDS);
  private readonly flags = uint8Column();
  /** The ids of the worklogs the state does not have (those it has, it knows). */
  readonly idsNotInState = new NumberSet();
  /** Worklogs listed. */
  size = 0;

  private constructor(
    private readonly index: SourceIdIndex,
    /** The listing's worklogs, by the offset in `lineOf`. */
    private readonly worklogs: SpilledList<{ s: string; w: LedgerWorklog }>,
  ) {}

  /** Reads the listing, writing each worklog to a file in `scratch`; `state` is the run's, loaded on the same index. */
  static async read(
    listing: AsyncIterable<ExternalWorklog>,
    index: SourceIdIndex,
    state: SyncState,
    scratch: ScratchDirectory,
  ): Promise<SyncLedger> {
    const ledger = new SyncLedger(index, new SpilledList(scratch, 'ledger.ndjson'));
    const fingerprint = new Uint32Array(3);
    for await (const item of listing) {
      const values = valuesOf(item.worklog);
      const worklog: LedgerWorklog = {
        id: item.worklog.id,
        issue: item.worklog.issue.key,
        version: item.worklog.version,
        syncedVersion: item.syncedVersion,
        values,
      };
      const row = index.add(item.externalId);
      if (ledger.flags.get(row) === 0) ledger.size++;
      ledger.lineOf.set(row, ledger.worklogs.push({ s: item.externalId, w: worklog }) + 1);
      if (values !== undefined) {
        fingerprintValues(values, fingerprint);
        ledger.values.setAll(row, fingerprint);
      }
      const inState = state.has(row) && state.worklogIdAt(row) === worklog.id;
      if (!inState) ledger.idsNotInState.add(worklog.id);
      ledger.flags.set(
        row,
        IN_LEDGER |
          (worklog.version !== worklog.syncedVersion ? VERSION_MOVED : 0) |
          (values === undefined ? UNREADABLE : 0) |
          (inState ? IN_STATE : 0),
      );
    }
    return ledger;
  }

  has(row: number): boolean {
    return row >= 0 && (this.flags.get(row) & IN_LEDGER) !== 0;
  }

  /** The rows with a worklog. */
  *rows(): Generator<number> {
    for (let row = 0; row < this.index.size; row++) if (this.has(row)) yield row;
  }

  /** Whether the local state has this source entry as this same worklog (then what was written is the state's). */
  inState(row: number): boolean {
    return (this.flags.get(row) & IN_STATE) !== 0;
  }

  /** Whether the worklog's values parse. */
  readable(row: number): boolean {
    return (this.flags.get(row) & UNREADABLE) === 0;
  }

  /** Whether its version moved since the last write through the batch import or `_changes`. */
  versionMoved(row: number): boolean {
    return (this.flags.get(row) & VERSION_MOVED) !== 0;
  }

  /** Whether its values have this fingerprint (`fingerprintValues`). */
  valuesAre(row: number, fingerprint: Uint32Array): boolean {
    return this.readable(row) && this.values.equals(row, fingerprint);
  }

  /** The row's source id and worklog, read again from the file. */
  itemAt(row: number): { sourceId: string; worklog: LedgerWorklog } {
    const offset = this.lineOf.get(row) - 1;
    if (offset < 0) throw new Error(`the ledger has no worklog in row ${row}`);
    const line = this.worklogs.at(offset);
    return { sourceId: line.s, worklog: line.w };
  }

  close(): void {
    this.worklogs.close();
  }
}
