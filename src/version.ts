import { readFileSync } from 'node:fs';

/**
 * The package's version, read from its package.json: one level above src/ (a clone) or dist/ (the
 * build, in a clone or an installed package).
 */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;
