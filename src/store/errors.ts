/**
 * What a database error means for the client, the same on SQLite and PostgreSQL. The drivers
 * report the same situations in different words (SQLite result codes and messages, PostgreSQL
 * SQLSTATEs, Node socket errors, pg's own messages); the HTTP layer needs only three answers.
 */

/** The database could not do the work now; nothing was committed, so the client may retry. */
export interface DatabaseUnavailable {
  kind: 'unavailable';
  /** For the log: what went wrong, without the query. */
  reason: string;
}

/** A unique constraint refused a row: a concurrent request created the same thing first. */
export interface DuplicateRow {
  kind: 'duplicate';
  table: string;
  /** The request field the constraint is about, e.g. `login` for `(org_id, login_key)`. */
  field: string;
}

/** A value in the request the database cannot represent. */
export interface BadParameter {
  kind: 'bad_parameter';
  reason: string;
}

export type DatabaseErrorMeaning = DatabaseUnavailable | DuplicateRow | BadParameter;

/** Node socket errors that mean the server cannot be reached or the connection broke. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * PostgreSQL SQLSTATEs after which the transaction is rolled back and a retry may succeed:
 * class 08 (connection exception), 53 (insufficient resources, e.g. too many connections),
 * 57P01-57P05 (terminated by an administrator, crash, starting up, idle session timeout), 57014
 * (statement timeout), 40001/40P01 (serialization failure, deadlock), 55P03 (lock not available),
 * 25P03 (idle-in-transaction timeout).
 */
const RETRYABLE_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03', '57P04', '57P05', '40001', '40P01', '55P03', '25P03']);
const RETRYABLE_SQLSTATE_CLASSES = new Set(['08', '53']);

/**
 * A number or text PostgreSQL cannot take as a parameter (22003: beyond bigint, 22P02: not a
 * number, 22021: U+0000), where SQLite would just find nothing. The request is bad, not the
 * service: 400. (Requests are checked for these first; this is the net under those checks.)
 */
const BAD_PARAMETER_SQLSTATES = new Set(['22003', '22P02', '22021']);

/** pg and pg-pool raise these as plain Errors without a code. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /not queryable/,
  /Query read timeout/,
  /Postgres connection has been discarded/,
  /Cannot use a pool after calling end on the pool/,
  /the database was closed by a query watchdog/,
];

interface ErrorFields {
  code?: unknown;
  message?: unknown;
  table?: unknown;
  detail?: unknown;
  cause?: unknown;
}

/** Says what a thrown value means if it is a database error Timeport knows; undefined otherwise. */
export function classifyDatabaseError(error: unknown): DatabaseErrorMeaning | undefined {
  for (const current of errorAndCauses(error)) {
    const meaning = classifyOne(current);
    if (meaning !== undefined) return meaning;
  }
  return undefined;
}

/** The error and its causes: drivers and Kysely sometimes wrap the error that matters; a few deep. */
function* errorAndCauses(error: unknown): Generator<ErrorFields> {
  for (let current = error, depth = 0; current !== null && typeof current === 'object' && depth < 4; depth++) {
    yield current as ErrorFields;
    current = (current as ErrorFields).cause;
  }
}

function classifyOne(error: ErrorFields): DatabaseErrorMeaning | undefined {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (code === '23505') return postgresDuplicate(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return sqliteDuplicate(message);
  if (BAD_PARAMETER_SQLSTATES.has(code)) return { kind: 'bad_parameter', reason: `SQLSTATE ${code}: ${message}` };
  if (NETWORK_ERROR_CODES.has(code)) return { kind: 'unavailable', reason: `${code}: ${message}` };
  if (isStalePreparedStatement(error)) return { kind: 'unavailable', reason: message };
  if (/^[0-9A-Z]{5}$/.test(code) && (RETRYABLE_SQLSTATES.has(code) || RETRYABLE_SQLSTATE_CLASSES.has(code.slice(0, 2)))) {
    return { kind: 'unavailable', reason: `SQLSTATE ${code}: ${message}` };
  }
  // Another process holds the SQLite write lock for longer than busy_timeout.
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { kind: 'unavailable', reason: `${code}: ${message}` };
  if (code === '' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return { kind: 'unavailable', reason: message };
  return undefined;
}

/** PostgreSQL: `table` is set, and `detail` reads `Key (org_id, login_key)=(1, bob) already exists.` */
function postgresDuplicate(error: ErrorFields): DuplicateRow {
  const table = typeof error.table === 'string' ? error.table : 'row';
  const columns = /Key \(([^)]*)\)=/.exec(typeof error.detail === 'string' ? error.detail : '')?.[1]?.split(/,\s*/) ?? [];
  return { kind: 'duplicate', table, field: fieldOf(table, columns) };
}

/** SQLite: `UNIQUE constraint failed: users.org_id, users.login_key`. */
function sqliteDuplicate(message: string): DuplicateRow {
  const qualified = /constraint failed: (.*)$/.exec(message)?.[1]?.split(/,\s*/) ?? [];
  const table = qualified[0]?.split('.')[0] ?? 'row';
  return {
    kind: 'duplicate',
    table,
    field: fieldOf(
      table,
      qualified.map((column) => column.split('.').pop() ?? column),
    ),
  };
}

/** Request fields named differently from their column. */
const FIELD_OF_COLUMN: Record<string, string> = {
  login_key: 'login',
  unique_marker: 'unique',
  token_hash: 'token',
};

/** The field a unique constraint is about: its last column other than the organization. */
function fieldOf(_table: string, columns: string[]): string {
  const column = columns.filter((name) => name !== 'org_id').pop() ?? columns.pop() ?? 'id';
  return FIELD_OF_COLUMN[column] ?? column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * PostgreSQL rolled the transaction back because it met another one (deadlock, serialization
 * failure): running it again is safe and usually succeeds.
 */
export function isTransactionConflict(error: unknown): boolean {
  for (const current of errorAndCauses(error)) if (current.code === '40P01' || current.code === '40001') return true;
  return false;
}

/**
 * After another process changed the schema (a rolling upgrade's migration), a prepared `select *`
 * whose result columns changed fails with this. It is retryable: the request gets a 503 and its
 * connection is replaced (store/postgres.ts), so the retry prepares afresh.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const fields = error as ErrorFields | null;
  return (
    fields !== null &&
    typeof fields === 'object' &&
    fields.code === '0A000' &&
    /cached plan must not change result type/.test(typeof fields.message === 'string' ? fields.message : '')
  );
}

/** The database cannot be opened (unreachable, refused, a failed migration): one line for the operator. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}
