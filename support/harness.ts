/**
 * Runs the real `timeport` program as separate processes: the server (`node bin/timeport.js
 * serve`, or `npm start`) and the command line (`node bin/timeport.js ...`, or `npx timeport ...`),
 * each in its own process group, on loopback only. Not a test file itself (no `.test.ts` suffix).
 *
 * Every wait is bounded; a `Sandbox` owns a temporary data directory and every process started in
 * it, and `dispose()` (call it in an `after` hook) kills whatever is still running and removes the
 * directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { claimTestBackend, tempDir, testBackend } from './app.js';
import { type TestDatabase, createTestDatabase } from './postgres.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
/** How long any single wait may take before the harness gives up (and kills what it waits for). */
export const WAIT_MS = 20_000;
export const SQLITE_FILE = 'timeport.sqlite';
/** A generated token as the server and the CLI print it: `tpt_` and 256 bits in base64url. */
export const GENERATED_TOKEN = /^tpt_[A-Za-z0-9_-]{43}$/;
export const LISTENING_LINE = /^Timeport is listening on (http:\/\/\S+)$/m;

/** Variables Timeport reads (and the test runner's own), never inherited from the caller's shell. */
const CONTROLLED_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'TIMEPORT_DATA_DIR',
  'TIMEPORT_ORG_ID',
  'TIMEPORT_ADMIN_TOKEN',
  'TIMEPORT_PUBLIC_URL',
  'TIMEPORT_BODY_LIMIT',
  'TIMEPORT_DB_POOL',
  'TIMEPORT_DB_STATEMENT_TIMEOUT_MS',
  'TIMEPORT_DB_CONNECT_TIMEOUT_MS',
  'TIMEPORT_SHUTDOWN_GRACE_MS',
  'TIMEPORT_RATE_LIMIT',
  'TIMEPORT_PROFILE',
  'TIMEPORT_IMPORT_ANSWER',
  'TIMEPORT_LINK_STYLE',
  'LOG_LEVEL',
  'NODE_TEST_CONTEXT',
  'TRACKER_URL',
  'TRACKER_TOKEN',
  'TRACKER_ORG_ID',
  'TRACKER_CLOUD_ORG_ID',
  'XDG_STATE_HOME',
];

/** Environment overrides; `undefined` removes a variable. */
export type EnvOverrides = Record<string, string | undefined>;

export interface SpawnOptions {
  /** The working directory (default: the repository's root). */
  cwd?: string;
  /** Written to the process's standard input, which is then closed (default: no standard input). */
  stdin?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Rejects with a message naming what was awaited if the promise takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on 127.0.0.1 (for tests that must choose PORT themselves). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True if the text looks like a Node stack trace (`    at fn (file:line:col)`). */
export const hasStackTrace = (text: string): boolean => /^\s+at .+:\d+:\d+\)?$/m.test(text);

/** A child process in its own process group, with its output collected. */
export class Child {
  readonly process: ChildProcess;
  readonly description: string;
  /** Resolves when the process has exited and its output streams are closed. */
  readonly exited: Promise<Exit>;
  private out = '';
  private err = '';
  private done: Exit | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}) {
    this.description = [command, ...args].join(' ');
    // detached: its own process group, so signals reach every process it starts (npm → sh → node).
    this.process = spawn(command, args, {
      cwd: options.cwd ?? ROOT,
      env,
      detached: true,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) this.process.stdin!.end(options.stdin);
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.out += chunk;
      this.notify();
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.err += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.process.once('error', (error) => {
        this.err += `\n[harness] could not start ${this.description}: ${error.message}`;
        this.done = { code: null, signal: null };
        this.notify();
        resolve(this.done);
      });
      this.process.once('close', (code, signal) => {
        this.done = { code, signal };
        this.notify();
        resolve(this.done);
      });
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.done === undefined;
  }

  /** Sends a signal to the whole process group; does nothing once the process has exited. */
  signal(signal: NodeJS.Signals): void {
    if (!this.running || this.process.pid === undefined) return;
    try {
      process.kill(-this.process.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Sends a signal and waits for the exit; if the exit does not come in time, kills the group. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', ms = WAIT_MS): Promise<Exit> {
    this.signal(signal);
    try {
      return await within(this.exited, `${this.description} to exit after ${signal}`, ms);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Kills the process group at once (SIGKILL) and waits for the exit. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return within(this.exited, `${this.description} to exit after SIGKILL`);
  }

  /** Waits until stdout or stderr matches; fails early if the process exits first. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, ms = WAIT_MS): Promise<RegExpExecArray> {
    let listener: (() => void) | undefined;
    const found = new Promise<RegExpExecArray>((resolve, reject) => {
      listener = () => {
        const match = pattern.exec(stream === 'stdout' ? this.out : this.err);
        if (match !== null) resolve(match);
        else if (!this.running) {
          reject(new Error(`${this.description} exited (${JSON.stringify(this.done)}) before printing ${pattern}`));
        }
      };
      this.listeners.add(listener);
      listener();
    });
    try {
      return await within(found, `${pattern} on the ${stream} of ${this.description}`, ms);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.transcript()}`, { cause: error });
    } finally {
      this.listeners.delete(listener!);
    }
  }

  /** Both outputs, for failure messages. */
  transcript(): string {
    return `--- stdout ---\n${this.out}--- stderr ---\n${this.err}`;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: string;
  /** `Authorization: OAuth <token>` when given. */
  token?: string;
  /** `X-Org-ID` when given. */
  org?: string;
  /** `X-Cloud-Org-ID` when given. */
  cloudOrg?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Makes the headers (and JSON body) of a Tracker API request. */
export function requestParts(options: RequestOptions): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `OAuth ${options.token}`;
  if (options.org !== undefined) headers['x-org-id'] = options.org;
  if (options.cloudOrg !== undefined) headers['x-cloud-org-id'] = options.cloudOrg;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return { headers: { ...headers, ...options.headers }, body };
}

/**
 * One HTTP request on a connection of its own (no keep-alive pool), so a test controls exactly
 * which connections exist when it stops a server.
 */
export function httpRequest(url: string, options: RequestOptions = {}): Promise<HttpResponse> {
  const { headers, body } = requestParts(options);
  return within(
    new Promise<HttpResponse>((resolve, reject) => {
      const request = http.request(url, { method: options.method ?? 'GET', headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          }),
        );
      });
      request.on('error', reject);
      request.end(body);
    }),
    `${options.method ?? 'GET'} ${url}`,
    options.timeoutMs,
  );
}

/** A running `timeport serve`, once it has said where it listens. */
export class ServerProcess {
  constructor(
    readonly child: Child,
    /** The address from the `Timeport is listening on <url>` line. */
    readonly url: string,
  ) {}

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get stdout(): string {
    return this.child.stdout;
  }

  get stderr(): string {
    return this.child.stderr;
  }

  /** A request to this server; `path` starts with `/`. */
  request(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return httpRequest(this.url + path, options);
  }

  /** Sends the signal (SIGTERM by default) and returns how the process exited. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    return this.child.stop(signal);
  }
}

export interface ServeOptions {
  env?: EnvOverrides;
  /** `node` runs `node bin/timeport.js serve`; `npm` runs `npm start`, as the README does. */
  launcher?: 'node' | 'npm';
  /** More arguments after `serve` (with the `node` launcher), e.g. `['--workers', '3']`. */
  args?: string[];
  /** Options for `node` itself before the script (with the `node` launcher), e.g. `['--cpu-prof']`. */
  nodeArgs?: string[];
  /** The script and what `node` needs to run it (default `bin/timeport.js`; the benchmarks compare the sources run through tsx). */
  entry?: string[];
  /** How long to wait for the listening line (several processes starting at once take longer). */
  waitMs?: number;
}

export interface CliOptions extends SpawnOptions {
  env?: EnvOverrides;
  /** Run as `npx timeport ...` instead of `node bin/timeport.js ...`. */
  npx?: boolean;
  timeoutMs?: number;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** A temporary data directory and the processes started on it. */
export class Sandbox {
  readonly dataDir: string;
  private readonly removeDir: () => void;
  private readonly children = new Set<Child>();
  /** The PostgreSQL database of `serveOnTestBackend`, made at its first call. */
  private database: TestDatabase | undefined;

  constructor(prefix = 'timeport-process-') {
    const temp = tempDir(prefix);
    this.dataDir = temp.dir;
    this.removeDir = temp.remove;
  }

  /** The SQLite file the server and the CLI use in this sandbox. */
  get databaseFile(): string {
    return path.join(this.dataDir, SQLITE_FILE);
  }

  /** Files in the data directory, sorted (to see `-wal` and `-shm` leftovers). */
  files(): string[] {
    return fs.readdirSync(this.dataDir).sort();
  }

  /**
   * The environment of a child: the caller's, without any variable Timeport reads, then
   * TIMEPORT_DATA_DIR = this sandbox and PORT = 0 (a free port), then the overrides. Everything
   * else is Timeport's default (HOST 127.0.0.1, LOG_LEVEL info, no DATABASE_URL).
   */
  env(overrides: EnvOverrides = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of CONTROLLED_VARIABLES) delete env[name];
    // npm and npx must not look for their own updates on the network.
    // XDG_STATE_HOME: import journals kept by default go to this sandbox, not the user's home.
    Object.assign(env, {
      TIMEPORT_DATA_DIR: this.dataDir,
      PORT: '0',
      NPM_CONFIG_UPDATE_NOTIFIER: 'false',
      XDG_STATE_HOME: path.join(this.dataDir, 'state'),
    });
    for (const [name, value] of Object.entries(overrides)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }

  /** Starts a process in this sandbox (tracked, so `dispose` ends it). */
  spawn(command: string, args: string[], env: EnvOverrides = {}, options: SpawnOptions = {}): Child {
    const child = new Child(command, args, this.env(env), options);
    this.children.add(child);
    void child.exited.then(() => this.children.delete(child));
    return child;
  }

  /** Starts the server and waits for its listening line. */
  async serve(options: ServeOptions = {}): Promise<ServerProcess> {
    const child =
      options.launcher === 'npm'
        ? this.spawn('npm', ['start'], options.env)
        : this.spawn(
            process.execPath,
            [...(options.nodeArgs ?? []), ...(options.entry ?? ['bin/timeport.js']), 'serve', ...(options.args ?? [])],
            options.env,
          );
    try {
      const [, url] = await child.waitFor('stdout', LISTENING_LINE, options.waitMs);
      return new ServerProcess(child, url!);
    } catch (error) {
      await child.kill();
      throw error;
    }
  }

  /**
   * Starts the server on the test backend (support/app.ts `testBackend`): this sandbox's
   * SQLite file, or with TIMEPORT_TEST_BACKEND=postgres a migrated PostgreSQL database of the
   * sandbox's own (support/postgres.ts), the same for every call, dropped by `dispose`.
   * It claims the backend as support/app.ts `openTestStore` does, so scripts/run-tests.mjs runs the
   * files that call it on both databases; their checks read what is stored through the API, not
   * from the SQLite file.
   */
  async serveOnTestBackend(options: ServeOptions = {}): Promise<ServerProcess> {
    claimTestBackend();
    if (testBackend() === 'sqlite') return this.serve(options);
    this.database ??= await createTestDatabase();
    return this.serve({ ...options, env: { DATABASE_URL: this.database.url, ...options.env } });
  }

  /** Runs a command of the `timeport` program to its end and returns its output and exit. */
  async cli(args: string[], options: CliOptions = {}): Promise<CliResult> {
    const child = options.npx
      ? this.spawn('npx', ['--no-install', 'timeport', ...args], options.env)
      : this.spawn(process.execPath, [path.join(ROOT, 'bin/timeport.js'), ...args], options.env, {
          cwd: options.cwd,
          stdin: options.stdin,
        });
    let exit: Exit;
    try {
      exit = await within(child.exited, `timeport ${args.join(' ')} to exit`, options.timeoutMs);
    } catch (error) {
      await child.kill();
      throw new Error(`${(error as Error).message}\n${child.transcript()}`, { cause: error });
    }
    return { ...exit, stdout: child.stdout, stderr: child.stderr };
  }

  /** Kills every process still running (SIGKILL), then removes the data directory and drops the database of `serveOnTestBackend`. */
  async dispose(): Promise<void> {
    const kills = await Promise.allSettled([...this.children].map((child) => child.kill()));
    this.removeDir();
    await this.database?.drop();
    const failed = kills.find((kill) => kill.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  }
}
