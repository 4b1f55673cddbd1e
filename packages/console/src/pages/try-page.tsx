// Try it: submits JSON input to an endpoint's `run` (then opens the job at once) or `runsync` (opens it when the
// answer comes).
import { useEffect, useState } from 'preact/hooks';
import { api, enc, errorText } from '../api.js';
import { usePolled } from '../hooks.js';
import { href } from '../route.js';
import type { EndpointSummary, StatusObject } from '../types.js';
import { EmptyEndpoints } from './endpoints-page.js';

/** Inputs for the example endpoints (examples/sluice.yaml); anything else starts from `{}`. */
const SAMPLES: Record<string, unknown> = {
  'text-transform': { text: 'hello sluice', ops: ['upper', 'reverse'], delayMs: 500 },
  'token-stream': { text: 'the quick brown fox', delayMs: 100 },
};

function sampleFor(endpointId: string | undefined): string {
  return JSON.stringify((endpointId && SAMPLES[endpointId]) ?? {}, null, 2);
}

export function TryPage({ endpointId }: { endpointId?: string }) {
  const endpoints = usePolled(
    (signal) => api<{ endpoints: EndpointSummary[] }>('GET', '/admin/endpoints', { signal }),
    0,
    [],
  );
  const ids = endpoints.data?.endpoints.map((e) => e.id) ?? [];
  const [chosen, setChosen] = useState(endpointId);
  const target = chosen ?? ids[0];
  const [input, setInput] = useState(() => sampleFor(endpointId));
  const [mode, setMode] = useState<'run' | 'runsync'>('run');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    if (!chosen && ids[0]) setInput(sampleFor(ids[0]));
  }, [ids[0]]);

  const submit = async () => {
    setProblem(undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      setProblem(`The input is not JSON: ${errorText(error)}`);
      return;
    }
    if (!target) return;
    setBusy(true);
    try {
      const path = mode === 'run' ? `/v2/${enc(target)}/run` : `/v2/${enc(target)}/runsync?wait=60000`;
      const answer = await api<StatusObject>('POST', path, { body: { input: parsed } });
      location.hash = href.job(target, answer.id);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Try it</h1>
      {endpoints.error && <p class="error">{endpoints.error}</p>}
      {endpoints.data && ids.length === 0 && <EmptyEndpoints />}
      {ids.length > 0 && (
        <form
          class="try"
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <label for="try-endpoint">Endpoint</label>
          <select
            id="try-endpoint"
            value={target}
            onChange={(e) => {
              setChosen(e.currentTarget.value);
              setInput(sampleFor(e.currentTarget.value));
            }}
          >
            {ids.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          <fieldset class="filters">
            <legend>Route</legend>
            <label class="check">
              <input type="radio" name="mode" checked={mode === 'run'} onChange={() => setMode('run')} />
              run (queue it, follow it live)
            </label>
            <label class="check">
              <input type="radio" name="mode" checked={mode === 'runsync'} onChange={() => setMode('runsync')} />
              runsync (wait up to 60 s for the result)
            </label>
          </fieldset>
          <label for="try-input">Input (JSON, sent as {'{"input": …}'})</label>
          <textarea
            id="try-input"
            rows={10}
            spellcheck={false}
            value={input}
            onInput={(e) => setInput(e.currentTarget.value)}
          />
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Submitting…' : `Submit to ${mode}`}
          </button>
          <p class="muted">
            The same from a terminal:{' '}
            <code>{`curl -X POST ${location.origin}/v2/${target ?? '<endpoint>'}/${mode} -H 'Content-Type: application/json' -d '{"input": …}'`}</code>
          </p>
        </form>
      )}
    </>
  );
}
