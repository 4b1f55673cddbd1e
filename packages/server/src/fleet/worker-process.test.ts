import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WorkerProcess, type WorkerLine } from './worker-process.js';

const log = pino({ level: 'silent' });

describe('WorkerProcess', () => {
  it('counts a worker as exited even when a child it left behind keeps its output open', async () => {
    // The child would outlive the test: it leaves its pid in a file, and is killed once the exit has settled.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-orphan-'));
    const pidFile = join(dir, 'pid');
    const worker = new WorkerProcess(
      {
        command: 'sh',
        args: ['-c', `echo last words >&2; sleep 600 & echo $! > '${pidFile}'; exit 7`],
        env: process.env,
      },
      log,
    );
    const exit = await worker.exited;
    const orphan = Number(readFileSync(pidFile, 'utf8'));
    rmSync(dir, { recursive: true, force: true });
    try {
      expect(exit.code).toBe(7);
      expect(worker.stderrTail()).toEqual(['last words']);
      // Still running, still holding the pipes: the exit did not wait for the output to close.
      expect(() => process.kill(orphan, 0)).not.toThrow();
    } finally {
      if (orphan > 0) process.kill(orphan, 'SIGKILL');
    }
  });

  it('lifts a worker JSON line into real log fields at its own level, and hands every line on', async () => {
    const records: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        records.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const captured = pino({ level: 'debug' }, sink).child({ workerId: 'w-1' });
    const lines: WorkerLine[] = [];
    const json = JSON.stringify({ requestId: 'job-9', message: 'bad input', level: 'ERROR' });
    const worker = new WorkerProcess(
      { command: 'sh', args: ['-c', `echo '${json}'; echo plain problem >&2`], env: process.env },
      captured,
      (line) => lines.push(line),
    );
    await worker.exited;
    // Two pipes: their lines may arrive in either order.
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        { stream: 'stdout', level: 'error', jobId: 'job-9', message: 'bad input' },
        { stream: 'stderr', level: 'warn', message: 'plain problem' },
      ]),
    );
    const lifted = records.find((r) => r['msg'] === 'bad input');
    expect(lifted).toMatchObject({ level: 50, jobId: 'job-9', workerId: 'w-1', stream: 'stdout' });
    expect(records.find((r) => r['msg'] === 'plain problem')).toMatchObject({ level: 40, stream: 'stderr' });
  });
});
