// An endpoint's workers: state, GPUs, jobs in flight, uptime, crash-loop state and their last log lines.
import { api, enc } from '../api.js';
import { ago, duration, time } from '../format.js';
import { usePolled } from '../hooks.js';
import type { WorkersSummary } from '../types.js';
import { WorkerLog } from './worker-log.js';

export function WorkersTable({ endpointId }: { endpointId: string }) {
  const loaded = usePolled(
    (signal) => api<WorkersSummary>('GET', `/admin/endpoints/${enc(endpointId)}/workers`, { signal }),
    3000,
    [endpointId],
  );
  const fleet = loaded.data;
  const now = Date.now();
  return (
    <section aria-labelledby="workers-title">
      <h2 id="workers-title">Workers</h2>
      {loaded.error && <p class="error">{loaded.error}</p>}
      {fleet?.crashLoop && (
        <p class="error" role="alert">
          Crash-looping: {fleet.quickExits} quick exits
          {fleet.restartAt !== undefined && `, next start at ${time(fleet.restartAt)}`}.
          {fleet.lastExit && ` Last exit: code ${fleet.lastExit.code ?? '–'}, signal ${fleet.lastExit.signal ?? '–'}.`}
        </p>
      )}
      {fleet?.lastExit && fleet.lastExit.stderrTail.length > 0 && (
        <details>
          <summary>Last unplanned exit: {fleet.lastExit.workerId}</summary>
          <pre class="log">{fleet.lastExit.stderrTail.join('\n')}</pre>
        </details>
      )}
      {fleet && fleet.workers.length === 0 && (
        <p class="muted">
          No workers. Target {fleet.target}
          {fleet.throttled > 0 && `, ${fleet.throttled} waiting for GPUs`}. Raise “Workers min” above, or start a worker
          elsewhere with a worker key.
        </p>
      )}
      {fleet && fleet.workers.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">State</th>
                <th scope="col">GPUs</th>
                <th scope="col">In flight</th>
                <th scope="col">Up</th>
                <th scope="col">Last seen</th>
                <th scope="col">Log</th>
              </tr>
            </thead>
            <tbody>
              {fleet.workers.map((w) => (
                <tr key={w.workerId}>
                  <td>
                    <code>{w.workerId}</code>
                    {!w.managed && <span class="muted"> (external)</span>}
                  </td>
                  <td>
                    <span class={`badge worker-${w.state}`}>{w.state}</span>
                    {w.unhealthy?.reason && <div class="muted">{w.unhealthy.reason}</div>}
                  </td>
                  <td>{w.gpus.length ? w.gpus.join(', ') : (w.label ?? '–')}</td>
                  <td>{w.inFlight}</td>
                  <td>{w.startedAt === undefined ? '–' : duration(now - w.startedAt)}</td>
                  <td>{ago(w.lastSeenAt, now)}</td>
                  <td>
                    <WorkerLog endpointId={endpointId} workerId={w.workerId} stderrTail={w.stderrTail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
