// The live view behind `run --wait`, `status --wait` and `stream` on a terminal: waits for the job to end
// while printing status changes and progress (from polling `status`) and, if asked, stream items as they come.
import { setTimeout as delay } from 'node:timers/promises';
import { isTerminal, SluiceClientError, type EndpointClient, type StatusObject } from '@sluice/client';
import { describeChange, formatStreamItem } from './output.js';

export interface WatchOptions {
  /** Read the job's stream and print its items. Items are consumed on the server (consume-once, spec §4.5). */
  stream: boolean;
  write: (text: string) => void;
  /** Status already shown, so the first poll prints only what changed. */
  shown?: StatusObject;
  /** Period of the `status` polls that find progress; default 500 ms. */
  pollMs?: number;
}

/** Resolves with the job's terminal status object once it has ended; rejects if the wait itself fails. */
export async function watchJob(endpoint: EndpointClient, jobId: string, options: WatchOptions): Promise<StatusObject> {
  const stopPolling = new AbortController();
  // status-sync and stream holds do not end on progress (spec §4.4), so progress is found by polling.
  // Settles to the poller's error, if any, so a bug there is reported once the wait is over, not lost.
  const polling = showProgress(endpoint, jobId, options, stopPolling.signal).then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const waiting = options.stream ? followStream(endpoint, jobId, options.write) : endpoint.waitFor(jobId);
  const outcome = await waiting.then(
    (status) => ({ status }),
    (error: unknown) => ({ error }),
  );
  stopPolling.abort();
  const pollFailure = await polling;
  if ('error' in outcome) throw outcome.error;
  if (pollFailure) throw pollFailure.error;
  return outcome.status;
}

async function followStream(
  endpoint: EndpointClient,
  jobId: string,
  write: (text: string) => void,
): Promise<StatusObject> {
  const items = endpoint.stream(jobId);
  for await (const item of items) write(formatStreamItem(item));
  const ended = await items.result;
  // A streaming job's last /stream answer carries no `output`; /status has the whole object.
  try {
    return await endpoint.status(jobId);
  } catch (error) {
    if (error instanceof SluiceClientError) return ended;
    throw error;
  }
}

/** Polls `status` until aborted or the job is terminal (the caller prints the end), writing each change. */
async function showProgress(
  endpoint: EndpointClient,
  jobId: string,
  options: WatchOptions,
  signal: AbortSignal,
): Promise<void> {
  let shown = options.shown;
  while (!signal.aborted) {
    try {
      const current = await endpoint.status(jobId, { signal });
      if (signal.aborted || isTerminal(current.status)) return;
      const line = describeChange(shown, current);
      if (line !== undefined) options.write(line);
      shown = current;
    } catch (error) {
      // A failed poll costs only a progress line; the wait itself reports real failures.
      if (!(error instanceof SluiceClientError)) throw error;
    }
    await delay(options.pollMs ?? 500, undefined, { signal }).catch(() => undefined);
  }
}
