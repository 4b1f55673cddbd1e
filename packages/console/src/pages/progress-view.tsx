// A running job's latest progress value: a bar when it carries `percent`, or `step` with `of`/`total`, and the
// value itself either way.
import { progressFraction } from '../format.js';

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
