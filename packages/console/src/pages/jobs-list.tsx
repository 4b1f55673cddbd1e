// An endpoint's jobs from the job history (GET /admin/endpoints/{id}/jobs): status filters, a time range, a
// jump to a job by id, and pages by cursor. The newest page refreshes itself; older pages hold still.
import { useState } from 'preact/hooks';
import { api, enc, isMissingRoute } from '../api.js';
import { StatusBadge } from '../components/status-badge.js';
import { duration, splitError, time } from '../format.js';
import { usePolled } from '../hooks.js';
import { href } from '../route.js';
import { JOB_STATUSES, type JobPage, type JobStatus } from '../types.js';

const RANGES = [
  { label: 'Last 15 minutes', ms: 15 * 60_000 },
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { label: 'Everything kept', ms: 0 },
];
const PAGE_SIZE = 50;

function query(statuses: JobStatus[], rangeMs: number, cursor: string | undefined): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (statuses.length) params.set('status', statuses.join(','));
  if (rangeMs > 0) params.set('since', String(Date.now() - rangeMs));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export function JobsList({ endpointId }: { endpointId: string }) {
  const [statuses, setStatuses] = useState<JobStatus[]>([]);
  const [rangeMs, setRangeMs] = useState(0);
  // Cursors of the pages before the one shown, so "Newer" can step back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [searchId, setSearchId] = useState('');
  const cursor = cursors.at(-1);
  const page = usePolled(
    (signal) =>
      api<JobPage>('GET', `/admin/endpoints/${enc(endpointId)}/jobs?${query(statuses, rangeMs, cursor)}`, { signal }),
    cursor === undefined ? 3000 : 0,
    [endpointId, statuses.join(','), rangeMs, cursor],
  );
  const toggle = (status: JobStatus, on: boolean) => {
    setStatuses((s) => (on ? [...s, status] : s.filter((x) => x !== status)));
    setCursors([undefined]);
  };
  const missing = isMissingRoute(page.failure);
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <form
        class="inline-form"
        role="search"
        aria-label="Find a job by id"
        onSubmit={(event) => {
          event.preventDefault();
          if (searchId.trim()) location.hash = href.job(endpointId, searchId.trim());
        }}
      >
        <label>
          Job id
          <input value={searchId} onInput={(e) => setSearchId(e.currentTarget.value)} placeholder="paste a job id" />
        </label>
        <button type="submit">Open job</button>
      </form>
      {missing ? (
        <p class="muted">
          This server has no job history API: open a job by its id above. (Job history arrives with issue 14.)
        </p>
      ) : (
        <>
          <fieldset class="filters">
            <legend>Status</legend>
            {JOB_STATUSES.map((s) => (
              <label key={s} class="check">
                <input
                  type="checkbox"
                  checked={statuses.includes(s)}
                  onChange={(e) => toggle(s, e.currentTarget.checked)}
                />
                {s}
              </label>
            ))}
            <label>
              Created
              <select
                value={String(rangeMs)}
                onChange={(e) => {
                  setRangeMs(Number(e.currentTarget.value));
                  setCursors([undefined]);
                }}
              >
                {RANGES.map((r) => (
                  <option key={r.ms} value={String(r.ms)}>
                    {r.label}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
          {page.error && <p class="error">{page.error}</p>}
          {page.data && page.data.jobs.length === 0 && (
            <div class="empty">
              <p>No jobs {statuses.length ? `with status ${statuses.join(' or ')} ` : ''}here yet. Submit one:</p>
              <pre>{`curl -X POST ${location.origin}/v2/${endpointId}/run -H 'Content-Type: application/json' -d '{"input": {}}'`}</pre>
              <p>
                or use <a href={href.tryIt(endpointId)}>Try it</a>.
              </p>
            </div>
          )}
          {page.data && page.data.jobs.length > 0 && (
            <div class="table-wrap">
              <table aria-label="Jobs, newest first">
                <thead>
                  <tr>
                    <th scope="col">Job</th>
                    <th scope="col">Status</th>
                    <th scope="col">Created</th>
                    <th scope="col">Delay</th>
                    <th scope="col">Execution</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.jobs.map((job) => (
                    <tr key={job.id}>
                      <td>
                        <a href={href.job(endpointId, job.id)}>
                          <code>{job.id}</code>
                        </a>
                      </td>
                      <td>
                        <StatusBadge status={job.status} />
                      </td>
                      <td>{time(job.createdAt)}</td>
                      <td>{duration(job.delayTime)}</td>
                      <td>{duration(job.executionTime)}</td>
                      <td class="error-cell" title={job.error ?? undefined}>
                        {job.error === null ? '' : splitError(job.error).message}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pager" aria-label="Job pages">
            <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </button>
            <button
              type="button"
              disabled={!page.data?.nextCursor}
              onClick={() => page.data?.nextCursor && setCursors((c) => [...c, page.data?.nextCursor ?? undefined])}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
