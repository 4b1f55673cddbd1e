// Which webhook targets are refused (spec §5). Link-local (cloud metadata at 169.254.169.254) and unspecified
// addresses always are, unless the operator allows them (`server.webhooks.allowAddresses`); with
// `server.webhooks.blockPrivateAddresses`, so are loopback, private, CGNAT, unique-local and other non-public
// ranges. Both also when the address is embedded in an IPv6 address.
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, isIPv4 } from 'node:net';
import ipaddr from 'ipaddr.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Our names for the ranges (the ones of ipaddr.js's own range() lump several of these together). */
function rangeTable(ranges: Record<string, string[]>): Record<string, Cidr[]> {
  return Object.fromEntries(
    Object.entries(ranges).map(([kind, cidrs]) => [kind, cidrs.map((c) => ipaddr.parseCIDR(c))]),
  );
}

const IPV4_RANGES = rangeTable({
  unspecified: ['0.0.0.0/8'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  cgnat: ['100.64.0.0/10'],
  loopback: ['127.0.0.0/8'],
  'link-local': ['169.254.0.0/16'],
  reserved: ['192.0.0.0/24', '240.0.0.0/4'],
  documentation: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
  benchmarking: ['198.18.0.0/15'],
  multicast: ['224.0.0.0/4'],
});

/** Looked at before the embedded IPv4 address: both lie inside the IPv4-compatible ::/96. */
const IPV6_SPECIAL = rangeTable({ unspecified: ['::/128'], loopback: ['::1/128'] });

const IPV6_RANGES = rangeTable({
  private: ['64:ff9b:1::/48'],
  discard: ['100::/64'],
  documentation: ['2001:db8::/32'],
  'unique-local': ['fc00::/7'],
  'link-local': ['fe80::/10'],
  'site-local': ['fec0::/10'],
  multicast: ['ff00::/8'],
});

/** IPv6 ranges that carry an IPv4 address, and at which byte: mapped, compatible, NAT64 (RFC 6052), 6to4. */
const EMBEDDING_IPV4: { range: Cidr; at: number }[] = [
  { range: ipaddr.parseCIDR('::ffff:0:0/96'), at: 12 },
  { range: ipaddr.parseCIDR('::/96'), at: 12 },
  { range: ipaddr.parseCIDR('64:ff9b::/96'), at: 12 },
  { range: ipaddr.parseCIDR('2002::/16'), at: 2 },
];

function kindOf(address: ipaddr.IPv4 | ipaddr.IPv6, table: Record<string, Cidr[]>): string | undefined {
  const kind = ipaddr.subnetMatch(address, table, '');
  return kind === '' ? undefined : kind;
}

/**
 * Why `address` is not a public unicast address ('loopback', 'private', 'link-local', 'cgnat', 'unique-local', ...),
 * or undefined when it is one (or is not an IP address at all).
 */
export function classifyAddress(address: string): string | undefined {
  if (isIP(address.split('%')[0] ?? '') === 0) return undefined;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return kindOf(parsed, IPV4_RANGES);
  const special = kindOf(parsed, IPV6_SPECIAL);
  if (special !== undefined) return special;
  const embedding = EMBEDDING_IPV4.find(({ range }) => parsed.match(range));
  if (embedding) {
    const bytes = parsed.toByteArray().slice(embedding.at, embedding.at + 4);
    return kindOf(ipaddr.fromByteArray(bytes), IPV4_RANGES);
  }
  return kindOf(parsed, IPV6_RANGES);
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
