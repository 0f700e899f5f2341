/**
 * `npm run bench -- <name>` runs bench/<name>.ts (e.g. `npm run bench -- import-cli`); with no
 * name, every bench script here in turn. Each prints its own figures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const names = process.argv.slice(2);
const scripts = names.length > 0 ? names.map((name) => `${name.replace(/\.ts$/, '')}.ts`) : fs.readdirSync(here).filter((file) => file.endsWith('.ts') && file !== 'run.ts');
for (const script of scripts) {
  console.log(`== bench/${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, script)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
