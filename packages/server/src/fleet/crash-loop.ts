// Restart policy of one endpoint's workers: unplanned exits soon after start back off (capped, never a hot
// loop), and enough of them in a row mark the endpoint as crash-looping until a worker runs long enough.
//
// States: healthy → (quick exit) backing-off → … → (CRASH_LOOP_EXITS quick exits) crash-loop
//         any → (a worker lived HEALTHY_RUN_MS) healthy

/** Delay before the next start after the n-th consecutive quick exit (the last one repeats). */
export const RESTART_BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15_000, 30_000] as const;
/** An exit this soon after start is a quick exit; a worker that lived this long resets the count. */
export const HEALTHY_RUN_MS = 30_000;
/** Consecutive quick exits that make a crash loop. */
export const CRASH_LOOP_EXITS = 5;

export interface ExitVerdict {
  /** Wait this long before starting the next worker of the endpoint. */
  restartDelayMs: number;
  /** Consecutive quick exits so far, this one included (0 after a long run). */
  quickExits: number;
  crashLoop: boolean;
}

export class CrashLoopGuard {
  private quickExits = 0;

  /** Records an unplanned exit of a worker that lived `livedMs`. */
  exited(livedMs: number): ExitVerdict {
    this.quickExits = livedMs < HEALTHY_RUN_MS ? this.quickExits + 1 : 0;
    const step = Math.max(0, Math.min(this.quickExits - 1, RESTART_BACKOFF_MS.length - 1));
    return {
      restartDelayMs: RESTART_BACKOFF_MS[step] ?? HEALTHY_RUN_MS,
      quickExits: this.quickExits,
      crashLoop: this.crashLoop,
    };
  }

  /** A worker has now run HEALTHY_RUN_MS: the endpoint is healthy again. Returns whether that changed anything. */
  recovered(): boolean {
    const changed = this.quickExits > 0;
    this.quickExits = 0;
    return changed;
  }

  get crashLoop(): boolean {
    return this.quickExits >= CRASH_LOOP_EXITS;
  }

  get consecutiveQuickExits(): number {
    return this.quickExits;
  }
}
