// Job: status, timeline, times, input and output, error with traceback, live progress and logs; cancel, retry.
// Live status comes from `status-sync` as server-sent events. The page never reads `/stream`: a read consumes
// items (consume-once) and would take them from the job's real client, so it shows only how many there are.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, enc, errorText, isMissingRoute } from '../api.js';
import { JsonView } from '../components/json-view.js';
import { StatusBadge } from '../components/status-badge.js';
import { bytes, duration, splitError, time } from '../format.js';
import { useEventStream } from '../hooks.js';
import { href } from '../route.js';
import { TERMINAL, type JobDetail, type StatusObject } from '../types.js';
import { LogLines } from './log-lines.js';
import { ProgressView } from './progress-view.js';

interface Loaded {
  record?: JobDetail;
  /** Why there is no history record: none kept, or no history API on this server. */
  recordNote?: string;
  status?: StatusObject;
  /** The public routes no longer know the job (past its retention, or never existed). */
  gone?: boolean;
}

async function load(endpointId: string, jobId: string, signal: AbortSignal): Promise<Loaded> {
  const [record, status] = await Promise.allSettled([
    api<JobDetail>('GET', `/admin/endpoints/${enc(endpointId)}/jobs/${enc(jobId)}`, { signal }),
    api<StatusObject>('GET', `/v2/${enc(endpointId)}/status/${enc(jobId)}`, { signal }),
  ]);
  const loaded: Loaded = {};
  if (record.status === 'fulfilled') loaded.record = record.value;
  else if (isMissingRoute(record.reason)) loaded.recordNote = 'no job history on this server';
  else if (!(record.reason instanceof ApiError && record.reason.status === 404)) throw record.reason;
  if (status.status === 'fulfilled') loaded.status = status.value;
  else if (status.reason instanceof ApiError && status.reason.status === 404) loaded.gone = true;
  else throw status.reason;
  return loaded;
}

/** The status as best known: the public route's answer, else the one the job's record holds. */
function currentStatus(loaded: Loaded): StatusObject | undefined {
  return loaded.status ?? loaded.record?.status;
}

export function JobPage({ endpointId, jobId }: { endpointId: string; jobId: string }) {
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const reload = () => setGeneration((g) => g + 1);

  useEffect(() => {
    const controller = new AbortController();
    load(endpointId, jobId, controller.signal)
      .then((l) => {
        setLoaded(l);
        setError(undefined);
      })
      .catch((e: unknown) => !controller.signal.aborted && setError(errorText(e)));
    return () => controller.abort();
  }, [endpointId, jobId, generation]);

  const status = loaded && currentStatus(loaded);
  const terminal = status !== undefined && TERMINAL.has(status.status);
  useEventStream(
    `/v2/${enc(endpointId)}/status-sync/${enc(jobId)}?wait=300000`,
    loaded !== undefined && status !== undefined && !terminal && !loaded.gone,
    (event) => {
      if (event.event !== 'status' && event.event !== 'done') return false;
      const next = JSON.parse(event.data) as StatusObject;
      setLoaded((l) => ({ ...l, status: next }));
      if (event.event === 'done') {
        reload();
        return true;
      }
      return false;
    },
    () => false,
  );

  const act = (action: 'cancel' | 'retry') => {
    setActionError(undefined);
    api<StatusObject>('POST', `/v2/${enc(endpointId)}/${action}/${enc(jobId)}`)
      .then((answer) => {
        setLoaded((l) => ({ ...l, status: { ...(action === 'retry' ? {} : l?.status), ...answer } }));
        reload();
      })
      .catch((e: unknown) => setActionError(errorText(e)));
  };

  return (
    <>
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={href.endpoints()}>Endpoints</a> / <a href={href.endpoint(endpointId)}>{endpointId}</a> /{' '}
        <span>job</span>
      </nav>
      <h1 class="job-title">
        Job <code>{jobId}</code>
      </h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {loaded && !status && (
        <p class="error" role="alert">
          No job {jobId} on {endpointId}: it never existed, or it is past its retention
          {loaded.recordNote ? ` (${loaded.recordNote})` : ''}.
        </p>
      )}
      {status && (
        <JobDetails
          endpointId={endpointId}
          status={status}
          loaded={loaded}
          terminal={terminal}
          onAction={act}
          actionError={actionError}
        />
      )}
      {loaded && status && <LogLines endpointId={endpointId} jobId={jobId} terminal={terminal} />}
    </>
  );
}

function JobDetails(props: {
  endpointId: string;
  status: StatusObject;
  loaded: Loaded;
  terminal: boolean;
  onAction: (action: 'cancel' | 'retry') => void;
  actionError?: string;
}) {
  const { status, loaded, terminal } = props;
  const record = loaded.record;
  const failed = status.status === 'FAILED' || status.status === 'TIMED_OUT';
  const output = terminal ? status.output : undefined;
  return (
    <>
      <section class="job-head" aria-label="Status">
        <p class="job-status" aria-live="polite">
          <StatusBadge status={status.status} />
          {!terminal && <span class="live">live</span>}
          {loaded.gone && loaded.record && (
            <span class="muted"> Past its retention on the public API; shown from the job history.</span>
          )}
        </p>
        <dl class="figures">
          <div>
            <dt>Delay</dt>
            <dd>{duration(status.delayTime)}</dd>
          </div>
          <div>
            <dt>Execution</dt>
            <dd>{duration(status.executionTime)}</dd>
          </div>
          <div>
            <dt>Worker</dt>
            <dd>{status.workerId ? <code>{status.workerId}</code> : '–'}</dd>
          </div>
          <div>
            <dt>Retries</dt>
            <dd>{status.retries ?? 0}</dd>
          </div>
        </dl>
        <div class="actions">
          {!terminal && (
            <button type="button" class="danger" onClick={() => props.onAction('cancel')}>
              Cancel job
            </button>
          )}
          {failed && (
            <button type="button" onClick={() => props.onAction('retry')}>
              Retry job
            </button>
          )}
          {props.actionError && <p class="error">{props.actionError}</p>}
        </div>
      </section>
      {status.status === 'IN_PROGRESS' && status.output !== undefined && (
        <section aria-labelledby="progress-title">
          <h2 id="progress-title">Progress</h2>
          <ProgressView output={status.output} />
        </section>
      )}
      {status.error !== undefined && <ErrorView error={status.error} />}
      {record && record.timeline.length > 0 && (
        <section aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          {record.timelineDropped ? <p class="muted">{record.timelineDropped} older events were dropped.</p> : null}
          <ol class="timeline">
            {record.timeline.map((event, i) => (
              <li key={`${event.at}-${i}`}>
                <span class="muted">{time(event.at)}</span> {event.kind}
                {event.status && event.kind !== 'progress' ? ` → ${event.status}` : ''}
                {event.workerId && (
                  <>
                    {' '}
                    by <code>{event.workerId}</code>
                  </>
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
      {record?.streamItems != null && record.streamItems > 0 && (
        <p class="muted">
          {record.streamItems} stream item{record.streamItems === 1 ? '' : 's'} posted. The console does not read them:
          a <code>/stream</code> read hands each item out once, and would take it from the job's client.
        </p>
      )}
      {record && record.input !== null && (
        <JsonView label="Input" value={record.input} file={`${status.id}-input.json`} />
      )}
      {record?.droppedBodies?.input !== undefined && (
        <p class="muted">Input not kept in history ({bytes(record.droppedBodies.input)}).</p>
      )}
      {output !== undefined && <JsonView label="Output" value={output} file={`${status.id}-output.json`} />}
      {record?.droppedBodies?.output !== undefined && (
        <p class="muted">Output not kept in history ({bytes(record.droppedBodies.output)}).</p>
      )}
      {record?.webhook && <WebhookView webhook={record.webhook} />}
    </>
  );
}

function ErrorView({ error }: { error: string }) {
  const { message, traceback } = splitError(error);
  return (
    <section aria-labelledby="error-title" class="error-block">
      <h2 id="error-title">Error</h2>
      <p class="error" data-testid="job-error">
        {message}
      </p>
      {traceback && (
        <details open>
          <summary>Traceback</summary>
          <pre class="log">{traceback}</pre>
        </details>
      )}
    </section>
  );
}

function WebhookView({ webhook }: { webhook: NonNullable<JobDetail['webhook']> }) {
  return (
    <section aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook</h2>
      <p>
        <code>{webhook.url}</code>
      </p>
      {webhook.attempts.length === 0 ? (
        <p class="muted">No delivery attempt yet.</p>
      ) : (
        <ol class="timeline">
          {webhook.attempts.map((a) => (
            <li key={a.attempt}>
              <span class="muted">{time(a.at)}</span> attempt {a.attempt}: {a.ok ? 'delivered' : 'failed'}
              {a.status !== undefined && ` (HTTP ${a.status})`}
              {a.error && ` ${a.error}`}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
