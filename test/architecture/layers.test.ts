/**
 * The layering lint rule (eslint.config.js, docs/architecture.md) catches what it is meant to: each
 * case is a one-line file placed in a layer, linted with the project's own configuration, and
 * either refused by `no-restricted-imports` or let through.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function layeringErrors(file: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = imported;\n`, { filePath: path.join(root, file) });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

const refused: [string, string][] = [
  ['src/domain/probe.ts', "import { imported } from '../store/schema.js';"],
  ['src/domain/probe.ts', "import imported from 'node:fs';"],
  ['src/domain/probe.ts', "import { Kysely as imported } from 'kysely';"],
  ['src/store/probe.ts', "import { imported } from '../service/context.js';"],
  ['src/service/probe.ts', "import { imported } from '../api/app.js';"],
  ['src/service/probe.ts', "import imported from 'fastify';"],
  ['src/service/probe.ts', "import { imported } from '../importer/sync.js';"],
  ['src/service/probe.ts', "import { sql as imported } from 'kysely';"],
  ['src/api/routes/probe.ts', "import { imported } from '../../store/database.js';"],
  ['src/api/probe.ts', "import { sql as imported } from 'kysely';"],
  ['src/api/probe.ts', "import type { imported } from '../store/schema.js';"],
  ['src/client/probe.ts', "import { imported } from '../service/context.js';"],
  ['src/importer/live/probe.ts', "import { imported } from '../../store/database.js';"],
  ['src/importer/probe.ts', "import { imported } from '../service/worklogs.js';"],
  ['src/cli/probe.ts', "import imported from 'better-sqlite3';"],
  ['src/cli/probe.ts', "import { sql as imported } from 'kysely';"],
  ['bench/probe.ts', "import { imported } from '../test/importer/helpers.js';"],
];

const allowed: [string, string][] = [
  ['src/domain/probe.ts', "import { imported } from './duration.js';"],
  ['src/service/probe.ts', "import { imported } from '../domain/errors.js';"],
  ['src/api/probe.ts', "import { imported } from '../service/worklogs.js';"],
  ['src/api/probe.ts', "import { imported } from '../store/errors.js';"],
  ['src/importer/probe.ts', "import { imported } from '../client/tracker-client.js';"],
  ['src/cli/probe.ts', "import { imported } from '../store/database.js';"],
  ['bench/probe.ts', "import { imported } from '../support/harness.js';"],
];

describe('the layering lint rule', () => {
  for (const [file, line] of refused) {
    it(`refuses in ${file}: ${line}`, async () => {
      const errors = await layeringErrors(file, line);
      assert.equal(errors.length, 1, `expected one layering error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0]!, /docs\/architecture\.md|support\//);
    });
  }
  for (const [file, line] of allowed) {
    it(`allows in ${file}: ${line}`, async () => {
      assert.deepEqual(await layeringErrors(file, line), []);
    });
  }
});
