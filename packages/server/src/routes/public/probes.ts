// `GET /livez` and `GET /readyz` for load balancers and Kubernetes probes: unauthenticated, at the root, and
// answering nothing about jobs. Live: the process answers HTTP. Ready: it is not shutting down and its store
// takes a write now (reachable, writable, disk not full); otherwise 503 ERR_UNAVAILABLE with Retry-After.
import type { FastifyInstance } from 'fastify';
import { SluiceError } from '@sluice/protocol';
import type { AppServices } from '../../http/app-services.js';

/** `checkWritable` proves the store takes a write now (JobStore.checkWritable). */
export function registerProbeRoutes(
  app: FastifyInstance,
  services: AppServices,
  checkWritable: () => Promise<void>,
): void {
  app.get('/livez', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async () => {
    if (services.shutdownSignal.aborted) {
      throw new SluiceError('ERR_UNAVAILABLE');
    }
    await checkWritable();
    services.outages.recovered();
    return { status: 'ready' };
  });
}
