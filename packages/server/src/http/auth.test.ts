import { describe, expect, it } from 'vitest';
import { Auth, credentialFrom } from './auth.js';

const CLIENT = {
  name: 'app',
  key: 'client-key-0123456789',
  kind: 'client',
  access: 'read-write',
  endpoints: '*',
} as const;
const SECRET = 'a-shared-secret-of-at-least-32-characters';

function allowed(auth: Auth, token: string, kind: 'worker' | 'client-read', endpointId: string): boolean {
  try {
    auth.check(`Bearer ${token}`, kind, endpointId);
    return true;
  } catch {
    return false;
  }
}

describe('Auth', () => {
  it('reads Bearer and raw Authorization values', () => {
    expect(credentialFrom('Bearer abc')).toBe('abc');
    expect(credentialFrom('  BEARER   abc ')).toBe('abc');
    expect(credentialFrom('abc')).toBe('abc');
    expect(credentialFrom(undefined)).toBeUndefined();
  });

  it('remembers launcher tokens per server when no secret is set', () => {
    const a = new Auth([CLIENT]);
    const token = a.issueWorkerToken('ep');
    expect(allowed(a, token, 'worker', 'ep')).toBe(true);
    expect(allowed(a, token, 'worker', 'other')).toBe(false);
    expect(allowed(a, token, 'client-read', 'ep')).toBe(false);
    expect(allowed(new Auth([CLIENT]), token, 'worker', 'ep')).toBe(false);
    a.removeWorkerToken('ep', token);
    expect(allowed(a, token, 'worker', 'ep')).toBe(false);
  });

  it('accepts a signed launcher token on every server sharing the secret, for its endpoint only', () => {
    const token = new Auth([CLIENT], SECRET).issueWorkerToken('ep');
    const other = new Auth([CLIENT], SECRET);
    expect(allowed(other, token, 'worker', 'ep')).toBe(true);
    expect(allowed(other, token, 'worker', 'ep2')).toBe(false);
    expect(allowed(other, token, 'client-read', 'ep')).toBe(false);
    expect(allowed(new Auth([CLIENT], `${SECRET}-different`), token, 'worker', 'ep')).toBe(false);
    const [prefix, scope, nonce] = token.split('.');
    expect(allowed(other, `${prefix}.${scope}.${nonce}.forged`, 'worker', 'ep')).toBe(false);
    const otherScope = Buffer.from('ep2').toString('base64url');
    expect(allowed(other, token.replace(`.${scope}.`, `.${otherScope}.`), 'worker', 'ep2')).toBe(false);
  });
});
