// A job's log lines (GET /admin/endpoints/{id}/jobs/{jobId}/logs): followed over server-sent events while the
// job runs, read once as JSON when it has ended (which also catches the last lines a closing stream could miss).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, enc, errorText, isMissingRoute } from '../api.js';
import { time } from '../format.js';
import { useEventStream } from '../hooks.js';
import type { LogLine } from '../types.js';

type Keyed = LogLine & { seq?: number };

function keyOf(line: Keyed): string {
  return line.seq !== undefined ? `#${line.seq}` : `${line.time}|${line.workerId ?? ''}|${line.message}`;
}

/** A `line` event's data: one stored log entry. */
function linesIn(data: unknown): Keyed[] {
  return data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string'
    ? [data as Keyed]
    : [];
}

function merge(current: Keyed[], added: Keyed[]): Keyed[] {
  const seen = new Set(current.map(keyOf));
  const fresh = added.filter((line) => !seen.has(keyOf(line)));
  return fresh.length ? [...current, ...fresh] : current;
}

export function LogLines({ endpointId, jobId, terminal }: { endpointId: string; jobId: string; terminal: boolean }) {
  const path = `/admin/endpoints/${enc(endpointId)}/jobs/${enc(jobId)}/logs`;
  const [lines, setLines] = useState<Keyed[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [problem, setProblem] = useState<string>();

  const explain = (error: unknown) =>
    setProblem(
      isMissingRoute(error)
        ? 'This server keeps no job logs (it has no job history API).'
        : error instanceof ApiError && error.status === 404
          ? 'No log lines kept for this job.'
          : errorText(error),
    );

  useEventStream(
    path,
    !terminal,
    (event) => {
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return false;
      }
      // `end` closes the follow (the job ended and its worker's output drained) and says whether lines were dropped.
      if (data && typeof data === 'object' && (data as { truncated?: unknown }).truncated === true) setTruncated(true);
      if (event.event === 'end') return true;
      if (event.event === 'line') setLines((current) => merge(current, linesIn(data)));
      return false;
    },
    (error) => {
      explain(error);
      return isMissingRoute(error);
    },
  );

  useEffect(() => {
    if (!terminal) return;
    const controller = new AbortController();
    api<{ lines: Keyed[]; truncated: boolean }>('GET', path, { signal: controller.signal })
      .then((read) => {
        setLines((current) => merge(current, read.lines));
        setTruncated(read.truncated);
        setProblem(undefined);
      })
      .catch((error: unknown) => !controller.signal.aborted && explain(error));
    return () => controller.abort();
  }, [path, terminal]);

  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Log lines {!terminal && <span class="live">live</span>}</h2>
      {problem && <p class="muted">{problem}</p>}
      {truncated && <p class="muted">Older lines were dropped (a job keeps its last 1,000 lines or 256 KB).</p>}
      {lines.length === 0 && !problem && <p class="muted">No log lines{terminal ? '' : ' yet'}.</p>}
      {lines.length > 0 && (
        <ol class="log" aria-label="Log lines" tabIndex={0}>
          {lines.map((line) => (
            <li key={keyOf(line)} class={`level-${line.level}`}>
              <span class="muted">{time(line.time)}</span> <span class="level">{line.level.toUpperCase()}</span>{' '}
              {line.message}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
