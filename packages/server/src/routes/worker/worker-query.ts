// Reading the query parameters runpod-python adds to worker URLs (spec §6): last value wins, junk ignored.
import type { RouteContext } from '../../http/define-route.js';

export function queryValue(ctx: RouteContext, name: string): string | undefined {
  const raw = ctx.query[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

/** `gpu` is informational and becomes the worker's label (spec §6.1). */
export function gpuLabel(ctx: RouteContext): string | undefined {
  const gpu = queryValue(ctx, 'gpu');
  return gpu ? gpu.slice(0, 128) : undefined;
}
