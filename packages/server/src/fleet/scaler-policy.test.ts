// decideScale: the autoscaler's per-tick decision, as a pure function of what it observed.
import { describe, expect, it } from 'vitest';
import { decideScale, type ScalerInput, type ScalerSettings, type ScalerWorker } from './scaler-policy.js';

const NOW = 1_700_000_000_000;
const QUEUE_DELAY: ScalerSettings = {
  workersMin: 0,
  workersMax: 4,
  idleTimeout: 5,
  scalerType: 'QUEUE_DELAY',
  scalerValue: 2,
};
const REQUEST_COUNT: ScalerSettings = { ...QUEUE_DELAY, scalerType: 'REQUEST_COUNT', scalerValue: 3 };

function input(overrides: Partial<ScalerInput>): ScalerInput {
  return { now: NOW, settings: QUEUE_DELAY, target: 0, queuedNormal: 0, inProgress: 0, workers: [], ...overrides };
}

const ready = (id: string, idleForMs?: number, inFlight = 0): ScalerWorker => ({
  workerId: id,
  starting: false,
  inFlight,
  ...(idleForMs === undefined ? {} : { idleSince: NOW - idleForMs }),
});
const starting = (id: string): ScalerWorker => ({ workerId: id, starting: true, inFlight: 0 });
const busy = (id: string, inFlight = 1): ScalerWorker => ready(id, undefined, inFlight);

describe('decideScale: QUEUE_DELAY', () => {
  it('starts one worker at once for the first queued job when there is none', () => {
    const d = decideScale(input({ queuedNormal: 3, oldestNormalQueuedAt: NOW - 10 }));
    expect(d).toMatchObject({ target: 1, retire: [] });
    expect(d.reason).toMatch(/cold start/);
  });

  it('adds one worker per tick while the oldest job has waited longer than scalerValue seconds', () => {
    const d = decideScale(
      input({ target: 1, workers: [busy('a')], queuedNormal: 5, oldestNormalQueuedAt: NOW - 2500 }),
    );
    expect(d.target).toBe(2);
    expect(d.reason).toMatch(/oldest job waited 2\.5 s > scalerValue 2 s/);
  });

  it('does not add while the oldest job has waited no longer than scalerValue', () => {
    const d = decideScale(
      input({ target: 1, workers: [busy('a')], queuedNormal: 5, oldestNormalQueuedAt: NOW - 2000 }),
    );
    expect(d).toEqual({ target: 1, retire: [], reason: '' });
  });

  it('takes no further step while a worker it added is still starting', () => {
    const d = decideScale(
      input({ target: 2, workers: [busy('a'), starting('b')], queuedNormal: 5, oldestNormalQueuedAt: NOW - 9000 }),
    );
    expect(d.target).toBe(2);
  });

  it('takes no step while the target is not filled yet (no GPU, backoff)', () => {
    const d = decideScale(
      input({ target: 3, workers: [busy('a')], queuedNormal: 5, oldestNormalQueuedAt: NOW - 9000 }),
    );
    expect(d.target).toBe(3);
  });

  it('never goes past workersMax', () => {
    const workers = [busy('a'), busy('b'), busy('c'), busy('d')];
    const d = decideScale(input({ target: 4, workers, queuedNormal: 50, oldestNormalQueuedAt: NOW - 60_000 }));
    expect(d).toEqual({ target: 4, retire: [], reason: '' });
  });

  it('is not moved by lowPriority jobs: with none of the others queued, nothing starts', () => {
    // queueStats reports lowPriority jobs as queued but not normal, and gives them no oldest time.
    const d = decideScale(input({ queuedNormal: 0, inProgress: 0 }));
    expect(d).toEqual({ target: 0, retire: [], reason: '' });
  });

  it('keeps workersMin running, with no job at all', () => {
    const d = decideScale(input({ settings: { ...QUEUE_DELAY, workersMin: 2 } }));
    expect(d.target).toBe(2);
    expect(d.reason).toMatch(/workersMin 2/);
  });
});

describe('decideScale: REQUEST_COUNT', () => {
  it('wants ceil((queued + running) / scalerValue) workers', () => {
    expect(decideScale(input({ settings: REQUEST_COUNT, queuedNormal: 7 })).target).toBe(3);
    expect(decideScale(input({ settings: REQUEST_COUNT, queuedNormal: 4, inProgress: 2 })).target).toBe(2);
    expect(decideScale(input({ settings: REQUEST_COUNT, queuedNormal: 1 })).target).toBe(1);
    const d = decideScale(input({ settings: REQUEST_COUNT, queuedNormal: 6, inProgress: 3 }));
    expect(d.reason).toBe('ceil((6 queued + 3 running) / 3) = 3');
  });

  it('caps the formula at workersMax', () => {
    expect(decideScale(input({ settings: REQUEST_COUNT, queuedNormal: 100 })).target).toBe(4);
  });

  it('keeps idle workers while the formula still wants them', () => {
    const workers = [busy('a'), busy('b'), ready('c', 60_000)];
    // 7 running → 3 wanted: the idle one stays (it will take the next job).
    const d = decideScale(input({ settings: REQUEST_COUNT, target: 3, inProgress: 7, workers }));
    expect(d).toEqual({ target: 3, retire: [], reason: '' });
  });

  it('retires idle workers above the formula once idleTimeout has passed', () => {
    const workers = [busy('a'), ready('b', 6000), ready('c', 60_000)];
    const d = decideScale(input({ settings: REQUEST_COUNT, target: 3, inProgress: 1, workers }));
    expect(d.target).toBe(1);
    expect(d.retire).toEqual(['c', 'b']);
  });
});

describe('decideScale: scaling down', () => {
  it('retires a worker idle for idleTimeout seconds, longest idle first', () => {
    const workers = [ready('a', 5000), ready('b', 1000), ready('c', 9000)];
    const d = decideScale(input({ target: 3, workers }));
    expect(d).toMatchObject({ target: 1, retire: ['c', 'a'] });
    expect(d.reason).toMatch(/idle for 5 s \(idleTimeout\)/);
  });

  it('scales to zero when workersMin is 0', () => {
    const d = decideScale(input({ target: 2, workers: [ready('a', 5000), ready('b', 5000)] }));
    expect(d).toMatchObject({ target: 0 });
    expect(d.retire.sort()).toEqual(['a', 'b']);
  });

  it('never goes below workersMin', () => {
    const settings = { ...QUEUE_DELAY, workersMin: 1 };
    const d = decideScale(input({ settings, target: 2, workers: [ready('a', 7000), ready('b', 6000)] }));
    expect(d).toMatchObject({ target: 1, retire: ['a'] });
  });

  it('does not retire busy, starting or not-yet-expired workers for idleness', () => {
    const workers = [busy('a'), starting('b'), ready('c', 4999)];
    expect(decideScale(input({ target: 3, workers }))).toEqual({ target: 3, retire: [], reason: '' });
  });

  it('does not retire idle workers while normal jobs are queued', () => {
    const d = decideScale(input({ target: 2, workers: [ready('a', 9000), busy('b')], queuedNormal: 1 }));
    expect(d.retire).toEqual([]);
  });

  it('drops unfilled slots once the queue is empty', () => {
    const d = decideScale(input({ target: 3, workers: [busy('a')] }));
    expect(d.target).toBe(1);
    expect(d.retire).toEqual([]);
  });

  it('retires the excess when workersMax is lowered, idle workers before busy ones', () => {
    const settings = { ...QUEUE_DELAY, workersMax: 2 };
    const workers = [busy('a', 2), ready('b', 100), busy('c', 1), starting('d')];
    const d = decideScale(input({ settings, target: 4, workers, queuedNormal: 3, oldestNormalQueuedAt: NOW - 100 }));
    expect(d).toMatchObject({ target: 2, retire: ['b', 'd'] });
    expect(d.reason).toMatch(/workersMax 2/);
  });
});
