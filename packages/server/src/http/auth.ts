// API key and worker token checks (spec §1.2). Client keys open client routes within their scope; worker
// tokens open worker routes of their endpoint; neither opens the other's; admin keys open /admin and client routes. Keys are compared in constant
// time and never logged. With no keys configured, auth is off (development mode).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ERROR_TEXT, SluiceError } from '@sluice/protocol';
import type { ApiKeyConfig } from '../config/config-schema.js';

/** `admin`: the operator API under /admin (fleet, settings, reload), opened only by `admin` keys. */
const SIGNED_PREFIX = 'swt1.';

export type RouteKind = 'client-read' | 'client-write' | 'worker' | 'admin';

interface Credential {
  digest: Buffer;
  kind: 'client' | 'worker' | 'admin';
  access: 'read-write' | 'read-only';
  endpoints: '*' | Set<string>;
}

/** A SHA-256 digest makes every comparison the same length, so timingSafeEqual applies and leaks no length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The key from `Authorization: Bearer <key>` or a raw `Authorization: <key>` (spec §1.2). */
export function credentialFrom(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  const match = /^bearer\s+(.+)$/i.exec(value);
  return (match?.[1] ?? value).trim();
}

export class Auth {
  private readonly credentials: Credential[] = [];
  /** Auth is on once any key is configured; launcher tokens alone do not turn it on. */
  readonly enabled: boolean;

  /**
   * @param workerTokenSecret when set, launcher tokens are signed with it instead of remembered, so every
   *   server sharing the secret (and the store) accepts the workers any of them launched.
   */
  constructor(
    keys: ApiKeyConfig[],
    private readonly workerTokenSecret?: string,
  ) {
    this.enabled = keys.length > 0;
    for (const key of keys) {
      this.credentials.push({
        digest: digest(key.key),
        kind: key.kind,
        access: key.access,
        endpoints: key.endpoints === '*' ? '*' : new Set(key.endpoints),
      });
    }
  }

  /** A token for one launched worker, valid on the worker routes of `endpointId` only. */
  issueWorkerToken(endpointId: string): string {
    const nonce = randomBytes(18).toString('base64url');
    if (this.workerTokenSecret === undefined) {
      this.addWorkerToken(endpointId, nonce);
      return nonce;
    }
    const scope = Buffer.from(endpointId).toString('base64url');
    return `${SIGNED_PREFIX}${scope}.${nonce}.${this.sign(scope, nonce)}`;
  }

  /** Registers a worker token for one endpoint. */
  addWorkerToken(endpointId: string, token: string): void {
    this.credentials.push({
      digest: digest(token),
      kind: 'worker',
      access: 'read-write',
      endpoints: new Set([endpointId]),
    });
  }

  /** Forgets a launcher-issued token once its worker has exited (autoscaled fleets churn through many). */
  removeWorkerToken(endpointId: string, token: string): void {
    const target = digest(token);
    const i = this.credentials.findIndex(
      (c) => c.kind === 'worker' && c.endpoints !== '*' && c.endpoints.has(endpointId) && c.digest.equals(target),
    );
    if (i >= 0) this.credentials.splice(i, 1);
  }

  /** Throws 401 unless the header grants `kind` on `endpointId`. */
  check(header: string | string[] | undefined, kind: RouteKind, endpointId: string): void {
    if (!this.enabled) return;
    const key = credentialFrom(header);
    if (key !== undefined && (this.allows(digest(key), kind, endpointId) || this.signedAllows(key, kind, endpointId))) {
      return;
    }
    throw new SluiceError('ERR_AUTH_UNAUTHORIZED', ERROR_TEXT.unauthorized);
  }

  private sign(scope: string, nonce: string): string {
    return createHmac('sha256', this.workerTokenSecret ?? '')
      .update(`${scope}.${nonce}`)
      .digest('base64url');
  }

  /** A signed launcher token (`swt1.<endpoint>.<nonce>.<hmac>`) opens the worker routes of its endpoint. */
  private signedAllows(token: string, kind: RouteKind, endpointId: string): boolean {
    if (this.workerTokenSecret === undefined || kind !== 'worker' || !token.startsWith(SIGNED_PREFIX)) return false;
    const [scope, nonce, mac, extra] = token.slice(SIGNED_PREFIX.length).split('.');
    if (scope === undefined || nonce === undefined || mac === undefined || extra !== undefined) return false;
    if (Buffer.from(scope, 'base64url').toString() !== endpointId) return false;
    return timingSafeEqual(digest(mac), digest(this.sign(scope, nonce)));
  }

  private allows(candidate: Buffer, kind: RouteKind, endpointId: string): boolean {
    let granted = false;
    // Every credential is compared, so the time taken does not tell which one matched.
    for (const cred of this.credentials) {
      if (!timingSafeEqual(cred.digest, candidate)) continue;
      // Admin keys act on the whole server: their `endpoints` scope does not apply. They also open every client
      // route, so the web console can submit, cancel and retry with the one key its operator typed in.
      const scopeOk = cred.kind === 'admin' || cred.endpoints === '*' || cred.endpoints.has(endpointId);
      const kindOk =
        kind === 'worker' || kind === 'admin'
          ? cred.kind === kind
          : cred.kind === 'admin' ||
            (cred.kind === 'client' && (kind === 'client-read' || cred.access === 'read-write'));
      if (scopeOk && kindOk) granted = true;
    }
    return granted;
  }
}
