// Changes an endpoint's worker bounds at runtime (PATCH /admin/endpoints/{id}; a reload or restart goes back to
// the file), and purges its queue after a confirmation.
import { useState } from 'preact/hooks';
import { api, enc, errorText } from '../api.js';
import type { EndpointSummary } from '../types.js';

export function ScalingForm({ endpoint, onChanged }: { endpoint: EndpointSummary; onChanged: () => void }) {
  const [min, setMin] = useState(String(endpoint.settings.workersMin));
  const [max, setMax] = useState(String(endpoint.settings.workersMax));
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  return (
    <form
      class="inline-form"
      aria-label="Scaling"
      onSubmit={(event) => {
        event.preventDefault();
        setMessage(undefined);
        api('PATCH', `/admin/endpoints/${enc(endpoint.id)}`, {
          body: { workersMin: Number(min), workersMax: Number(max) },
        })
          .then(() => {
            setMessage({ ok: true, text: 'Saved (until the next reload or restart).' });
            onChanged();
          })
          .catch((error: unknown) => setMessage({ ok: false, text: errorText(error) }));
      }}
    >
      <label>
        Workers min
        <input type="number" min={0} max={1000} required value={min} onInput={(e) => setMin(e.currentTarget.value)} />
      </label>
      <label>
        Workers max
        <input type="number" min={0} max={1000} required value={max} onInput={(e) => setMax(e.currentTarget.value)} />
      </label>
      <button type="submit">Save scaling</button>
      {message && (
        <p class={message.ok ? 'ok' : 'error'} role="status">
          {message.text}
        </p>
      )}
    </form>
  );
}

export function PurgeQueue({ endpoint, onPurged }: { endpoint: EndpointSummary; onPurged: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string>();
  if (!confirming) {
    return (
      <div class="inline-form">
        <button type="button" class="danger" onClick={() => setConfirming(true)}>
          Purge queue…
        </button>
        {message && <p role="status">{message}</p>}
      </div>
    );
  }
  return (
    <div class="inline-form confirm" role="group" aria-label="Confirm purge">
      <p>
        Cancel every queued job of <strong>{endpoint.id}</strong> ({endpoint.queue.queued} now)? Running jobs carry on.
      </p>
      <button
        type="button"
        class="danger"
        autoFocus
        onClick={() => {
          api<{ removed: number }>('POST', `/v2/${enc(endpoint.id)}/purge-queue`)
            .then((r) => setMessage(`Purged ${r.removed} queued job${r.removed === 1 ? '' : 's'}.`))
            .catch((error: unknown) => setMessage(errorText(error)))
            .finally(() => {
              setConfirming(false);
              onPurged();
            });
        }}
      >
        Purge {endpoint.queue.queued} queued
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Keep them
      </button>
    </div>
  );
}
