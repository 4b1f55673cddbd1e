import { describe, expect, it } from 'vitest';
import { readWorkerEnv } from './env.js';

describe('readWorkerEnv', () => {
  it('reads the launcher variables and ignores empty ones', () => {
    const env = readWorkerEnv({
      RUNPOD_WEBHOOK_GET_JOB: 'http://h/v2/ep/job-take/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_POST_OUTPUT: 'http://h/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu',
      SLUICE_WEBHOOK_POST_OUTPUT_BATCH: 'http://h/v2/ep/job-done-batch/$RUNPOD_POD_ID?gpu=cpu',
      RUNPOD_AI_API_KEY: '',
      RUNPOD_POD_ID: 'w1',
    });
    expect(env).toEqual({
      jobTakeTemplate: 'http://h/v2/ep/job-take/$ID?gpu=cpu',
      jobDoneTemplate: 'http://h/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu',
      jobDoneBatchTemplate: 'http://h/v2/ep/job-done-batch/$RUNPOD_POD_ID?gpu=cpu',
      podId: 'w1',
      jobDoneNext: false,
      hostname: 'unknown',
      pingIntervalMs: 10_000,
    });
  });

  it('reads SLUICE_JOB_DONE_NEXT as on only when it is exactly true', () => {
    expect(readWorkerEnv({ SLUICE_JOB_DONE_NEXT: 'true' }).jobDoneNext).toBe(true);
    expect(readWorkerEnv({ SLUICE_JOB_DONE_NEXT: '1' }).jobDoneNext).toBe(false);
    expect(readWorkerEnv({}).jobDoneNext).toBe(false);
  });

  it('rounds the ping interval down to whole seconds, never below 1 s', () => {
    expect(readWorkerEnv({ RUNPOD_PING_INTERVAL: '2500' }).pingIntervalMs).toBe(2000);
    expect(readWorkerEnv({ RUNPOD_PING_INTERVAL: '300' }).pingIntervalMs).toBe(1000);
    expect(readWorkerEnv({ RUNPOD_PING_INTERVAL: 'soon' }).pingIntervalMs).toBe(10_000);
  });
});
