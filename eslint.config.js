import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/ and who may import whom (docs/architecture.md): each folder is refused the
 * imports that would let its layer reach past its neighbours. test/architecture/layers.test.ts
 * checks that these rules catch what they are meant to.
 */
const projectFolders = (...names) => names.map((name) => `**/${name}/**`);
const DRIVERS = ['kysely', 'pg', 'better-sqlite3'];
const HTTP = ['fastify', 'fastify-plugin', '@fastify/*'];
const IO = [
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:worker_threads',
  'fs',
  'net',
  'http',
];
const layer = (folder, message, groups) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }] },
});
const LAYERS = [
  {
    files: ['bench/**/*.ts', 'support/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/test/**'], message: 'bench/ and support/ import nothing from test/: what both need lives in support/.' },
          ],
        },
      ],
    },
  },
  layer('domain', 'src/domain holds pure rules: no I/O, no storage, no HTTP, no other layer (docs/architecture.md).', [
    ...projectFolders('store', 'service', 'api', 'cli', 'client', 'importer'),
    ...DRIVERS,
    ...HTTP,
    ...IO,
  ]),
  layer('store', 'src/store knows the database and the domain only (docs/architecture.md).', [
    ...projectFolders('service', 'api', 'cli', 'client', 'importer'),
    ...HTTP,
  ]),
  layer('service', 'src/service builds no statement and knows no HTTP: SQL belongs to src/store (docs/architecture.md).', [
    ...projectFolders('api', 'cli', 'client', 'importer'),
    ...HTTP,
    ...DRIVERS,
  ]),
  layer('api', 'src/api reaches the data through services only, never the database (docs/architecture.md).', [
    ...projectFolders('cli', 'client', 'importer'),
    '**/store/**',
    '!**/store/errors.js',
    ...DRIVERS,
  ]),
  layer('client', 'src/client is a Tracker client: it knows the domain and nothing of the server (docs/architecture.md).', [
    ...projectFolders('store', 'service', 'api', 'cli', 'importer'),
    ...DRIVERS,
    ...HTTP,
  ]),
  layer('importer', "src/importer works through the Tracker client, never the server's internals (docs/architecture.md).", [
    ...projectFolders('store', 'service', 'api', 'cli'),
    ...DRIVERS,
    ...HTTP,
  ]),
  layer(
    'cli',
    'src/cli opens the store and runs services and the importer; statements and drivers belong to src/store (docs/architecture.md).',
    [...DRIVERS],
  ),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', '.cache/**', 'coverage/**', 'ui/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The web page's own scripts run in the browser; vendored libraries are served from node_modules, not kept here.
    files: ['ui/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        URLSearchParams: 'readonly',
        Intl: 'readonly',
        setTimeout: 'readonly',
        console: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  ...LAYERS,
);
