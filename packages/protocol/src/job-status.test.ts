// The job state machine (spec §2.3) on its own: every (state, event) pair, terminal states, truthiness.
import { describe, expect, it } from 'vitest';
import {
  JobEvent,
  JobStatus,
  TERMINAL_STATUSES,
  isJobStatus,
  isTerminal,
  isTruthy,
  nextStatus,
  statusesAllowing,
} from './job-status.js';

const { IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT } = JobStatus;

/** Spec §2.3 written out as (from, event) → to; every pair not listed is refused. */
const ALLOWED: [JobStatus, JobEvent, JobStatus][] = [
  [IN_QUEUE, JobEvent.CLAIM, IN_PROGRESS],
  [IN_PROGRESS, JobEvent.COMPLETE, COMPLETED],
  [IN_PROGRESS, JobEvent.FAIL, FAILED],
  [IN_QUEUE, JobEvent.CANCEL, CANCELLED],
  [IN_PROGRESS, JobEvent.CANCEL, CANCELLED],
  [IN_QUEUE, JobEvent.TIME_OUT, TIMED_OUT],
  [IN_PROGRESS, JobEvent.TIME_OUT, TIMED_OUT],
  [IN_PROGRESS, JobEvent.REQUEUE, IN_QUEUE],
  [FAILED, JobEvent.RETRY, IN_QUEUE],
  [TIMED_OUT, JobEvent.RETRY, IN_QUEUE],
];

const STATUSES = Object.values(JobStatus);
const EVENTS = Object.values(JobEvent);

describe('nextStatus', () => {
  const pairs = STATUSES.flatMap((from) => EVENTS.map((event) => [from, event] as const));
  it.each(pairs)('%s on %s', (from, event) => {
    const row = ALLOWED.find(([f, e]) => f === from && e === event);
    expect(nextStatus(from, event)).toBe(row?.[2]);
  });

  it('lets nothing leave COMPLETED or CANCELLED, and only a retry leave FAILED or TIMED_OUT', () => {
    for (const event of EVENTS) {
      expect(nextStatus(COMPLETED, event)).toBeUndefined();
      expect(nextStatus(CANCELLED, event)).toBeUndefined();
      if (event === JobEvent.RETRY) continue;
      expect(nextStatus(FAILED, event)).toBeUndefined();
      expect(nextStatus(TIMED_OUT, event)).toBeUndefined();
    }
  });
});

describe('statusesAllowing', () => {
  it.each(EVENTS)('%s: exactly the states nextStatus accepts', (event) => {
    const expected = STATUSES.filter((from) => nextStatus(from, event) !== undefined);
    expect([...statusesAllowing(event)].sort()).toEqual(expected.sort());
  });
});

describe('terminal states and status names', () => {
  it('has four terminal states, and neither waiting state is one', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual([CANCELLED, COMPLETED, FAILED, TIMED_OUT]);
    expect(STATUSES.filter(isTerminal).sort()).toEqual([CANCELLED, COMPLETED, FAILED, TIMED_OUT]);
    expect(isTerminal(IN_QUEUE) || isTerminal(IN_PROGRESS)).toBe(false);
  });

  it('recognises the six names exactly, not lower case or inherited keys', () => {
    for (const status of STATUSES) expect(isJobStatus(status)).toBe(true);
    for (const value of ['in_queue', 'RUNNING', 'toString', '', null, 1, undefined, {}]) {
      expect(isJobStatus(value)).toBe(false);
    }
  });
});

describe('isTruthy (Python truthiness, spec §2.7)', () => {
  it.each([null, undefined, false, 0, '', [], {}])('%j is falsy', (value) => {
    expect(isTruthy(value)).toBe(false);
  });
  it.each([true, 1, -1, 'x', ' ', [0], { a: null }, 0.5])('%j is truthy', (value) => {
    expect(isTruthy(value)).toBe(true);
  });
});
