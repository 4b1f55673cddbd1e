// Endpoints: every endpoint's queue, jobs, workers and scaler, refreshed every few seconds.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { Point } from '../components/sparkline.js';
import { usePolled } from '../hooks.js';
import type { EndpointSummary } from '../types.js';
import { EndpointCard } from './endpoint-card.js';
import { hourStats, sampleDepth, type HourStats } from './endpoint-stats.js';

interface Overview {
  endpoints: EndpointSummary[];
  stats: Record<string, HourStats | undefined>;
  depth: Record<string, Point[]>;
}

async function loadOverview(signal: AbortSignal): Promise<Overview> {
  const { endpoints } = await api<{ endpoints: EndpointSummary[] }>('GET', '/admin/endpoints', { signal });
  const now = Date.now();
  const stats: Overview['stats'] = {};
  const depth: Overview['depth'] = {};
  await Promise.all(
    endpoints.map(async (e) => {
      depth[e.id] = sampleDepth(e.id, now, e.queue.queued);
      // One endpoint's figures failing must not hide the others.
      stats[e.id] = await hourStats(e.id, now, signal).catch(() => undefined);
    }),
  );
  return { endpoints, stats, depth };
}

export function EmptyEndpoints() {
  const [origin] = useState(location.origin);
  return (
    <section class="empty">
      <h2>No endpoints yet</h2>
      <p>
        Endpoints come from the server's configuration file. Add one under <code>endpoints:</code> with the command that
        starts its worker, then reload:
      </p>
      <pre>{`endpoints:
  echo:
    workersMin: 1
    worker: { command: node, args: [worker.js] }`}</pre>
      <pre>{`curl -X POST ${origin}/admin/reload -H "Authorization: Bearer $SLUICE_ADMIN_KEY"`}</pre>
    </section>
  );
}

export function EndpointsPage() {
  const overview = usePolled(loadOverview, 3000, []);
  const endpoints = overview.data?.endpoints;
  return (
    <>
      <h1>Endpoints</h1>
      {overview.error && (
        <p class="error" role="alert">
          Could not load endpoints: {overview.error}
        </p>
      )}
      {!endpoints && !overview.error && <p class="muted">Loading…</p>}
      {endpoints?.length === 0 && <EmptyEndpoints />}
      <div class="grid">
        {endpoints?.map((e) => (
          <EndpointCard
            key={e.id}
            endpoint={e}
            stats={overview.data?.stats[e.id]}
            depth={overview.data?.depth[e.id] ?? []}
          />
        ))}
      </div>
    </>
  );
}
