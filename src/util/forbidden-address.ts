import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whether an IP address is one a server must not be steered into connecting to on someone else's say-so:
 * its own machine, the private network around it, link-local and cloud metadata services. Answers the reason
 * to refuse (for the log), or undefined for an ordinary public address. IPv4 carried inside IPv6 (mapped,
 * compatible, NAT64, 6to4) is judged by the IPv4 address, since that is where the packets end up.
 */

type Range = readonly [base: number, prefixBits: number, reason: string];

// Most specific first: the metadata address sits inside link-local.
const IPV4_RANGES: readonly Range[] = [
  [v4('169.254.169.254'), 32, 'cloud metadata'],
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('100.64.0.0'), 10, 'carrier-grade NAT'],
  // Protocol assignments (NAT64 discovery, some clouds' metadata) and benchmarking nets: never a video host.
  [v4('192.0.0.0'), 24, 'reserved'],
  [v4('198.18.0.0'), 15, 'reserved'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'],
];

/** The AWS metadata service's IPv6 address (inside fc00::/7, named apart for the log). */
const METADATA_V6 = [0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254];

export function forbiddenAddress(address: string): string | undefined {
  const bare = address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) return forbiddenV4(v4(bare));
  if (isIPv6(bare)) return forbiddenV6(v6Groups(bare));
  return 'not an IP address';
}

function forbiddenV4(address: number): string | undefined {
  for (const [base, bits, reason] of IPV4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((address & mask) >>> 0 === base) return reason;
  }
  return undefined;
}

function forbiddenV6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = ((g6 << 16) | g7) >>> 0;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && g7 === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the deprecated compatible form).
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return forbiddenV4(embedded);
  // 64:ff9b::/96, the well-known NAT64 prefix: a translator forwards to the IPv4 address in the last 32 bits.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return forbiddenV4(embedded);
  // 64:ff9b:1::/48 is NAT64 for local use only.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private';
  // 2002::/16, 6to4: the IPv4 address of the relay is in bits 16..48.
  if (g0 === 0x2002) return forbiddenV4(((g1 << 16) | g2) >>> 0);
  if (g.every((x, i) => x === METADATA_V6[i])) return 'cloud metadata';
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  // fec0::/10, the deprecated site-local range, is private by intent.
  if ((g0 & 0xffc0) === 0xfec0) return 'private';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

function v4(dotted: string): number {
  return dotted.split('.').reduce((n, octet) => ((n << 8) | Number(octet)) >>> 0, 0);
}

/** The eight 16-bit groups of a valid IPv6 address (checked by the caller), a dotted IPv4 tail included. */
function v6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = v4(tail);
    text = `${text.slice(0, lastColon + 1)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? front
      : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return groups.map((group) => parseInt(group, 16));
}
