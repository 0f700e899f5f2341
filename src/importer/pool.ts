/**
 * Runs promises with at most `limit` in flight; `add` waits for room. The first task to fail
 * fails the next `add` or the `drain`; tasks already running finish first.
 */
export class Pool {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown;
  private failed = false;

  constructor(private readonly limit: number) {}

  async add(task: () => Promise<void>): Promise<void> {
    await this.rethrow();
    while (this.running.size >= this.limit) await Promise.race(this.running);
    await this.rethrow();
    const promise: Promise<void> = task()
      .catch((error: unknown) => {
        if (!this.failed) {
          this.failed = true;
          this.failure = error;
        }
      })
      .finally(() => this.running.delete(promise));
    this.running.add(promise);
  }

  async drain(): Promise<void> {
    await Promise.all(this.running);
    await this.rethrow();
  }

  /** After a failure, once the tasks still running have finished (their answers recorded), throws it. */
  private async rethrow(): Promise<void> {
    if (!this.failed) return;
    await Promise.allSettled(this.running);
    throw this.failure;
  }
}
