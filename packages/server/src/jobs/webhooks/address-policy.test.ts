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
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['::a9fe:a9fe', 'link-local'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b:1::1', 'private'],
    ['100::1', 'discard'],
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
    '2002:808:808::1',
    'fbff::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('says nothing about host names', () => {
    expect(classifyAddress('localhost')).toBeUndefined();
  });
});

describe('vetTarget', () => {
  const BLOCK = { blockPrivateAddresses: true };
  const lookup = (answers: Record<string, string[]>) => (host: string) =>
    Promise.resolve((answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

  it('returns every address of a public host, to connect to those only', async () => {
    const verdict = await vetTarget(
      new URL('https://hooks.test/x'),
      BLOCK,
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
    const verdict = await vetTarget(
      new URL('https://mixed.test/x'),
      BLOCK,
      lookup({ 'mixed.test': ['8.8.8.8', '10.0.0.7'] }),
    );
    expect(verdict).toEqual({ refused: 'mixed.test resolves to 10.0.0.7 (private)' });
  });

  it('checks IP literals without a lookup, brackets and all', async () => {
    const none = () => Promise.reject(new Error('no lookup expected'));
    expect(await vetTarget(new URL('http://[::1]:8080/x'), BLOCK, none)).toEqual({
      refused: '::1 resolves to ::1 (loopback)',
    });
    expect(await vetTarget(new URL('http://169.254.169.254/latest'), BLOCK, none)).toMatchObject({
      refused: /link-local/,
    });
    expect(await vetTarget(new URL('http://8.8.4.4/'), BLOCK, none)).toEqual({
      addresses: [{ address: '8.8.4.4', family: 4 }],
    });
  });

  it('fails (to be retried) when the host has no address', async () => {
    await expect(vetTarget(new URL('https://nowhere.test/'), BLOCK, lookup({}))).rejects.toThrow(/no addresses/);
  });
});

describe('vetTarget without blockPrivateAddresses (issue #12 item 9)', () => {
  const OPEN = { blockPrivateAddresses: false };
  const none = () => Promise.reject(new Error('no lookup expected'));
  const resolvesTo = (address: string) => () => Promise.resolve([{ address, family: address.includes(':') ? 6 : 4 }]);

  it('refuses the cloud metadata address and every other link-local or unspecified target', async () => {
    for (const target of [
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/',
      'http://0.0.0.0:8080/',
      'http://[::]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      expect(await vetTarget(new URL(target), OPEN, none), target).toMatchObject({ refused: /link-local|unspecified/ });
    }
  });

  it('refuses a host name that resolves to the metadata address', async () => {
    const verdict = await vetTarget(new URL('http://metadata.test/'), OPEN, resolvesTo('169.254.169.254'));
    expect(verdict).toEqual({ refused: 'metadata.test resolves to 169.254.169.254 (link-local)' });
  });

  it('still lets loopback and private targets through', async () => {
    expect(await vetTarget(new URL('http://127.0.0.1:9999/'), OPEN, none)).toEqual({
      addresses: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(await vetTarget(new URL('http://lan.test/'), OPEN, resolvesTo('10.0.0.7'))).toMatchObject({
      addresses: [{ address: '10.0.0.7' }],
    });
  });

  it('lets through addresses and ranges the operator allows, and nothing else of their kind', async () => {
    const rules = { blockPrivateAddresses: false, allowAddresses: ['169.254.10.0/24', 'fe80::7'] };
    expect(await vetTarget(new URL('http://169.254.10.20/'), rules, none)).toHaveProperty('addresses');
    expect(await vetTarget(new URL('http://[fe80::7]/'), rules, none)).toHaveProperty('addresses');
    expect(await vetTarget(new URL('http://169.254.169.254/'), rules, none)).toHaveProperty('refused');
    const blocking = { blockPrivateAddresses: true, allowAddresses: ['10.0.0.0/8'] };
    expect(await vetTarget(new URL('http://10.1.2.3/'), blocking, none)).toHaveProperty('addresses');
    expect(await vetTarget(new URL('http://192.168.1.1/'), blocking, none)).toHaveProperty('refused');
  });
});
