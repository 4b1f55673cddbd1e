// Prometheus metrics of one server (spec §9.4), in a registry of its own. Counters and histograms move as
// things happen (submissions, terminal jobs, HTTP answers); gauges are read from the store and the fleet
// when /metrics is scraped, so they are right whichever server of a shared store made the change.
import type { HealthObject } from '@sluice/protocol';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { toStatusObject, type JobRecord } from '../store/job-record.js';
import type { JobStore } from '../store/job-store.js';

export interface MetricsSources {
  store: JobStore;
  /** The endpoints to report, read at each scrape. */
  endpointIds(): string[];
  /** The endpoint's /health object (spec §4.9). */
  health(endpointId: string): Promise<HealthObject>;
  /** Launched workers by a state /health does not show (draining, stopping). */
  fleetStates?(endpointId: string): Record<string, number>;
  now(): number;
}

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export class SluiceMetrics {
  readonly registry = new Registry();
  private readonly submitted: Counter<'endpoint'>;
  private readonly finished: Counter<'endpoint' | 'status'>;
  private readonly httpRequests: Counter<'route' | 'code'>;
  private readonly webhookDeliveries: Counter<'result'>;
  private readonly postsIgnored: Counter<'endpoint' | 'reason'>;
  private readonly dispatched: Counter<'endpoint' | 'via'>;
  private readonly delay: Histogram<'endpoint'>;
  private readonly execution: Histogram<'endpoint'>;
  private readonly queueDepth: Gauge<'endpoint'>;
  private readonly queueDepthNormal: Gauge<'endpoint'>;
  private readonly oldestAge: Gauge<'endpoint'>;
  private readonly inProgress: Gauge<'endpoint'>;
  private readonly jobs: Gauge<'endpoint' | 'state'>;
  private readonly workers: Gauge<'endpoint' | 'state'>;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const histogram = (name: string, help: string) =>
      new Histogram<'endpoint'>({ name, help, labelNames: ['endpoint'], buckets: SECONDS_BUCKETS, registers });
    this.submitted = counter('sluice_jobs_submitted_total', 'Jobs created by run and runsync.', ['endpoint']);
    this.finished = counter('sluice_jobs_finished_total', 'Jobs that entered a terminal state.', [
      'endpoint',
      'status',
    ]);
    this.httpRequests = counter('sluice_http_requests_total', 'HTTP answers by route and status code.', [
      'route',
      'code',
    ]);
    this.webhookDeliveries = counter(
      'sluice_webhook_deliveries_total',
      'Webhook attempts by result: delivered, retry, refused (target not allowed), gave-up (out of attempts).',
      ['result'],
    );
    this.postsIgnored = counter(
      'sluice_worker_posts_ignored_total',
      'Worker posts answered 200 that changed nothing: the job was terminal, or leased to another worker.',
      ['endpoint', 'reason'],
    );
    this.dispatched = counter(
      'sluice_jobs_dispatched_total',
      'Jobs leased to workers, by how: take (job-take, job-take-batch) or next (with a result answer, ?next=N).',
      ['endpoint', 'via'],
    );
    this.delay = histogram(
      'sluice_job_delay_seconds',
      'delayTime of terminal jobs: queued until picked up (or ended).',
    );
    this.execution = histogram('sluice_job_execution_seconds', 'executionTime of terminal jobs that ran.');
    this.queueDepth = gauge('sluice_queue_depth', 'Jobs IN_QUEUE.', ['endpoint']);
    this.queueDepthNormal = gauge('sluice_queue_depth_normal', 'Jobs IN_QUEUE without lowPriority.', ['endpoint']);
    this.oldestAge = gauge(
      'sluice_queue_oldest_age_seconds',
      'How long the oldest IN_QUEUE job without lowPriority has waited; 0 when none.',
      ['endpoint'],
    );
    this.inProgress = gauge('sluice_jobs_in_progress', 'Jobs IN_PROGRESS.', ['endpoint']);
    this.jobs = gauge('sluice_jobs', 'Jobs by state, as in /health (terminal ones while retained).', [
      'endpoint',
      'state',
    ]);
    this.workers = gauge('sluice_workers', 'Workers by state, as in /health, plus draining and stopping.', [
      'endpoint',
      'state',
    ]);
  }

  jobSubmitted(endpointId: string): void {
    this.submitted.inc({ endpoint: endpointId });
  }

  /** JobContext.onTerminal: counts the job and observes its delay and execution times. */
  jobFinished(job: JobRecord): void {
    const endpoint = job.endpointId;
    this.finished.inc({ endpoint, status: job.status });
    const status = toStatusObject(job, this.sources.now());
    if (status.delayTime !== undefined) this.delay.observe({ endpoint }, status.delayTime / 1000);
    if (status.executionTime !== undefined) this.execution.observe({ endpoint }, status.executionTime / 1000);
  }

  webhookAttempt(result: string): void {
    this.webhookDeliveries.inc({ result });
  }

  workerPostIgnored(endpointId: string, reason: string): void {
    this.postsIgnored.inc({ endpoint: endpointId, reason });
  }

  jobsDispatched(endpointId: string, via: string, count: number): void {
    this.dispatched.inc({ endpoint: endpointId, via }, count);
  }

  httpResponse(route: string, code: number): void {
    this.httpRequests.inc({ route, code: String(code) });
  }

  /** The text exposition of every metric, gauges read now. */
  async render(): Promise<string> {
    await this.refreshGauges();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async refreshGauges(): Promise<void> {
    const ids = this.sources.endpointIds();
    const readings = await Promise.all(
      ids.map(async (endpoint) => {
        const [health, stats] = await Promise.all([
          this.sources.health(endpoint),
          this.sources.store.queueStats(endpoint),
        ]);
        return { endpoint, health, stats };
      }),
    );
    const now = this.sources.now();
    // Reset first, so an endpoint removed by a reload disappears instead of freezing at its last values.
    for (const g of [this.queueDepth, this.queueDepthNormal, this.oldestAge, this.inProgress]) g.reset();
    this.jobs.reset();
    this.workers.reset();
    for (const { endpoint, health, stats } of readings) {
      this.queueDepth.set({ endpoint }, health.jobs.inQueue);
      this.queueDepthNormal.set({ endpoint }, stats.queuedNormal);
      const oldest = stats.oldestNormalQueuedAt;
      this.oldestAge.set({ endpoint }, oldest === undefined ? 0 : Math.max(0, now - oldest) / 1000);
      this.inProgress.set({ endpoint }, health.jobs.inProgress);
      for (const [state, n] of Object.entries(health.jobs)) this.jobs.set({ endpoint, state }, n);
      const workerStates: Record<string, number> = { ...health.workers, ...this.sources.fleetStates?.(endpoint) };
      delete workerStates['ready'];
      for (const [state, n] of Object.entries(workerStates)) this.workers.set({ endpoint, state }, n);
    }
  }
}
