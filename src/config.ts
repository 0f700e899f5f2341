import { chosenTokenError } from './service/secrets.js';
import { DEFAULT_AUTH_FAILURE_LIMIT } from './api/plugins/auth-failures.js';
import { ORG_ID_PATTERN } from './domain/keys.js';

/** Everything Timeport reads from its environment, each documented in the README. */
export interface Config {
  port: number;
  host: string;
  /** `postgres://...`; undefined means the embedded SQLite database in `dataDir`. */
  databaseUrl: string | undefined;
  /** PostgreSQL connections per process (`TIMEPORT_DB_POOL`). */
  dbPoolSize: number;
  /** PostgreSQL cancels a statement after this many ms; 0: never (`TIMEPORT_DB_STATEMENT_TIMEOUT_MS`). */
  dbStatementTimeoutMs: number;
  /** Getting a PostgreSQL connection fails after this many ms (`TIMEPORT_DB_CONNECT_TIMEOUT_MS`). */
  dbConnectTimeoutMs: number;
  dataDir: string;
  /** The organization created on the first start of an empty database. */
  orgId: string;
  /** The bootstrap admin's token, when chosen by the operator. */
  adminToken: string | undefined;
  /** Base of `self` links; undefined means `http://HOST:PORT` with the port actually listened on. */
  publicUrl: string | undefined;
  bodyLimit: number;
  logLevel: string;
  /** `TIMEPORT_RATE_LIMIT`: requests per token and window; undefined means no limit. */
  rateLimit: { max: number; windowMs: number } | undefined;
  /**
   * `TIMEPORT_AUTH_FAILURE_LIMIT`: failed authentications per client address and window; past it,
   * 429 for that address. Undefined means off.
   */
  authFailureLimit: { max: number; windowMs: number } | undefined;
  /** `REDIS_URL`: shares the rate limit's counts between processes. */
  redisUrl: string | undefined;
  /**
   * `TIMEPORT_SHUTDOWN_GRACE_MS`: on SIGTERM, how long requests in flight may take to finish;
   * after it their connections are closed and the process exits 1.
   */
  shutdownGraceMs: number;
  /** `TIMEPORT_PROFILE`: `live` turns on what production Tracker does that the reference pages do not say. */
  profile: Profile;
  /** `TIMEPORT_IMPORT_ANSWER`: `object` (the spec) or `array` (as the live service answers). */
  importAnswer: 'object' | 'array';
  /** `TIMEPORT_LINK_STYLE`: `absolute` `Link` targets, or `schemeless` as the live service writes some. */
  linkStyle: 'absolute' | 'schemeless';
}

export type Profile = 'standard' | 'live';

/**
 * What `TIMEPORT_PROFILE=live` changes unless its own variable says otherwise: the import answers
 * an array, links lose their scheme, and requests are limited per token (README, "Rehearsing
 * against production's behaviour").
 */
export const LIVE_PROFILE = { importAnswer: 'array', linkStyle: 'schemeless', rateLimit: '10/second' } as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The default public URL: the host as configured and the port actually listened on. */
export function defaultPublicUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** One line for the start-up output when the server answers unlike the reference pages; else undefined. */
export function describeFidelity(config: Pick<Config, 'profile' | 'importAnswer' | 'linkStyle' | 'rateLimit'>): string | undefined {
  const parts: string[] = [];
  if (config.importAnswer === 'array') parts.push('worklogs/_import answers an array');
  if (config.linkStyle === 'schemeless') parts.push('Link targets have no scheme');
  if (config.profile === 'live' && config.rateLimit !== undefined)
    parts.push(`at most ${config.rateLimit.max} requests per token every ${config.rateLimit.windowMs / 1000} s`);
  if (parts.length === 0) return undefined;
  return `${config.profile === 'live' ? 'Live profile' : 'As the live service'}: ${parts.join(', ')}.`;
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
  const profile = choiceSetting('TIMEPORT_PROFILE', value('TIMEPORT_PROFILE') ?? 'standard', ['standard', 'live'] as const);
  const live = profile === 'live';
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${logLevel} is not one of ${LOG_LEVELS.join(', ')}`);
  return {
    port,
    host,
    databaseUrl: databaseUrlSetting(value('DATABASE_URL')),
    dbPoolSize: integerSetting('TIMEPORT_DB_POOL', value('TIMEPORT_DB_POOL') ?? '10', 1, 1000),
    dbStatementTimeoutMs: integerSetting(
      'TIMEPORT_DB_STATEMENT_TIMEOUT_MS',
      value('TIMEPORT_DB_STATEMENT_TIMEOUT_MS') ?? '30000',
      0,
      3_600_000,
    ),
    dbConnectTimeoutMs: integerSetting('TIMEPORT_DB_CONNECT_TIMEOUT_MS', value('TIMEPORT_DB_CONNECT_TIMEOUT_MS') ?? '5000', 100, 600_000),
    dataDir: value('TIMEPORT_DATA_DIR') ?? './data',
    orgId,
    adminToken,
    publicUrl,
    bodyLimit: integerSetting('TIMEPORT_BODY_LIMIT', value('TIMEPORT_BODY_LIMIT') ?? String(1024 * 1024), 1024, 1024 ** 3),
    logLevel,
    rateLimit: parseRateLimit(value('TIMEPORT_RATE_LIMIT') ?? (live ? LIVE_PROFILE.rateLimit : undefined)),
    authFailureLimit: parseRateLimit(
      value('TIMEPORT_AUTH_FAILURE_LIMIT') ?? DEFAULT_AUTH_FAILURE_LIMIT_TEXT,
      'TIMEPORT_AUTH_FAILURE_LIMIT',
    ),
    redisUrl: redisUrlSetting(value('REDIS_URL')),
    shutdownGraceMs: integerSetting('TIMEPORT_SHUTDOWN_GRACE_MS', value('TIMEPORT_SHUTDOWN_GRACE_MS') ?? '10000', 0, 3_600_000),
    profile,
    importAnswer: choiceSetting(
      'TIMEPORT_IMPORT_ANSWER',
      value('TIMEPORT_IMPORT_ANSWER') ?? (live ? LIVE_PROFILE.importAnswer : 'object'),
      ['object', 'array'] as const,
    ),
    linkStyle: choiceSetting('TIMEPORT_LINK_STYLE', value('TIMEPORT_LINK_STYLE') ?? (live ? LIVE_PROFILE.linkStyle : 'absolute'), [
      'absolute',
      'schemeless',
    ] as const),
  };
}

const RATE_WINDOWS: Record<string, number> = { second: 1000, s: 1000, minute: 60_000, min: 60_000, hour: 3_600_000, h: 3_600_000 };

/** `TIMEPORT_AUTH_FAILURE_LIMIT` when unset: on, generous (api/plugins/auth-failures.ts). */
export const DEFAULT_AUTH_FAILURE_LIMIT_TEXT = `${DEFAULT_AUTH_FAILURE_LIMIT.max}/minute`;

/** `<count>/<second|minute|hour>` (also `s`, `min`, `h`), e.g. `600/minute`; `off` or unset: no limit. */
export function parseRateLimit(text: string | undefined, name = 'TIMEPORT_RATE_LIMIT'): { max: number; windowMs: number } | undefined {
  if (text === undefined || text === 'off') return undefined;
  const match = /^(\d{1,9})\/([a-z]+)$/.exec(text);
  const windowMs = match === null ? undefined : RATE_WINDOWS[match[2]!];
  if (match === null || windowMs === undefined || Number(match[1]) === 0) {
    throw new ConfigError(`${name}=${text} is not valid: use <count>/<second|minute|hour>, e.g. 600/minute, or off`);
  }
  return { max: Number(match[1]), windowMs };
}

function redisUrlSetting(url: string | undefined): string | undefined {
  if (url !== undefined && !/^rediss?:\/\/\S+$/.test(url)) throw new ConfigError('REDIS_URL is not a redis:// or rediss:// URL');
  return url;
}

/** Only PostgreSQL URLs; the message never repeats the URL, which may hold a password. */
function databaseUrlSetting(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || !['postgres:', 'postgresql:'].includes(parsed.protocol)) {
    throw new ConfigError('DATABASE_URL is not a postgres:// or postgresql:// URL; unset it to use the embedded SQLite database');
  }
  return url;
}

function integerSetting(name: string, text: string, min: number, max: number): number {
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new ConfigError(`${name}=${text} is not a whole number from ${min} to ${max}`);
  }
  return number;
}

function choiceSetting<T extends string>(name: string, text: string, choices: readonly T[]): T {
  const chosen = choices.find((choice) => choice === text);
  if (chosen === undefined) throw new ConfigError(`${name}=${text} is not one of ${choices.join(', ')}`);
  return chosen;
}
