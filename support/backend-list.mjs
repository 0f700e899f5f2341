/**
 * Which test files run on which database. scripts/run-tests.mjs runs every test file on SQLite,
 * then every file again on PostgreSQL (TIMEPORT_TEST_BACKEND=postgres) except those listed here,
 * each with the reason it would gain nothing from the second pass. A new file is therefore on both
 * backends unless someone lists it; and a listed file that opens the test backend (support/app.ts
 * `openTestStore`, `buildTestApp`, or the harness's `serveOnTestBackend`, also through any helper)
 * fails its own test, and the runner fails the run (the files' claims, `TIMEPORT_TEST_CLAIMS`).
 *
 * A key ending in `/` covers a folder; any other key is one file. Paths are relative to the
 * repository's root, with `/`. Plain JavaScript so that the runner (no tsx) reads the same list.
 */
export const ONE_BACKEND = {
  'test/api/if-match.test.ts': 'reads If-Match headers; no database',
  'test/api/serialization.test.ts': 'response schemas on a bare Fastify; no database',
  'test/architecture/': 'reads the sources and runs the lint rules; no database',
  'test/cli/': 'configuration and flags; no database',
  'test/client/tracker-client.test.ts': 'the client against a scripted server; no database',
  'test/domain/': 'pure rules; no database',
  'test/importer/append-file.test.ts': 'an append-only file; no database',
  'test/importer/columns.test.ts': 'in-memory columns and sets; no database',
  'test/importer/file-lines.test.ts': 'lines of a file and their offsets; no database',
  'test/importer/runs-process.test.ts': 'the import journal of a process; no Timeport database',
  'test/importer/source-http.test.ts': "a live source's HTTP against a scripted server; no database",
  'test/importer/scratch-directory.test.ts': 'a temporary directory and a list on disk; no database',
  'test/importer/source-id-set.test.ts': 'an in-memory set; no database',
  'test/importer/sync-state.test.ts': "the sync's state file; no database",
  'test/importer/sync-ledger.test.ts': "the sync's copy of a ledger listing, given as a list; no database",
  'test/package/': 'the packed tarball; no database',
  'test/process/':
    'the real program on its own SQLite file; the tests of PostgreSQL processes make their own database on either pass (support/postgres.ts)',
  'test/reports/time-zone.test.ts': 'zone arithmetic; no database',
  'test/runner/': "the runner's own checks, on suites of its own that run on SQLite",
  'test/store/group-commit.test.ts': "SQLite's group commit, on SQLite by its nature",
  'test/store/kysely-internals.test.ts': 'opens both dialects itself, on either pass',
  'test/store/postgres.test.ts': 'what only PostgreSQL has, on a database of its own, on either pass',
  'test/store/prepared-query.test.ts': 'opens both dialects itself, on either pass',
};

/** Extra entries from TIMEPORT_TEST_ONE_BACKEND (a JSON object like ONE_BACKEND): for the runner's own test only. */
function extraEntries(env) {
  const extra = env.TIMEPORT_TEST_ONE_BACKEND;
  return extra === undefined || extra === '' ? {} : JSON.parse(extra);
}

/** Why `file` runs on SQLite only, or undefined when it runs on every backend. */
export function oneBackendReason(file, env = process.env) {
  const list = { ...ONE_BACKEND, ...extraEntries(env) };
  for (const [key, reason] of Object.entries(list)) {
    if (key.endsWith('/') ? file.startsWith(key) : file === key) return reason;
  }
  return undefined;
}

/** The files of the PostgreSQL pass: every file not listed. */
export function postgresPassFiles(files, env = process.env) {
  return files.filter((file) => oneBackendReason(file, env) === undefined);
}

/** Files that opened the test backend (their claims) but are left out of the PostgreSQL pass. */
export function claimsLeftOut(claimed, env = process.env) {
  return [...new Set(claimed)].filter((file) => oneBackendReason(file, env) !== undefined).sort();
}
