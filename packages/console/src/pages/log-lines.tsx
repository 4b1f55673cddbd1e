// A job's log lines (GET /admin/endpoints/{id}/jobs/{jobId}/logs): followed over server-sent events while the
// job runs, read once as JSON when it has ended (which also catches the last lines a closing stream could miss).
import { useEffect, useState } from 'preact/hooks';
import { api, enc, errorText, isMissingRoute } from '../api.js';
import { time } from '../format.js';
import { useEventStream } from '../hooks.js';
import type { LogLine } from '../types.js';

type Keyed = LogLine & { seq?: number };

function keyOf(line: Keyed): string {
  return line.seq !== undefined ? `#${line.seq}` : `${line.time}|${line.workerId ?? ''}|${line.message}`;
}

/** The logs stream's data may be one line, a list of lines, or `{lines}`; all are accepted. */
function linesIn(data: unknown): Keyed[] {
  if (Array.isArray(data)) return data.flatMap(linesIn);
  if (data && typeof data === 'object') {
    const value = data as { lines?: unknown; message?: unknown };
    if (Array.isArray(value.lines)) return linesIn(value.lines);
    if (typeof value.message === 'string') return [data as Keyed];
  }
  return [];
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
    setProblem(isMissingRoute(error) ? 'This server keeps no job logs (it has no job history API).' : errorText(error));

  useEventStream(
    path,
    !terminal,
    (event) => {
      if (event.event === 'done' || event.event === 'end') return true;
      try {
        const data: unknown = JSON.parse(event.data);
        if (data && typeof data === 'object' && (data as { truncated?: unknown }).truncated === true)
          setTruncated(true);
        setLines((current) => merge(current, linesIn(data)));
      } catch {
        // A line that is not JSON is not a log entry.
      }
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
