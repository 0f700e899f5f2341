import type { Redis } from 'ioredis';

/**
 * Failed authentications per client address (issue 14): a request with no token or one that names
 * no active token counts against its address; past `max` in a window of `windowMs`, every request
 * from that address is refused with 429 until the window ends, valid tokens included (else the
 * answer to a guess would still tell a valid token from an invalid one). Guessing a generated token
 * (256 random bits) is hopeless anyway; this bounds guesses at tokens an operator chose.
 */
export interface AuthFailureLimitSettings {
  max: number;
  windowMs: number;
}

/** `TIMEPORT_AUTH_FAILURE_LIMIT`'s default: generous for people and scripts, a wall for guessing. */
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimitSettings = { max: 60, windowMs: 60_000 };

export interface AuthFailureState {
  /** Whether the address has used up its failures for this window. */
  blocked: boolean;
  /** Milliseconds until the window ends. */
  retryInMs: number;
}

export interface AuthFailureCounter {
  readonly settings: AuthFailureLimitSettings;
  /** Where an address stands, without counting anything. */
  state(address: string): Promise<AuthFailureState>;
  /** Counts one failed authentication from an address. */
  fail(address: string): Promise<void>;
  close(): void;
}

/**
 * The most addresses counted at once in memory. Past it the oldest windows are forgotten first, so
 * a flood from many addresses costs bounded memory (those addresses are then counted afresh).
 */
const MAX_ADDRESSES = 100_000;

/** Counts in this process. With several processes (`--workers`), each counts on its own. */
export class MemoryAuthFailureCounter implements AuthFailureCounter {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    readonly settings: AuthFailureLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async state(address: string): Promise<AuthFailureState> {
    const window = this.current(address);
    return window === undefined
      ? { blocked: false, retryInMs: 0 }
      : { blocked: window.count >= this.settings.max, retryInMs: window.endsAt - this.now() };
  }

  async fail(address: string): Promise<void> {
    const window = this.current(address);
    if (window !== undefined) {
      window.count += 1;
      return;
    }
    if (this.windows.size >= MAX_ADDRESSES) this.forgetOldest();
    this.windows.set(address, { count: 1, endsAt: this.now() + this.settings.windowMs });
  }

  close(): void {
    this.windows.clear();
  }

  private current(address: string) {
    const window = this.windows.get(address);
    if (window !== undefined && window.endsAt <= this.now()) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }

  /** Windows are inserted in the order they start: the first ones end first. */
  private forgetOldest(): void {
    const now = this.now();
    let dropped = 0;
    for (const [address, window] of this.windows) {
      if (window.endsAt > now && dropped >= MAX_ADDRESSES / 10) break;
      this.windows.delete(address);
      dropped += 1;
    }
  }
}

/**
 * Counts in Redis (`REDIS_URL`), shared by every process using it. If Redis cannot be reached the
 * counts are not kept (fail open, like the rate limit): an outage of the limiter must not lock
 * every client out.
 */
export class RedisAuthFailureCounter implements AuthFailureCounter {
  constructor(
    readonly settings: AuthFailureLimitSettings,
    private readonly redis: Redis,
    private readonly onError: (error: unknown) => void,
  ) {}

  private key(address: string): string {
    return `timeport-auth-failures:${address}`;
  }

  async state(address: string): Promise<AuthFailureState> {
    try {
      const [count, ttl] = await Promise.all([this.redis.get(this.key(address)), this.redis.pttl(this.key(address))]);
      return { blocked: Number(count ?? 0) >= this.settings.max, retryInMs: Math.max(ttl, 0) };
    } catch (error) {
      this.onError(error);
      return { blocked: false, retryInMs: 0 };
    }
  }

  async fail(address: string): Promise<void> {
    try {
      const key = this.key(address);
      const count = await this.redis.incr(key);
      // The first failure starts the window; a key left without one (a crash between the two
      // commands) is given one by the next failure.
      if (count === 1 || (await this.redis.pttl(key)) < 0) await this.redis.pexpire(key, this.settings.windowMs);
    } catch (error) {
      this.onError(error);
    }
  }

  close(): void {
    // The connection belongs to whoever made it.
  }
}

export function describeWindow(ms: number): string {
  if (ms === 1000) return 'second';
  if (ms === 60_000) return 'minute';
  if (ms === 3_600_000) return 'hour';
  return `${ms / 1000} seconds`;
}
