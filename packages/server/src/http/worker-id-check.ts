// Refuses worker ids that still hold a template variable (spec §7.2): runpod-python never substitutes
// `$RUNPOD_POD_ID` in RUNPOD_WEBHOOK_GET_JOB, so such a worker would take jobs under a name its results never use.
import type { FastifyBaseLogger } from 'fastify';
import { SluiceError } from '@sluice/protocol';

/** Worker ids already logged; bounded, since every refused request could bring a new one. */
const LOGGED_MAX = 1000;

export class WorkerIdCheck {
  private readonly logged = new Set<string>();

  /** Throws ERR_WORKER_ID_INVALID for an id containing `$`, logging a warning the first time it is seen. */
  check(endpointId: string, workerId: string, log: FastifyBaseLogger): void {
    if (!workerId.includes('$')) return;
    const key = `${endpointId}\u0000${workerId}`;
    if (!this.logged.has(key)) {
      if (this.logged.size >= LOGGED_MAX) this.logged.clear();
      this.logged.add(key);
      log.warn(
        { endpointId, workerId },
        'worker id contains a template variable that was not substituted (check RUNPOD_WEBHOOK_GET_JOB); refused',
      );
    }
    throw new SluiceError('ERR_WORKER_ID_INVALID');
  }
}
