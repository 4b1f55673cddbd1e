import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WorkerProcess } from './worker-process.js';

const log = pino({ level: 'silent' });

describe('WorkerProcess', () => {
  it('counts a worker as exited even when a child it left behind keeps its output open', async () => {
    const started = Date.now();
    const worker = new WorkerProcess(
      { command: 'sh', args: ['-c', 'echo last words >&2; sleep 3 & exit 7'], env: process.env },
      log,
    );
    const exit = await worker.exited;
    expect(exit.code).toBe(7);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(worker.stderrTail()).toEqual(['last words']);
  });
});
