// The console's only way to the server: fetch() on the public and admin HTTP APIs, with the operator's key
// (kept in sessionStorage, never in the page) as `Authorization: Bearer`. A 401 forgets the key and asks again.

const KEY_NAME = 'sluice.console.key';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `hadKey`: a key was sent and refused (rather than none sent to a server that wants one). */
type Listener = (hadKey: boolean) => void;
const unauthorizedListeners = new Set<Listener>();

export const credentials = {
  get(): string | null {
    return sessionStorage.getItem(KEY_NAME);
  },
  set(key: string): void {
    sessionStorage.setItem(KEY_NAME, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY_NAME);
  },
  /** Called when the server refuses the key (or asks for one). Returns an unsubscribe function. */
  onUnauthorized(listener: Listener): () => void {
    unauthorizedListeners.add(listener);
    return () => unauthorizedListeners.delete(listener);
  },
};

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const key = credentials.get();
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

/** Turns a non-2xx answer into an ApiError (and a 401 into a new key prompt). */
export async function failure(response: Response): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let code: string | undefined;
  try {
    const body = (await response.json()) as { error?: unknown; code?: unknown };
    if (typeof body.error === 'string') message = body.error;
    if (typeof body.code === 'string') code = body.code;
  } catch {
    // Not JSON: the status line says enough.
  }
  if (response.status === 401) {
    const hadKey = credentials.get() !== null;
    credentials.clear();
    for (const listener of unauthorizedListeners) listener(hadKey);
  }
  return new ApiError(response.status, message, code);
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const hasBody = options.body !== undefined;
  const response = await fetch(path, {
    method,
    headers: authHeaders(hasBody ? { 'content-type': 'application/json' } : {}),
    body: hasBody ? JSON.stringify(options.body) : undefined,
    signal: options.signal,
    cache: 'no-store',
  });
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const enc = encodeURIComponent;

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.code ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** A route the server does not have (an older server, or history turned off) answers this. */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && error.code === 'ERR_ROUTE_NOT_FOUND';
}
