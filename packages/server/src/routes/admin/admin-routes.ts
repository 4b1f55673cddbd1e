// The operator API under /admin (outside /v2, not RunPod's): endpoints with their scaling state, their
// workers, runtime changes of scaling settings, and a reload of the configuration file. Opened by `admin`
// keys only (or by anything when auth is off). Answers are JSON; errors use the usual {error, code} shape.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EndpointConfig } from '../../config/config-schema.js';
import type { EndpointSummary, WorkersSummary } from '../../fleet/fleet-views.js';
import type { ReloadReport } from '../../fleet/fleet.js';
import type { AppServices } from '../../http/app-services.js';
import { parseJsonBody } from '../../http/raw-body.js';

/** What the admin routes need of the fleet (Fleet implements it). */
export interface AdminApi {
  describeEndpoints(): Promise<EndpointSummary[]>;
  describeEndpoint(endpointId: string): Promise<EndpointSummary>;
  describeWorkers(endpointId: string): Promise<WorkersSummary>;
  patchEndpoint(endpointId: string, patch: unknown): EndpointConfig;
  reload(): Promise<ReloadReport>;
}

function endpointId(request: FastifyRequest): string {
  return (request.params as { id?: string }).id ?? '';
}

export function registerAdminRoutes(app: FastifyInstance, services: AppServices, admin: AdminApi): void {
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    services.auth.check(request.headers.authorization, 'admin', '');
    return Promise.resolve();
  };

  app.get('/admin/endpoints', { onRequest }, async () => ({ endpoints: await admin.describeEndpoints() }));

  app.get('/admin/endpoints/:id', { onRequest }, (request) => admin.describeEndpoint(endpointId(request)));

  app.get('/admin/endpoints/:id/workers', { onRequest }, (request) => admin.describeWorkers(endpointId(request)));

  app.patch('/admin/endpoints/:id', { onRequest }, async (request) => {
    const id = endpointId(request);
    admin.patchEndpoint(id, parseJsonBody(request.body));
    return admin.describeEndpoint(id);
  });

  app.post('/admin/reload', { onRequest }, () => admin.reload());
}
