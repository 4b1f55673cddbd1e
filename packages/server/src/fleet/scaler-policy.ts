// The autoscaler's decision for one endpoint at one tick, as a pure function of what it observed: how many
// workers the endpoint should have (its target) and which workers to retire. See docs/scaling.md.
//
// Scale up (lowPriority jobs never count):
//   QUEUE_DELAY    one more worker while the oldest queued job has waited longer than scalerValue seconds,
//                  one step at a time: no step while a worker is still starting. From zero workers, the first
//                  queued job starts one at once (nothing else could ever take it).
//   REQUEST_COUNT  ceil((queued + running) / scalerValue) workers.
// Scale down: a worker with nothing in flight for idleTimeout seconds is retired, never below workersMin (nor,
// for REQUEST_COUNT, below the formula). Everything is clamped to workersMin..workersMax.
import type { EndpointConfig } from '../config/config-schema.js';

export type ScalerSettings = Pick<
  EndpointConfig,
  'workersMin' | 'workersMax' | 'idleTimeout' | 'scalerType' | 'scalerValue'
>;

/** A worker that counts toward the endpoint's target (not draining, not stopping). */
export interface ScalerWorker {
  workerId: string;
  /** Launched, but has made no request yet. */
  starting: boolean;
  inFlight: number;
  /** Since when it has had nothing in flight; undefined while starting or busy. */
  idleSince?: number;
}

export interface ScalerInput {
  now: number;
  settings: ScalerSettings;
  /** The target decided at the previous tick. */
  target: number;
  /** IN_QUEUE jobs without lowPriority. */
  queuedNormal: number;
  /** IN_PROGRESS jobs (any priority). */
  inProgress: number;
  oldestNormalQueuedAt?: number;
  workers: ScalerWorker[];
}

export interface ScalerDecision {
  target: number;
  /** Workers to stop gracefully now, best candidates first. */
  retire: string[];
  /** Why the target or the workers changed; empty when nothing did. */
  reason: string;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

export function decideScale(input: ScalerInput): ScalerDecision {
  const { now, settings, queuedNormal, inProgress, workers } = input;
  const { workersMin: min, workersMax: max, scalerValue } = settings;
  const reasons: string[] = [];
  const active = workers.length;
  let target = input.target;
  let floor = min;

  if (settings.scalerType === 'REQUEST_COUNT') {
    const want = Math.ceil((queuedNormal + inProgress) / scalerValue);
    floor = clamp(want, min, max);
    if (want > target) {
      target = want;
      reasons.push(`ceil((${queuedNormal} queued + ${inProgress} running) / ${scalerValue}) = ${want}`);
    }
  } else if (queuedNormal > 0 && target === 0) {
    target = 1;
    reasons.push(`cold start: ${queuedNormal} job(s) queued and no worker`);
  } else if (input.oldestNormalQueuedAt !== undefined) {
    const waited = (now - input.oldestNormalQueuedAt) / 1000;
    const starting = workers.some((w) => w.starting);
    if (waited > scalerValue && !starting && active >= target && target < max) {
      target += 1;
      reasons.push(`oldest job waited ${waited.toFixed(1)} s > scalerValue ${scalerValue} s`);
    }
  }

  if (target > max) reasons.push(`capped at workersMax ${max}`);
  if (target < min) reasons.push(`raised to workersMin ${min}`);
  target = clamp(target, min, max);

  // Without queued work, wanted-but-unstarted workers (no GPU free, restart backoff) are not wanted anymore.
  if (queuedNormal === 0 && target > active && target > floor) {
    target = Math.max(active, floor);
    reasons.push('queue empty: workers not yet started are no longer wanted');
  }

  const idleExpired = workers
    .filter((w) => w.idleSince !== undefined && now - w.idleSince >= settings.idleTimeout * 1000)
    .sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0));
  if (queuedNormal === 0 && idleExpired.length > 0) {
    const keep = Math.max(floor, active - idleExpired.length);
    if (target > keep) {
      reasons.push(`${target - keep} worker(s) idle for ${settings.idleTimeout} s (idleTimeout)`);
      target = keep;
    }
  }

  const retire = pickRetirees(workers, idleExpired, active - target);
  const changed = target !== input.target || retire.length > 0;
  return { target, retire, reason: changed ? reasons.join('; ') || `target ${target}` : '' };
}

/** `count` workers to stop: idle past the timeout first, then other idle ones, starting ones, then the least busy. */
function pickRetirees(workers: ScalerWorker[], idleExpired: ScalerWorker[], count: number): string[] {
  if (count <= 0) return [];
  const rank = (w: ScalerWorker): number => {
    const expired = idleExpired.indexOf(w);
    if (expired >= 0) return expired;
    if (w.idleSince !== undefined) return workers.length;
    if (w.starting) return 2 * workers.length;
    return 3 * workers.length + w.inFlight;
  };
  return [...workers]
    .sort((a, b) => rank(a) - rank(b))
    .slice(0, count)
    .map((w) => w.workerId);
}
