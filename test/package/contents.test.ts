/**
 * The package (`npm pack`) holds only what runs: the compiled code, the web page, README, LICENSE,
 * CHANGELOG and package.json; never sources, tests, benchmarks, data or import journals. The
 * install from the tarball into an empty prefix is .ci/package-smoke.sh's job (CI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '../..');

interface PackResult {
  files: { path: string }[];
}

/** The tarball's file list as `npm pack` would write it (dist/ is built by `npm test` beforehand). */
function packedFiles(): string[] {
  // --ignore-scripts: no second build; the list is the same.
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false' },
  });
  const [result] = JSON.parse(output) as PackResult[];
  return result!.files.map((file) => file.path).sort();
}

const files = packedFiles();

test('the tarball holds the compiled command, its migrations, the web page and the documents', () => {
  for (const wanted of [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'bin/timeport.js',
    'bin/require-node.js',
    'dist/cli/main.js',
    'dist/server.js',
    'dist/store/migrations/index.js',
    'dist/store/migrations/0001_initial.js',
    'ui/index.html',
    'ui/app.js',
  ]) {
    assert.ok(files.includes(wanted), `${wanted} is missing from the tarball`);
  }
});

test('the tarball holds nothing but what runs: no sources, tests, benchmarks, data or journals', () => {
  const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|bin\/[^/]+\.js|dist\/.+\.js|ui\/[^/]+\.(html|js|css|ico|svg|png))$/;
  const unexpected = files.filter((file) => !allowed.test(file));
  assert.deepEqual(unexpected, [], `the tarball holds files that do not run: ${unexpected.join(', ')}`);
  const forbidden = files.filter(
    (file) =>
      /^(src|test|bench|data|scripts|docs|\.ci|\.cache|node_modules)\//.test(file) ||
      /\.(ts|ndjson|sqlite(-\w+)?|tsbuildinfo|tgz)$/.test(file) ||
      /(^|\/)\.timeport-import-/.test(file),
  );
  assert.deepEqual(forbidden, [], `the tarball holds sources, tests, benchmarks, data or journals: ${forbidden.join(', ')}`);
});
