import type { SourceFormat } from '../formats/types.js';
import type { RawRecord } from '../readers.js';

/**
 * A source read straight from its REST API instead of from files. Its records go through the same
 * conversion and mapping as a file's (`format.convert`, then --user-map and the issue rule), so a
 * live source only knows how to fetch and page; every later source (Jira, Tempo, Toggl, Clockify,
 * Kimai) is one more implementation of this interface.
 */
export interface LiveSource {
  /** What messages name it by: `Redmine http://127.0.0.1:3100 (project explore)`. */
  readonly label: string;
  /** Stands in for a file name where one is needed (the failures file: `<input>.failures.csv`). */
  readonly inputName: string;
  /** Converts this source's records to entries. */
  readonly format: SourceFormat;
  /** Checks the URL, the credentials and the scope before anything is read; throws with a clear message. */
  check(): Promise<void>;
  /** Every record of the source's window, in a stable order, each once. */
  records(): AsyncIterable<RawRecord>;
  /**
   * Present only on sources whose API lists what changed since a time, deletions included (Jira's
   * `/worklog/updated` and `/worklog/deleted`, Toggl's `since`). A sync with a state then reads only
   * this instead of the whole window, unless `--full`. A source that cannot see deletions must not
   * offer it: an entry deleted there would never be planned for deletion.
   */
  changesSince?(since: Date): LiveSourceChanges;
}

/** What a source says changed since a time. */
export interface LiveSourceChanges {
  /** Records created or edited at or after the time, in a stable order, each once. */
  records: AsyncIterable<RawRecord>;
  /** Source ids (as this source's `format.convert` names them) of entries deleted at or after the time. */
  deleted: AsyncIterable<string>;
}

/** A window of work days, inclusive, as `YYYY-MM-DD`; either end may be open. */
export interface SourceWindow {
  from?: string | undefined;
  to?: string | undefined;
}

/** A live source that cannot be read as asked: unreachable, credentials refused, no such scope. */
export class LiveSourceError extends Error {}
