// The one single-flight timer loop (reaper, autoscaler): runs its task every period, never two runs at once,
// and a run asked for while one is going happens right after it.
//
// States: idle (a timer waits) → running → idle; stop() waits for a running run, then the loop is stopped for good.

export interface PeriodicLoopOptions {
  everyMs: number;
  run: () => Promise<void>;
  /** A failed run is reported here and the loop goes on. */
  onError: (err: unknown) => void;
}

export class PeriodicLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: PeriodicLoopOptions) {}

  /** Runs after one period (or at once with `immediately`), then one period after each run ends. */
  start({ immediately = false } = {}): void {
    if (immediately) this.soon();
    else this.schedule();
  }

  /** Runs as soon as the current run (if any) is done: after a settings change, say. */
  soon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.options
      .run()
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.soon();
        } else this.schedule();
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.soon(), this.options.everyMs);
    this.timer.unref();
  }
}
