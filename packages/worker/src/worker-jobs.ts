// The jobs in a job-take answer, or in the `next` of a result post's answer (sluice extension).
import { isPlainObject, type WorkerJob } from '@sluice/protocol';
import type { WorkerLogger } from './logger.js';

/** Keeps the candidates that are jobs: runpod-python drops any object lacking `id` or `input` (spec §3). */
export function validJobs(candidates: readonly unknown[], log: WorkerLogger, source: string): WorkerJob[] {
  const jobs: WorkerJob[] = [];
  for (const candidate of candidates) {
    if (isPlainObject(candidate) && typeof candidate['id'] === 'string' && candidate['input'] !== undefined) {
      jobs.push(candidate as unknown as WorkerJob);
    } else {
      log.error(`${source} holds an object without id or input; skipped`);
    }
  }
  return jobs;
}
