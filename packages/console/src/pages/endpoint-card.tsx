// One endpoint at a glance: queue, jobs of the last hour, workers by state, the scaler and its latest reasons.
import { Sparkline, type Point } from '../components/sparkline.js';
import { ago } from '../format.js';
import { href } from '../route.js';
import type { EndpointSummary } from '../types.js';
import { HOUR_MS, type HourStats } from './endpoint-stats.js';

export function workerCounts(workers: Record<string, number>): string {
  const parts = Object.entries(workers)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  return parts.length ? parts.join(', ') : 'none';
}

export function Decisions({ endpoint, limit }: { endpoint: EndpointSummary; limit: number }) {
  const decisions = (endpoint.scaler.decisions ?? []).slice(-limit).reverse();
  if (!decisions.length) return <p class="muted">No scaling decisions yet.</p>;
  return (
    <ul class="decisions">
      {decisions.map((d) => (
        <li key={`${d.at}-${d.to}`}>
          <span class="muted">{ago(d.at)}</span> {d.from} → {d.to} workers: {d.reason}
        </li>
      ))}
    </ul>
  );
}

export function EndpointFigures({
  endpoint,
  stats,
  depth,
}: {
  endpoint: EndpointSummary;
  stats?: HourStats;
  depth: Point[];
}) {
  const suffix = stats?.capped ? '+' : '';
  const window = stats?.source === 'health' ? 'retained' : 'last hour';
  return (
    <>
      <dl class="figures">
        <div>
          <dt>Queued</dt>
          <dd data-testid="queued">{endpoint.queue.queued}</dd>
        </div>
        <div>
          <dt>In progress</dt>
          <dd data-testid="in-progress">{endpoint.queue.inProgress}</dd>
        </div>
        <div>
          <dt>Completed ({window})</dt>
          <dd>{stats ? `${stats.completed}${suffix}` : '…'}</dd>
        </div>
        <div>
          <dt>Failed ({window})</dt>
          <dd class={stats && stats.failed > 0 ? 'bad' : undefined}>{stats ? `${stats.failed}${suffix}` : '…'}</dd>
        </div>
      </dl>
      <div class="charts">
        {stats?.source === 'history' && <Sparkline label="Jobs per minute" points={stats.perMinute} spanMs={HOUR_MS} />}
        <Sparkline label="Queue depth (while open)" points={depth} spanMs={HOUR_MS} />
      </div>
    </>
  );
}

export function EndpointCard({
  endpoint,
  stats,
  depth,
}: {
  endpoint: EndpointSummary;
  stats?: HourStats;
  depth: Point[];
}) {
  const scaler = endpoint.scaler;
  return (
    <article class="card" aria-labelledby={`ep-${endpoint.id}`} data-endpoint={endpoint.id}>
      <header class="card-head">
        <h2 id={`ep-${endpoint.id}`}>
          <a href={href.endpoint(endpoint.id)}>{endpoint.id}</a>
        </h2>
        <span class={`badge scaler-${scaler.crashLoop ? 'crash' : 'ok'}`}>
          {scaler.crashLoop ? 'crash-looping' : (scaler.state ?? 'manual')}
        </span>
      </header>
      <EndpointFigures endpoint={endpoint} stats={stats} depth={depth} />
      <p>
        <strong>Workers:</strong> {workerCounts(endpoint.workers)}{' '}
        <span class="muted">
          (target {scaler.target ?? '–'}, {endpoint.settings.workersMin}–{endpoint.settings.workersMax})
        </span>
      </p>
      <Decisions endpoint={endpoint} limit={3} />
      <p class="actions">
        <a href={href.endpoint(endpoint.id)}>Jobs and workers</a>
        <a href={href.tryIt(endpoint.id)}>Try it</a>
      </p>
    </article>
  );
}
