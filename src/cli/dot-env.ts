import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../config.js';

/**
 * Reads `.env` in the working directory, when there is one, into the environment: the variables
 * the environment already has keep their values (the environment wins). `timeport serve` and every
 * other command read their settings (DATABASE_URL, TRACKER_TOKEN, ...) after this. Answers the
 * names it set.
 */
export function loadDotEnv(directory: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const file = path.join(directory, '.env');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}
