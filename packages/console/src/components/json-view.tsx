// A JSON body as a collapsible, indented view. Large bodies are cut for display and offered whole as a download.
import { useMemo } from 'preact/hooks';
import { bytes } from '../format.js';

const SHOWN_CHARS = 20_000;

export function JsonView({ label, value, file }: { label: string; value: unknown; file: string }) {
  const text = useMemo(() => JSON.stringify(value, null, 2) ?? 'undefined', [value]);
  const cut = text.length > SHOWN_CHARS;
  const download = useMemo(() => URL.createObjectURL(new Blob([text], { type: 'application/json' })), [text]);
  return (
    <details class="json" open={text.length < 4000}>
      <summary>
        {label} <span class="muted">({bytes(new TextEncoder().encode(text).length)})</span>
      </summary>
      <pre tabIndex={0} aria-label={label}>
        {cut ? `${text.slice(0, SHOWN_CHARS)}\n…` : text}
      </pre>
      {cut && <p class="muted">Cut to the first {SHOWN_CHARS.toLocaleString()} characters.</p>}
      <a href={download} download={file}>
        Download {label.toLowerCase()}
      </a>
    </details>
  );
}
