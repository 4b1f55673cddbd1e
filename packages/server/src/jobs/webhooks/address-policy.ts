// Which webhook targets are refused (spec §5). Link-local (cloud metadata at 169.254.169.254) and unspecified
// addresses always are, unless the operator allows them (`server.webhooks.allowAddresses`); with
// `server.webhooks.blockPrivateAddresses`, so are loopback, private, CGNAT, unique-local and other non-public
// ranges. Both also when the address is embedded in an IPv6 address.
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';

interface Range {
  prefix: number[];
  bits: number;
  kind: string;
}

const IPV4_RANGES: Range[] = [
  { prefix: [0], bits: 8, kind: 'unspecified' },
  { prefix: [10], bits: 8, kind: 'private' },
  { prefix: [100, 64], bits: 10, kind: 'cgnat' },
  { prefix: [127], bits: 8, kind: 'loopback' },
  { prefix: [169, 254], bits: 16, kind: 'link-local' },
  { prefix: [172, 16], bits: 12, kind: 'private' },
  { prefix: [192, 0, 0], bits: 24, kind: 'reserved' },
  { prefix: [192, 0, 2], bits: 24, kind: 'documentation' },
  { prefix: [192, 168], bits: 16, kind: 'private' },
  { prefix: [198, 18], bits: 15, kind: 'benchmarking' },
  { prefix: [198, 51, 100], bits: 24, kind: 'documentation' },
  { prefix: [203, 0, 113], bits: 24, kind: 'documentation' },
  { prefix: [224], bits: 4, kind: 'multicast' },
  { prefix: [240], bits: 4, kind: 'reserved' },
];

const IPV6_RANGES: Range[] = [
  { prefix: [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], bits: 48, kind: 'private' },
  { prefix: [0x01, 0x00, 0, 0, 0, 0, 0, 0], bits: 64, kind: 'discard' },
  { prefix: [0x20, 0x01, 0x0d, 0xb8], bits: 32, kind: 'documentation' },
  { prefix: [0xfc], bits: 7, kind: 'unique-local' },
  { prefix: [0xfe, 0x80], bits: 10, kind: 'link-local' },
  { prefix: [0xfe, 0xc0], bits: 10, kind: 'site-local' },
  { prefix: [0xff], bits: 8, kind: 'multicast' },
];

/** IPv6 prefixes that carry an IPv4 address, and where: mapped, compatible, NAT64, 6to4. */
const EMBEDDING_IPV4: { prefix: number[]; bits: number; at: number }[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], bits: 96, at: 12 },
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96, at: 12 },
  { prefix: [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96, at: 12 },
  { prefix: [0x20, 0x02], bits: 16, at: 2 },
];

function matches(bytes: Uint8Array, prefix: number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const i = bit / 8;
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

/** 16 bytes of a valid IPv6 address (zone id dropped, trailing dotted quad allowed). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address.split('%')[0] ?? '';
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(tail);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups].map((g) => parseInt(g, 16));
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function classifyIpv4Bytes(bytes: Uint8Array): string | undefined {
  return IPV4_RANGES.find((r) => matches(bytes, r.prefix, r.bits))?.kind;
}

/**
 * Why `address` is not a public unicast address ('loopback', 'private', 'link-local', 'cgnat', 'unique-local', ...),
 * or undefined when it is one (or is not an IP address at all).
 */
export function classifyAddress(address: string): string | undefined {
  if (isIPv4(address)) return classifyIpv4Bytes(ipv4Bytes(address));
  if (!isIPv6(address)) return undefined;
  const bytes = ipv6Bytes(address);
  if (bytes.every((b) => b === 0)) return 'unspecified';
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return 'loopback';
  for (const embedding of EMBEDDING_IPV4) {
    if (matches(bytes, embedding.prefix, embedding.bits)) {
      return classifyIpv4Bytes(bytes.slice(embedding.at, embedding.at + 4));
    }
  }
  return IPV6_RANGES.find((r) => matches(bytes, r.prefix, r.bits))?.kind;
}

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

export const lookupAll: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type TargetVerdict = { addresses: LookupAddress[] } | { refused: string };

/** Kinds refused whatever `blockPrivateAddresses` says: no webhook has a reason to reach them. */
const ALWAYS_REFUSED = new Set(['link-local', 'unspecified']);

export interface AddressRules {
  blockPrivateAddresses: boolean;
  /** Addresses and CIDR ranges let through whatever their kind (checked by the config schema). */
  allowAddresses?: readonly string[];
}

function allowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Resolves the URL's host to all its addresses and refuses it if any is one `rules` refuse. The caller connects
 * only to the addresses returned, so a second DNS answer cannot swap in a refused address (DNS rebinding).
 */
export async function vetTarget(url: URL, rules: AddressRules, lookup: LookupAll = lookupAll): Promise<TargetVerdict> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  const addresses = family !== 0 ? [{ address: host, family }] : await lookup(host);
  if (addresses.length === 0) throw new Error(`${host} has no addresses`);
  const allowed = allowList(rules.allowAddresses ?? []);
  for (const { address, family: addressFamily } of addresses) {
    const kind = classifyAddress(address);
    if (kind === undefined || (!rules.blockPrivateAddresses && !ALWAYS_REFUSED.has(kind))) continue;
    const bare = address.split('%')[0] ?? address;
    if (allowed.check(bare, addressFamily === 6 ? 'ipv6' : 'ipv4')) continue;
    return { refused: `${host} resolves to ${address} (${kind})` };
  }
  return { addresses };
}
