// The one test for "a JSON object" used by the server, the worker SDK and the client SDK.

/**
 * A plain object: what JSON.parse makes of `{...}` and what Python calls a `dict`; not an array, nor a Date,
 * Map or class instance (which JSON.stringify would not round-trip).
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
