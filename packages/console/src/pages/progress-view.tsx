// A running job's latest progress value: a bar when it carries `percent`, or `step` with `of`/`total`, and the
// value itself either way.
export function progressFraction(output: unknown): number | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const p = output as Record<string, unknown>;
  if (typeof p['percent'] === 'number') return Math.min(1, Math.max(0, p['percent'] / 100));
  const total = typeof p['of'] === 'number' ? p['of'] : p['total'];
  if (typeof p['step'] === 'number' && typeof total === 'number' && total > 0) return Math.min(1, p['step'] / total);
  return undefined;
}

export function ProgressView({ output }: { output: unknown }) {
  const fraction = progressFraction(output);
  return (
    <div class="progress" data-testid="progress">
      {fraction !== undefined && (
        <progress max={100} value={Math.round(fraction * 100)} aria-label="Progress">
          {Math.round(fraction * 100)} %
        </progress>
      )}
      <code>{JSON.stringify(output)}</code>
    </div>
  );
}
