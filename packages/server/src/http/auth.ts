// API key and worker token checks (spec §1.2). Client keys open client routes within their scope; worker
// tokens open worker routes of their endpoint; neither opens the other's; admin keys open /admin and client
// routes. A launcher token also names its worker: it opens only the worker routes of that worker id. Keys are
// compared in constant time and never logged. With no keys configured, auth is off (development mode).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SluiceError } from '@sluice/protocol';
import type { ApiKeyConfig } from '../config/config-schema.js';

/** `admin`: the operator API under /admin (fleet, settings, reload), opened only by `admin` keys. */
const SIGNED_PREFIX = 'swt1.';
/** Signed launcher tokens that name their worker: `swt2.<endpoint>.<worker id>.<nonce>.<hmac>`. */
const BOUND_PREFIX = 'swt2.';

export type RouteKind = 'client-read' | 'client-write' | 'worker' | 'admin';

interface Credential {
  digest: Buffer;
  kind: 'client' | 'worker' | 'admin';
  access: 'read-write' | 'read-only';
  endpoints: '*' | Set<string>;
  /** A launcher token's worker: its worker routes open only under this id. Shared worker keys have none. */
  workerId?: string;
}

/** What a credential check found: allowed, no credential for it, or a worker token used under another id. */
type Verdict = 'granted' | 'denied' | 'wrong-worker';

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

  /**
   * A token for one launched worker, valid on the worker routes of `endpointId` only and, when `workerId` is
   * given, only under that worker id: one worker cannot post for, or stop, another.
   */
  issueWorkerToken(endpointId: string, workerId?: string): string {
    const nonce = randomBytes(18).toString('base64url');
    if (this.workerTokenSecret === undefined) {
      this.addWorkerToken(endpointId, nonce, workerId);
      return nonce;
    }
    const scope = Buffer.from(endpointId).toString('base64url');
    if (workerId === undefined) return `${SIGNED_PREFIX}${scope}.${nonce}.${this.sign(scope, nonce)}`;
    const worker = Buffer.from(workerId).toString('base64url');
    return `${BOUND_PREFIX}${scope}.${worker}.${nonce}.${this.sign(`${scope}.${worker}`, nonce)}`;
  }

  /** Registers a worker token for one endpoint, and for one worker id when given. */
  addWorkerToken(endpointId: string, token: string, workerId?: string): void {
    this.credentials.push({
      digest: digest(token),
      kind: 'worker',
      access: 'read-write',
      endpoints: new Set([endpointId]),
      ...(workerId === undefined ? {} : { workerId }),
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

  /**
   * Throws 401 unless the header grants `kind` on `endpointId`, or 403 when it is a launcher token of another
   * worker than `workerId` (the worker id in a worker route's path).
   */
  check(header: string | string[] | undefined, kind: RouteKind, endpointId: string, workerId?: string): void {
    if (!this.enabled) return;
    const key = credentialFrom(header);
    if (key !== undefined) {
      const stored = this.verdict(digest(key), kind, endpointId, workerId);
      const verdict = stored === 'denied' ? this.signedVerdict(key, kind, endpointId, workerId) : stored;
      if (verdict === 'granted') return;
      if (verdict === 'wrong-worker') throw new SluiceError('ERR_AUTH_WRONG_WORKER');
    }
    throw new SluiceError('ERR_AUTH_UNAUTHORIZED');
  }

  /**
   * Whether the header may change jobs of `endpointId`: auth is off, or it is a read-write client key. Routes
   * open to read-only keys ask this before anything that would change a job or what another reader gets.
   */
  canWrite(header: string | string[] | undefined, endpointId: string): boolean {
    if (!this.enabled) return true;
    const key = credentialFrom(header);
    return key !== undefined && this.verdict(digest(key), 'client-write', endpointId) === 'granted';
  }

  private sign(scope: string, nonce: string): string {
    return createHmac('sha256', this.workerTokenSecret ?? '')
      .update(`${scope}.${nonce}`)
      .digest('base64url');
  }

  /**
   * A signed launcher token opens the worker routes of its endpoint: `swt2.<endpoint>.<worker>.<nonce>.<hmac>`
   * under its worker id only; `swt1.<endpoint>.<nonce>.<hmac>` (issued before tokens named their worker) under any.
   */
  private signedVerdict(token: string, kind: RouteKind, endpointId: string, workerId?: string): Verdict {
    if (this.workerTokenSecret === undefined || kind !== 'worker') return 'denied';
    const bound = token.startsWith(BOUND_PREFIX);
    if (!bound && !token.startsWith(SIGNED_PREFIX)) return 'denied';
    const parts = token.slice(SIGNED_PREFIX.length).split('.');
    const [scope, worker] = parts;
    if (parts.length !== (bound ? 4 : 3) || scope === undefined || worker === undefined) return 'denied';
    const [nonce, mac] = parts.slice(bound ? 2 : 1);
    if (nonce === undefined || mac === undefined) return 'denied';
    if (Buffer.from(scope, 'base64url').toString() !== endpointId) return 'denied';
    const signed = bound ? `${scope}.${worker}` : scope;
    if (!timingSafeEqual(digest(mac), digest(this.sign(signed, nonce)))) return 'denied';
    return !bound || Buffer.from(worker, 'base64url').toString() === workerId ? 'granted' : 'wrong-worker';
  }

  private verdict(candidate: Buffer, kind: RouteKind, endpointId: string, workerId?: string): Verdict {
    let verdict: Verdict = 'denied';
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
      if (!scopeOk || !kindOk) continue;
      if (cred.workerId === undefined || cred.workerId === workerId) verdict = 'granted';
      else if (verdict === 'denied') verdict = 'wrong-worker';
    }
    return verdict;
  }
}
