import { type Expression, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { DbHandle } from './database.js';

/**
 * Worklogs by creation time on SQLite (migration 0014, docs/decisions.md "Creation time through
 * the start index on SQLite").
 *
 * SQLite writes a whole page to its log for every page a commit changes, so each time index whose
 * insertion point is random costs a single import a page (4 KiB) of its own: for historical
 * entries, both the index by start and the one by creation time did. But a worklog is most often
 * logged near its start: the same day, or at the latest when the month's time sheet is filled in.
 * So on SQLite the index by start also holds the creation time, and only the worklogs created far
 * from their start have an index by creation time, a partial one:
 *
 * - near: `start - created_at <= BEFORE_MS and created_at - start <= AFTER_MS`. Created in
 *   [from, to], such a worklog starts in [from - AFTER_MS, to + BEFORE_MS]: a range of the index by
 *   start, whose rows are then filtered by their creation time;
 * - far: every other worklog, in `worklogs_created_far_from_start_idx`. Imports whose source gave
 *   no creation time are created now, so that index grows at its end.
 *
 * A period by creation time is read in two parts (createdInParts), which a query asks of both and
 * adds up: it answers exactly what a plain filter on the creation time would. PostgreSQL logs the
 * change itself, not the page, and keeps its plain index by creation time (BENCHMARKS.md).
 */

/** How long before its start a worklog may be created and count as near it: a day (time zones, logging ahead). */
export const BEFORE_MS = 86_400_000;
/** How long after its start: 35 days, a month's time sheet filled in a few days late. */
export const AFTER_MS = 35 * 86_400_000;

/**
 * The partial index's condition, as migration 0014 wrote it. A query uses a partial index only
 * when its WHERE holds this very expression (literals, not parameters), so `farFromStart` writes
 * the same; test/store/created-near-start.test.ts holds the migration's text to it.
 */
export const FAR_FROM_START_SQL = `start - created_at > ${BEFORE_MS} OR created_at - start > ${AFTER_MS}`;

const farFromStart = (): Expression<SqlBool> =>
  sql<SqlBool>`(${sql.ref('worklogs.start')} - ${sql.ref('worklogs.createdAt')} > ${sql.lit(BEFORE_MS)} OR ${sql.ref('worklogs.createdAt')} - ${sql.ref('worklogs.start')} > ${sql.lit(AFTER_MS)})`;

/** A creation-time range: `from` inclusive, `to` inclusive or not; an absent end is open. */
export interface CreatedRange {
  from?: number | undefined;
  to?: number | undefined;
  toInclusive: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any query on `worklogs` (joins and selections are the caller's); only worklogs' columns are named here
type WorklogsQuery = SelectQueryBuilder<any, any, any>;

/**
 * SQLite: `query` (on `worklogs`, of one organization) narrowed to the worklogs created in
 * `range`, as two disjoint queries whose answers add up to a plain filter's:
 *
 * - those that start in [from - AFTER_MS, to + BEFORE_MS], through that range of the index by
 *   start (every worklog created near its start and in the range is among them, and any other
 *   there is kept only if its creation time is in the range);
 * - those created far from their start that start outside it, through the partial index.
 *
 * Each reads its index alone where the query's columns are in it. The caller runs both and adds up
 * (a union in a subquery would pass every row through a co-routine: several times as slow for a
 * report over millions of entries).
 */
export function createdInParts<Query extends WorklogsQuery>(query: Query, range: CreatedRange): [near: Query, far: Query] {
  let inRange = query;
  if (range.from !== undefined) inRange = inRange.where('worklogs.createdAt', '>=', range.from) as Query;
  if (range.to !== undefined) inRange = inRange.where('worklogs.createdAt', range.toInclusive ? '<=' : '<', range.to) as Query;
  const startsFrom = range.from === undefined ? undefined : range.from - AFTER_MS;
  const startsTo = range.to === undefined ? undefined : range.to + BEFORE_MS;
  let near = inRange;
  if (startsFrom !== undefined) near = near.where('worklogs.start', '>=', startsFrom) as Query;
  if (startsTo !== undefined) near = near.where('worklogs.start', '<=', startsTo) as Query;
  const far = inRange
    .where(farFromStart())
    .where((eb) =>
      eb.or([
        ...(startsFrom === undefined ? [] : [eb('worklogs.start', '<', startsFrom)]),
        ...(startsTo === undefined ? [] : [eb('worklogs.start', '>', startsTo)]),
      ]),
    ) as Query;
  return [near, far];
}

/**
 * SQLite: the ids of the organization's worklogs created in `range`, for `id in (...)`: the union
 * of the two parts of createdInParts.
 */
export function idsCreatedIn(db: DbHandle, orgId: string, range: CreatedRange) {
  const [near, far] = createdInParts(db.selectFrom('worklogs').select('worklogs.id').where('worklogs.orgId', '=', orgId), range);
  return near.unionAll(far);
}
