import cliProgress from 'cli-progress';

/**
 * Progress on stderr: a bar with count, rate and ETA on a terminal (cli-progress), and plain
 * periodic lines otherwise (a log file or CI), so a long import always shows it is alive.
 */
export class Progress {
  private done = 0;
  private readonly started = Date.now();
  private bar: cliProgress.SingleBar | undefined;
  private timer: NodeJS.Timeout | undefined;
  counts = { created: 0, alreadyPresent: 0, failed: 0, skipped: 0 };

  constructor(
    private readonly total: number,
    private readonly options: { tty: boolean; intervalMs: number; write: (line: string) => void; label: string },
  ) {}

  start(): void {
    if (this.options.tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${this.options.label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | created {created} present {present} failed {failed}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, 0, this.payload());
    } else {
      this.timer = setInterval(() => this.options.write(this.line()), this.options.intervalMs);
      this.timer.unref();
    }
  }

  private payload() {
    return { rate: Math.round(this.rate()), created: this.counts.created, present: this.counts.alreadyPresent, failed: this.counts.failed };
  }

  rate(): number {
    const seconds = (Date.now() - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  line(): string {
    const rate = this.rate();
    const left = this.total - this.done;
    const eta = rate > 0 ? `${Math.ceil(left / rate)} s` : 'unknown';
    return `${this.options.label}: ${this.done}/${this.total} entries, ${Math.round(rate)}/s, ETA ${eta} (created ${this.counts.created}, already present ${this.counts.alreadyPresent}, failed ${this.counts.failed}, skipped ${this.counts.skipped})`;
  }

  advance(by: number, kind: keyof Progress['counts']): void {
    this.done += by;
    this.counts[kind] += by;
    this.bar?.update(this.done, this.payload());
  }

  stop(): void {
    this.bar?.stop();
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }
}
