// Ties a handler's console output to its job: while exactly one job runs, console.log/info/debug/warn/error write
// runpod-python's JSON line with that job's id, so a server that launched the worker files the line under the job.
// With several jobs at once (concurrency > 1) a line cannot be told apart and is written as it is.
import { format } from 'node:util';
import { formatLine, type Level } from './logger.js';

const METHODS = { log: 'info', info: 'info', debug: 'debug', warn: 'warn', error: 'error' } as const;
type Method = keyof typeof METHODS;

/**
 * Replaces the console methods until the returned function is called. `currentJob` names the one job running,
 * or undefined. Output goes where the console would have sent it (stdout for log/info/debug, stderr otherwise).
 */
export function captureConsole(currentJob: () => string | undefined): () => void {
  const original = new Map<Method, (...args: unknown[]) => void>();
  for (const method of Object.keys(METHODS) as Method[]) {
    const plain = console[method].bind(console) as (...args: unknown[]) => void;
    original.set(method, plain);
    const level: Level = METHODS[method];
    const stream = method === 'warn' || method === 'error' ? process.stderr : process.stdout;
    console[method] = (...args: unknown[]) => {
      const jobId = currentJob();
      if (jobId === undefined) return plain(...args);
      stream.write(`${formatLine(true, level, format(...args), jobId)}\n`);
    };
  }
  return () => {
    for (const [method, plain] of original) console[method] = plain;
  };
}
