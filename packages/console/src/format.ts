// How the console writes times, durations and sizes.

export function duration(ms: number | null | undefined): string {
  if (ms === undefined || ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function time(at: number | null | undefined): string {
  if (at === undefined || at === null) return '–';
  const d = new Date(at);
  const sameDay = d.toDateString() === new Date().toDateString();
  const clock = d.toLocaleTimeString(undefined, { hour12: false });
  return sameDay ? clock : `${d.toLocaleDateString()} ${clock}`;
}

export function ago(at: number | undefined, now = Date.now()): string {
  return at === undefined ? '–' : `${duration(Math.max(0, now - at))} ago`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A worker's error is often runpod-python's JSON ({error_type, error_message, error_traceback}) or "handler: …\ntraceback: …". */
export function splitError(error: string): { message: string; traceback?: string } {
  try {
    const parsed = JSON.parse(error) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object') {
      const message = [parsed['error_type'], parsed['error_message']].filter((v) => typeof v === 'string').join(': ');
      const traceback = typeof parsed['error_traceback'] === 'string' ? parsed['error_traceback'] : undefined;
      if (message || traceback) return { message: message || error, traceback };
    }
  } catch {
    // Plain text.
  }
  const match = /^([\s\S]*?)\s*\ntraceback: ([\s\S]*)$/.exec(error);
  return match ? { message: match[1] ?? error, traceback: match[2] } : { message: error };
}

/** How far a progress value says the job is, 0..1: from `percent`, or `step` of `of` (or `total`). */
export function progressFraction(output: unknown): number | undefined {
  if (!output || typeof output !== 'object') return undefined;
  const p = output as Record<string, unknown>;
  if (typeof p['percent'] === 'number') return Math.min(1, Math.max(0, p['percent'] / 100));
  const total = typeof p['of'] === 'number' ? p['of'] : p['total'];
  if (typeof p['step'] === 'number' && typeof total === 'number' && total > 0) return Math.min(1, p['step'] / total);
  return undefined;
}
