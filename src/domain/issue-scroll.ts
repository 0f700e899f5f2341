import { createHash } from 'node:crypto';
import { type Result, accepted, refused } from './result.js';

/**
 * Scrolling through an issue search (docs/tracker-api.md, "Scroll"). A scroll id is a
 * self-contained cursor rather than a row in the database: it names the organization and user it
 * belongs to, what is selected (every issue, or one queue's), the position after the last issue
 * answered, the page size and when it expires. Any process of a deployment can continue it, a
 * restart loses nothing, and nothing needs sweeping. Forging one gains nothing: every continuation
 * checks that the caller is the scroll's user in its organization and selects only what that
 * caller may read, exactly as a new search would.
 */
export type ScrollType = 'sorted' | 'unsorted';

export const SCROLL_TYPES: readonly ScrollType[] = ['sorted', 'unsorted'];
export const DEFAULT_PER_SCROLL = 100;
export const MAX_PER_SCROLL = 1000;
export const DEFAULT_SCROLL_TTL_MS = 60_000;
/** Timeport's bound on `scrollTTLMillis`; Tracker documents none. */
export const MAX_SCROLL_TTL_MS = 3_600_000;

/** Issues are scrolled in (queue id, number) order, so a position is the last pair answered. */
export interface ScrollPosition {
  queueId: number;
  number: number;
}

export interface ScrollCursor {
  orgId: string;
  uid: number;
  /** The queue scrolled, or null for every issue of the organization. */
  queueId: number | null;
  type: ScrollType;
  perScroll: number;
  ttlMs: number;
  expiresAt: number;
  /** After which issue the next page starts; null before the first. */
  after: ScrollPosition | null;
}

const VERSION = 1;

export function encodeScrollId(cursor: ScrollCursor): string {
  const fields = [
    VERSION,
    cursor.orgId,
    cursor.uid,
    cursor.queueId,
    cursor.type,
    cursor.perScroll,
    cursor.ttlMs,
    cursor.expiresAt,
    cursor.after?.queueId ?? null,
    cursor.after?.number ?? null,
  ];
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** Reads a scroll id given by `caller` at `now`; the error says why it cannot be continued. */
export function decodeScrollId(scrollId: string, caller: { orgId: string; uid: number }, now: number): Result<ScrollCursor> {
  const cursor = parse(scrollId);
  if (cursor === undefined) return refused('is not a scroll id this server gave');
  if (cursor.orgId !== caller.orgId || cursor.uid !== caller.uid) return refused('belongs to another user or organization');
  if (cursor.expiresAt < now) return refused('has expired: start the scroll again');
  return accepted(cursor);
}

/**
 * `X-Scroll-Token`: ties a scroll id to its user, as Tracker's does; `POST
 * /v3/system/search/scroll/_clear` takes the pairs back. It holds no secret: the scroll id itself
 * is checked against the caller.
 */
export function scrollToken(scrollId: string, cursor: ScrollCursor): string {
  const digest = createHash('sha256').update(`${scrollId}\n${cursor.orgId}\n${cursor.uid}`).digest('hex');
  return `${digest}:${cursor.expiresAt}`;
}

function parse(scrollId: string): ScrollCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(scrollId)) return undefined;
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(scrollId, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== 10 || fields[0] !== VERSION) return undefined;
  const [, orgId, uid, queueId, type, perScroll, ttlMs, expiresAt, afterQueue, afterNumber] = fields as unknown[];
  const whole = (value: unknown, min: number, max: number): value is number =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
  if (typeof orgId !== 'string' || !whole(uid, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  if (queueId !== null && !whole(queueId, 1, Number.MAX_SAFE_INTEGER)) return undefined;
  if (!SCROLL_TYPES.includes(type as ScrollType)) return undefined;
  if (!whole(perScroll, 1, MAX_PER_SCROLL) || !whole(ttlMs, 1, MAX_SCROLL_TTL_MS) || !whole(expiresAt, 0, Number.MAX_SAFE_INTEGER))
    return undefined;
  let after: ScrollPosition | null = null;
  if (afterQueue !== null || afterNumber !== null) {
    if (!whole(afterQueue, 1, Number.MAX_SAFE_INTEGER) || !whole(afterNumber, 0, Number.MAX_SAFE_INTEGER)) return undefined;
    after = { queueId: afterQueue, number: afterNumber };
  }
  return { orgId, uid, queueId: queueId as number | null, type: type as ScrollType, perScroll, ttlMs, expiresAt, after };
}
