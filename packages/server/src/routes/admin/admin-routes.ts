// The operator API under /admin (outside /v2, not RunPod's): endpoints with their scaling state, their
// workers, runtime changes of scaling settings, and a reload of the configuration file. Opened by `admin`
// keys only (or by anything when auth is off). Answers are JSON; errors use the usual {error, code} shape.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError } from '@sluice/protocol';
import type { ReloadReport } from '../../config/config-reload.js';
import type { EndpointSummary, WorkersSummary } from '../../fleet/fleet-views.js';
import type { AppServices } from '../../http/app-services.js';
import { parseJsonBody } from '../../http/raw-body.js';

/** What the admin routes need of the fleet (Fleet implements it). */
export interface AdminApi {
  describeEndpoints(): Promise<EndpointSummary[]>;
  describeEndpoint(endpointId: string): Promise<EndpointSummary>;
  describeWorkers(endpointId: string): Promise<WorkersSummary>;
}

/** What POST /admin/reload needs (ConfigReload); absent when the server was started without a file. */
export interface Reloader {
  reload(): ReloadReport;
}

function endpointId(request: FastifyRequest): string {
  return (request.params as { id?: string }).id ?? '';
}

export function registerAdminRoutes(
  app: FastifyInstance,
  services: AppServices,
  admin: AdminApi,
  reloader?: Reloader,
): void {
  const onRequest = async (request: FastifyRequest): Promise<void> => {
    services.auth.check(request.headers.authorization, 'admin', '');
    return Promise.resolve();
  };

  app.get('/admin/endpoints', { onRequest }, async () => ({ endpoints: await admin.describeEndpoints() }));

  app.get('/admin/endpoints/:id', { onRequest }, (request) => admin.describeEndpoint(endpointId(request)));

  app.get('/admin/endpoints/:id/workers', { onRequest }, (request) => admin.describeWorkers(endpointId(request)));

  app.patch('/admin/endpoints/:id', { onRequest }, async (request) => {
    const id = endpointId(request);
    const patch = parseJsonBody(request.body);
    services.endpoints.patch(id, patch);
    request.log.info({ endpointId: id, patch }, 'endpoint settings changed at runtime');
    return admin.describeEndpoint(id);
  });

  app.post('/admin/reload', { onRequest }, () => {
    if (!reloader) {
      throw new SluiceError(
        'ERR_CONFIG_INVALID',
        'nothing to reload: the server was started without a configuration file',
      );
    }
    return reloader.reload();
  });
}
