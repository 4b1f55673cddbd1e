// Endpoint: its figures and scaler, scaling actions, its workers and its jobs.
import { api, enc } from '../api.js';
import { usePolled } from '../hooks.js';
import { href } from '../route.js';
import type { EndpointSummary } from '../types.js';
import { Decisions, EndpointFigures, workerCounts } from './endpoint-card.js';
import { hourStats, sampleDepth } from './endpoint-stats.js';
import { JobsList } from './jobs-list.js';
import { PurgeQueue, ScalingForm } from './scaling-form.js';
import { WorkersTable } from './workers-table.js';

async function load(endpointId: string, signal: AbortSignal) {
  const endpoint = await api<EndpointSummary>('GET', `/admin/endpoints/${enc(endpointId)}`, { signal });
  const now = Date.now();
  const stats = await hourStats(endpointId, now, signal).catch(() => undefined);
  return { endpoint, stats, depth: sampleDepth(endpointId, now, endpoint.queue.queued) };
}

export function EndpointPage({ endpointId }: { endpointId: string }) {
  const loaded = usePolled((signal) => load(endpointId, signal), 3000, [endpointId]);
  const endpoint = loaded.data?.endpoint;
  return (
    <>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.endpoints()}>Endpoints</a> / <span>{endpointId}</span>
      </nav>
      <h1>{endpointId}</h1>
      {loaded.error && (
        <p class="error" role="alert">
          {loaded.error}
        </p>
      )}
      {endpoint && (
        <>
          <EndpointFigures endpoint={endpoint} stats={loaded.data?.stats} depth={loaded.data?.depth ?? []} />
          <p>
            <strong>Workers:</strong> {workerCounts(endpoint.workers)} · <strong>Scaler:</strong>{' '}
            {endpoint.scaler.state ?? '–'}, target {endpoint.scaler.target ?? '–'} ({endpoint.settings.scalerType}{' '}
            {endpoint.settings.scalerValue}) · <a href={href.tryIt(endpointId)}>Try it</a>
          </p>
          <details>
            <summary>Scaling decisions</summary>
            <Decisions endpoint={endpoint} limit={20} />
          </details>
          <section aria-labelledby="actions-title" class="actions-block">
            <h2 id="actions-title">Actions</h2>
            <ScalingForm
              key={`${endpoint.settings.workersMin}-${endpoint.settings.workersMax}`}
              endpoint={endpoint}
              onChanged={loaded.reload}
            />
            <PurgeQueue endpoint={endpoint} onPurged={loaded.reload} />
          </section>
        </>
      )}
      <WorkersTable endpointId={endpointId} />
      <JobsList endpointId={endpointId} />
    </>
  );
}
