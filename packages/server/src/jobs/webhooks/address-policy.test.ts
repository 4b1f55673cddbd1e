import { describe, expect, it } from 'vitest';
import { classifyAddress, vetTarget } from './address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'site-local'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '192.169.0.1',
    '11.0.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    'fbff::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('says nothing about host names', () => {
    expect(classifyAddress('localhost')).toBeUndefined();
  });
});

describe('vetTarget', () => {
  const lookup = (answers: Record<string, string[]>) => (host: string) =>
    Promise.resolve((answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it('returns every address of a public host, to connect to those only', async () => {
    const verdict = await vetTarget(
      new URL('https://hooks.test/x'),
      lookup({ 'hooks.test': ['8.8.8.8', '2606:4700::1'] }),
    );
    expect(verdict).toEqual({
      addresses: [
        { address: '8.8.8.8', family: 4 },
        { address: '2606:4700::1', family: 6 },
      ],
    });
  });

  it('refuses a host when any of its addresses is not public', async () => {
    const verdict = await vetTarget(new URL('https://mixed.test/x'), lookup({ 'mixed.test': ['8.8.8.8', '10.0.0.7'] }));
    expect(verdict).toEqual({ refused: 'mixed.test resolves to 10.0.0.7 (private)' });
  });

  it('checks IP literals without a lookup, brackets and all', async () => {
    const none = () => Promise.reject(new Error('no lookup expected'));
    expect(await vetTarget(new URL('http://[::1]:8080/x'), none)).toEqual({
      refused: '::1 resolves to ::1 (loopback)',
    });
    expect(await vetTarget(new URL('http://169.254.169.254/latest'), none)).toMatchObject({ refused: /link-local/ });
    expect(await vetTarget(new URL('http://8.8.4.4/'), none)).toEqual({
      addresses: [{ address: '8.8.4.4', family: 4 }],
    });
  });

  it('fails (to be retried) when the host has no address', async () => {
    await expect(vetTarget(new URL('https://nowhere.test/'), lookup({}))).rejects.toThrow(/no addresses/);
  });
});
