// How `run --wait` and `status --follow` show a progress update: a bar when the value says how far the job is
// (`percent`, or `step` with `of` or `total`), the value itself otherwise.
import type { Json } from '@sluice/client';

const WIDTH = 24;

/** The fraction done (0–1) a progress value states, if it states one. */
export function progressFraction(value: Json | undefined): number | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { percent, step, of, total } = value as Record<string, Json>;
  if (typeof percent === 'number' && Number.isFinite(percent)) return Math.min(1, Math.max(0, percent / 100));
  const whole = typeof of === 'number' ? of : total;
  if (typeof step === 'number' && typeof whole === 'number' && whole > 0) return Math.min(1, Math.max(0, step / whole));
  return undefined;
}

/** One line for a progress update. */
export function formatProgress(value: Json | undefined): string {
  const fraction = progressFraction(value);
  const shown = JSON.stringify(value) ?? 'null';
  if (fraction === undefined) return `progress: ${shown}`;
  const filled = Math.round(fraction * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
  return `progress ${bar} ${String(Math.round(fraction * 100)).padStart(3)}% ${shown}`;
}
