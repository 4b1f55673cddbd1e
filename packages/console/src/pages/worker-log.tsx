// A worker's last log lines (GET /admin/endpoints/{id}/workers/{workerId}/logs), read when the operator opens
// them; on a server without the log routes, the stderr tail the fleet view carries.
import { useState } from 'preact/hooks';
import { api, enc, errorText, isMissingRoute } from '../api.js';
import { time } from '../format.js';
import type { LogLine } from '../types.js';

const SHOWN = 20;

export function WorkerLog({
  endpointId,
  workerId,
  stderrTail,
}: {
  endpointId: string;
  workerId: string;
  stderrTail: string[];
}) {
  const [lines, setLines] = useState<string[]>();
  const [problem, setProblem] = useState<string>();
  const load = () => {
    api<{ lines: LogLine[] }>('GET', `/admin/endpoints/${enc(endpointId)}/workers/${enc(workerId)}/logs`)
      .then((read) =>
        setLines(read.lines.slice(-SHOWN).map((l) => `${time(l.time)} ${l.level.toUpperCase()} ${l.message}`)),
      )
      .catch((error: unknown) => {
        if (isMissingRoute(error)) setLines(stderrTail.slice(-SHOWN));
        else setProblem(errorText(error));
      });
  };
  return (
    <details onToggle={(event) => event.currentTarget.open && load()}>
      <summary>Last lines</summary>
      {problem && <p class="error">{problem}</p>}
      {lines === undefined && !problem && <p class="muted">Loading…</p>}
      {lines?.length === 0 && <p class="muted">No lines.</p>}
      {lines && lines.length > 0 && <pre class="log">{lines.join('\n')}</pre>}
    </details>
  );
}
