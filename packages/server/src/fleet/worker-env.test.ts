import { describe, expect, it } from 'vitest';
import { mergeEnv, workerEnv } from './worker-env.js';

const input = {
  baseUrl: 'http://127.0.0.1:8080',
  endpointId: 'ep',
  workerId: 'w-1',
  token: 'tok',
  label: 'cpu',
  pingIntervalMs: 10_000,
  home: '/tmp/home',
  hostname: 'box',
};

describe('worker environment (spec §7)', () => {
  it('sets every RunPod variable, each template already holding ?', () => {
    const env = workerEnv(input);
    expect(env).toMatchObject({
      RUNPOD_WEBHOOK_GET_JOB: 'http://127.0.0.1:8080/v2/ep/job-take/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_POST_OUTPUT: 'http://127.0.0.1:8080/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_POST_STREAM: 'http://127.0.0.1:8080/v2/ep/job-stream/$RUNPOD_POD_ID/$ID?gpu=cpu',
      RUNPOD_WEBHOOK_PING: 'http://127.0.0.1:8080/v2/ep/ping/$RUNPOD_POD_ID?gpu=cpu',
      RUNPOD_AI_API_KEY: 'tok',
      RUNPOD_POD_ID: 'w-1',
      RUNPOD_PING_INTERVAL: '10000',
      RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: 'true',
      RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS: 'true',
      HOME: '/tmp/home',
    });
    expect(env).not.toHaveProperty('CUDA_VISIBLE_DEVICES');
    expect(workerEnv(input)).toMatchObject({
      SLUICE_WEBHOOK_POST_OUTPUT_BATCH: 'http://127.0.0.1:8080/v2/ep/job-done-batch/$RUNPOD_POD_ID?gpu=cpu',
      SLUICE_JOB_DONE_NEXT: 'true',
    });
    expect(workerEnv({ ...input, gpus: [2, 3] })['CUDA_VISIBLE_DEVICES']).toBe('2,3');
  });

  it('overrides user values, hides the server’s SLUICE_* settings and drops RUNPOD_REALTIME_PORT', () => {
    const env = mergeEnv(
      { PATH: '/bin', SLUICE_API_KEYS: 'secret', RUNPOD_REALTIME_PORT: '8000' },
      { MODEL: 'x', RUNPOD_POD_ID: 'user-set' },
      workerEnv(input),
    );
    expect(env['PATH']).toBe('/bin');
    expect(env['MODEL']).toBe('x');
    expect(env['RUNPOD_POD_ID']).toBe('w-1');
    expect(env).not.toHaveProperty('SLUICE_API_KEYS');
    expect(env).not.toHaveProperty('RUNPOD_REALTIME_PORT');
  });
});
