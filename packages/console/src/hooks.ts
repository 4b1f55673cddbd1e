// Data hooks: a loader re-run on an interval while the tab is visible (admin views have no push channel), and
// a server-sent event follower that reconnects until told the stream is over.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './api.js';
import { readEvents, type ServerEvent } from './event-stream.js';

export interface Loaded<T> {
  data?: T;
  error?: string;
  /** Error object of the last failed load (to tell a missing route from an outage). */
  failure?: unknown;
  reload: () => void;
}

export function usePolled<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: unknown[],
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; failure?: unknown }>({});
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => setState({}), deps);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await loadRef.current(controller.signal);
        if (!controller.signal.aborted) setState({ data });
      } catch (error) {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error: errorText(error), failure: error }));
      }
      if (!controller.signal.aborted && intervalMs > 0) {
        timer = setTimeout(() => void (document.hidden ? waitVisible() : run()), intervalMs);
      }
    };
    const waitVisible = () => {
      const onVisible = () => {
        if (document.hidden) return;
        document.removeEventListener('visibilitychange', onVisible);
        void run();
      };
      document.addEventListener('visibilitychange', onVisible);
      controller.signal.addEventListener('abort', () => document.removeEventListener('visibilitychange', onVisible));
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick, intervalMs]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/**
 * Follows `path` as server-sent events while `active`. `onEvent` returns true when the stream is complete (no
 * reconnect). A stream that ends otherwise (a long-poll's `wait` ran out) is opened again after a short pause.
 */
export function useEventStream(
  path: string | undefined,
  active: boolean,
  onEvent: (event: ServerEvent) => boolean | void,
  onError: (error: unknown) => boolean | void,
): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const errorHandler = useRef(onError);
  errorHandler.current = onError;
  useEffect(() => {
    if (!path || !active) return;
    const controller = new AbortController();
    let finished = false;
    const loop = async () => {
      let failures = 0;
      while (!finished && !controller.signal.aborted) {
        try {
          await readEvents(
            path,
            (event) => {
              if (handler.current(event) === true) finished = true;
            },
            controller.signal,
          );
          failures = 0;
        } catch (error) {
          if (controller.signal.aborted) return;
          if (errorHandler.current(error) === true) return;
          failures++;
        }
        if (!finished) await pause(Math.min(10_000, 500 * 2 ** failures), controller.signal);
      }
    };
    void loop();
    return () => controller.abort();
  }, [path, active]);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
