// The one single-flight timer loop (reaper, autoscaler, webhook sender): runs its task every period, never two
// runs at once, and a run asked for while one is going happens right after it.
//
// States: idle (a timer waits) → running → idle; stop() waits for a running run, then the loop is stopped for good.
// One deadline arms the one timer: the earliest of one period after the last run ended and any runWithin()
// asked for. Asking never moves it later, and a run only clears a deadline it has reached (a webhook retry due
// in 300 ms is not due now), so soon() never pushes back a run already scheduled.
import { systemClock, type Clock } from '../clock.js';

export interface PeriodicLoopOptions {
  everyMs: number;
  run: () => Promise<void>;
  /** A failed run is reported here and the loop goes on. */
  onError: (err: unknown) => void;
  now?: Clock;
}

export class PeriodicLoop {
  private timer: NodeJS.Timeout | undefined;
  private nextAt = Infinity;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly now: Clock;

  constructor(private readonly options: PeriodicLoopOptions) {
    this.now = options.now ?? systemClock;
  }

  /** Runs after one period (or at once with `immediately`), then one period after each run ends. */
  start({ immediately = false } = {}): void {
    if (immediately) this.soon();
    else this.runWithin(this.options.everyMs);
  }

  /** Runs as soon as the current run (if any) is done: after a settings change, say. */
  soon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.nextAt <= this.now()) {
      this.nextAt = Infinity;
      this.disarm();
    }
    this.running = this.options
      .run()
      .catch((err: unknown) => this.options.onError(err))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.soon();
        } else this.runWithin(this.options.everyMs);
      });
  }

  /** Makes the next run start no later than `ms` from now (sooner than the period, never later than asked before). */
  runWithin(ms: number): void {
    if (this.stopped) return;
    const at = this.now() + Math.max(0, ms);
    if (at >= this.nextAt) return;
    this.nextAt = at;
    this.disarm();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextAt = Infinity;
      this.soon();
    }, at - this.now());
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.disarm();
    await this.running;
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
