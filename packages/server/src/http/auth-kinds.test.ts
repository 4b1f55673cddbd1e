// Auth for the fleet: admin keys open admin and client routes (never worker ones), and launcher tokens stop
// working once forgotten.
import { describe, expect, it } from 'vitest';
import { Auth } from './auth.js';

const KEYS = [
  {
    name: 'app',
    key: 'client-key-0123456789',
    kind: 'client' as const,
    access: 'read-write' as const,
    endpoints: '*' as const,
  },
  { name: 'ops', key: 'admin-key-0123456789', kind: 'admin' as const, access: 'read-write' as const, endpoints: ['a'] },
];

describe('Auth', () => {
  it('lets admin keys open admin and client routes, whatever their endpoint scope, and no worker route', () => {
    const auth = new Auth(KEYS);
    expect(() => auth.check('Bearer admin-key-0123456789', 'admin', '')).not.toThrow();
    expect(() => auth.check('Bearer client-key-0123456789', 'admin', '')).toThrow('unauthorized');
    expect(() => auth.check('Bearer admin-key-0123456789', 'client-read', 'a')).not.toThrow();
    expect(() => auth.check('Bearer admin-key-0123456789', 'client-write', 'b')).not.toThrow();
    expect(() => auth.check('Bearer admin-key-0123456789', 'worker', 'a')).toThrow('unauthorized');
  });

  it('forgets a launcher token, and only that one', () => {
    const auth = new Auth(KEYS);
    auth.addWorkerToken('a', 'token-one');
    auth.addWorkerToken('a', 'token-two');
    auth.removeWorkerToken('b', 'token-one');
    expect(() => auth.check('token-one', 'worker', 'a')).not.toThrow();
    auth.removeWorkerToken('a', 'token-one');
    expect(() => auth.check('token-one', 'worker', 'a')).toThrow('unauthorized');
    expect(() => auth.check('token-two', 'worker', 'a')).not.toThrow();
  });
});
