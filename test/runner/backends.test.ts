/**
 * The PostgreSQL pass cannot lose a suite (scripts/run-tests.mjs, support/backend-list.mjs): a file
 * is on both backends unless listed, and a listed file that opens the test backend fails, on its
 * own and in the runner's check of the claims. Shown on suites written into a temporary directory
 * that open their database only through a helper, as the suites the old source regex missed did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../support/app.js';
import { claimsLeftOut, oneBackendReason, postgresPassFiles } from '../../support/backend-list.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

describe('the files of the PostgreSQL pass', () => {
  it('are every file not listed, so a new suite is on both backends without a word', () => {
    assert.deepEqual(postgresPassFiles(['test/api/new-suite.test.ts', 'test/domain/keys.test.ts', 'test/api/if-match.test.ts']), [
      'test/api/new-suite.test.ts',
    ]);
    assert.equal(oneBackendReason('test/api/new-suite.test.ts'), undefined);
    assert.match(oneBackendReason('test/domain/anything.test.ts') ?? '', /no database/);
  });
});

describe('a suite that opens the test backend through a helper', () => {
  let temp: ReturnType<typeof tempDir>;
  let suite: string;
  let swallowing: string;

  before(() => {
    temp = tempDir('timeport-backends-');
    const app = pathToFileURL(path.join(ROOT, 'support/app.js')).href;
    // The suites below never name a factory: the helper does, as test/importer/helpers.ts does.
    fs.writeFileSync(
      path.join(temp.dir, 'helper.ts'),
      `import { buildTestApp } from '${app}';\nexport async function withApp(): Promise<number> {\n` +
        `  const t = await buildTestApp();\n  try { return (await t.request({ method: 'GET', url: '/v3/myself' })).statusCode; } finally { await t.close(); }\n}\n`,
    );
    suite = path.join(temp.dir, 'undeclared.test.ts');
    fs.writeFileSync(
      suite,
      `import assert from 'node:assert/strict';\nimport { it } from 'node:test';\nimport { withApp } from './helper.js';\n` +
        `it('answers', async () => assert.equal(await withApp(), 200));\n`,
    );
    swallowing = path.join(temp.dir, 'swallowing.test.ts');
    fs.writeFileSync(
      swallowing,
      `import { it } from 'node:test';\nimport { withApp } from './helper.js';\n` +
        `it('hides every error', async () => { try { await withApp(); } catch { /* swallowed */ } });\n`,
    );
  });
  after(() => temp.remove());

  /** Runs one suite as the runner does (node --test, tsx, the SQLite pass) and returns its exit, output and claims. */
  function runSuite(file: string, oneBackend: Record<string, string>): { status: number | null; output: string; claimed: string[] } {
    const claims = path.join(temp.dir, `claims-${path.basename(file)}-${Object.keys(oneBackend).length}`);
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', file], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        NODE_TEST_CONTEXT: undefined,
        TIMEPORT_TEST_BACKEND: 'sqlite',
        TIMEPORT_TEST_CLAIMS: claims,
        TIMEPORT_TEST_ONE_BACKEND: JSON.stringify(oneBackend),
      },
    });
    const claimed = fs.existsSync(claims) ? fs.readFileSync(claims, 'utf8').split('\n').filter(Boolean) : [];
    return { status: result.status, output: `${result.stdout}${result.stderr}`, claimed };
  }

  it('is in the PostgreSQL pass when nobody lists it, and its claim names it', () => {
    const run = runSuite(suite, {});
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(run.claimed, [relative(suite)]);
    assert.deepEqual(postgresPassFiles([relative(suite)]), [relative(suite)]);
    assert.deepEqual(claimsLeftOut(run.claimed), []);
  });

  it('fails when listed as needing no database, and the runner check names it', () => {
    const env = { TIMEPORT_TEST_ONE_BACKEND: JSON.stringify({ [relative(suite)]: 'deliberately undeclared' }) };
    const run = runSuite(suite, { [relative(suite)]: 'deliberately undeclared' });
    assert.notEqual(run.status, 0, run.output);
    assert.match(run.output, /opens a database on the test backend, but support\/backend-list\.mjs lists it/);
    assert.deepEqual(postgresPassFiles([relative(suite)], env), []);
    assert.deepEqual(claimsLeftOut(run.claimed, env), [relative(suite)]);
  });

  it('is caught by the runner check even when the suite swallows the failure', () => {
    const listed = { [relative(swallowing)]: 'deliberately undeclared' };
    const run = runSuite(swallowing, listed);
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(claimsLeftOut(run.claimed, { TIMEPORT_TEST_ONE_BACKEND: JSON.stringify(listed) }), [relative(swallowing)]);
  });
});
