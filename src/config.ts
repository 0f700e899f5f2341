import { chosenTokenError } from './service/secrets.js';
import { ORG_ID_PATTERN } from './service/organizations.js';

/** Everything Timeport reads from its environment, each documented in the README. */
export interface Config {
  port: number;
  host: string;
  /** `postgres://...`; undefined means the embedded SQLite database in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The organization created on the first start of an empty database. */
  orgId: string;
  /** The bootstrap admin's token, when chosen by the operator. */
  adminToken: string | undefined;
  /** Base of `self` links; undefined means `http://HOST:PORT` with the port actually listened on. */
  publicUrl: string | undefined;
  bodyLimit: number;
  logLevel: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The default public URL: the host as configured and the port actually listened on. */
export function defaultPublicUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const port = integerSetting('PORT', value('PORT') ?? '8080', 0, 65_535);
  const host = value('HOST') ?? '127.0.0.1';
  const orgId = value('TIMEPORT_ORG_ID') ?? '1';
  if (!ORG_ID_PATTERN.test(orgId)) {
    throw new ConfigError(`TIMEPORT_ORG_ID=${orgId} is not valid: use 1 to 64 Latin letters, digits, dots, hyphens or underscores`);
  }
  const adminToken = value('TIMEPORT_ADMIN_TOKEN');
  const tokenError = adminToken === undefined ? undefined : chosenTokenError(adminToken);
  if (tokenError !== undefined) throw new ConfigError(`TIMEPORT_ADMIN_TOKEN is not usable: ${tokenError}`);
  const publicUrl = value('TIMEPORT_PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(publicUrl)) {
    throw new ConfigError(`TIMEPORT_PUBLIC_URL=${publicUrl} is not an http(s) URL`);
  }
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${logLevel} is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    port,
    host,
    databaseUrl: value('DATABASE_URL'),
    dataDir: value('TIMEPORT_DATA_DIR') ?? './data',
    orgId,
    adminToken,
    publicUrl,
    bodyLimit: integerSetting('TIMEPORT_BODY_LIMIT', value('TIMEPORT_BODY_LIMIT') ?? String(1024 * 1024), 1024, 1024 ** 3),
    logLevel,
  };
}

function integerSetting(name: string, text: string, min: number, max: number): number {
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new ConfigError(`${name}=${text} is not a whole number from ${min} to ${max}`);
  }
  return number;
}
