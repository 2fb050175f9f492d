/**
 * A small IPv4 CIDR toolkit for the cluster.yaml rules. Addresses are unsigned 32-bit numbers;
 * a block is its first address plus prefix length. Unlike kube-aws, containment and overlap
 * compare whole blocks, not just the first address of one of them.
 */

export interface Cidr {
  /** The address as written (host bits may be set). */
  address: number;
  prefix: number;
  /** First address of the block (host bits cleared). */
  network: number;
  /** Last address of the block. */
  broadcast: number;
}

const IPV4_PATTERN = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const CIDR_PATTERN = /^([0-9.]+)\/(\d{1,2})$/;

/** Parses dotted-quad IPv4 text; undefined for anything else (no leading zeros, no ranges). */
export function parseIpv4(text: string): number | undefined {
  const match = IPV4_PATTERN.exec(text);
  if (match === null) return undefined;

  let value = 0;
  for (const part of match.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }

  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/n`; undefined when the text is not an IPv4 CIDR. */
export function parseCidr(text: string): Cidr | undefined {
  const match = CIDR_PATTERN.exec(text);
  if (match === null) return undefined;

  const address = parseIpv4(match[1] ?? '');
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32 || (match[2]?.length === 2 && match[2][0] === '0')) {
    return undefined;
  }
  const size = 2 ** (32 - prefix);
  const network = address - (address % size);

  return { address, prefix, network, broadcast: network + size - 1 };
}

/** The canonical text of a block: `10.4.3.0/16` becomes `10.4.0.0/16`. */
export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function hasHostBits(cidr: Cidr): boolean {
  return cidr.address !== cidr.network;
}

/** Whether every address of `inner` lies in `outer`. */
export function containsBlock(outer: Cidr, inner: Cidr): boolean {
  return outer.network <= inner.network && inner.broadcast <= outer.broadcast;
}

export function containsAddress(block: Cidr, address: number): boolean {
  return block.network <= address && address <= block.broadcast;
}

/** Whether the two blocks share at least one address, whichever of them is larger. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.network <= b.broadcast && b.network <= a.broadcast;
}

/**
 * Whether AWS keeps `address` for itself in a VPC subnet: the first four addresses (network,
 * router, DNS, future use) and the last one.
 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 */
export function isAwsReservedAddress(subnet: Cidr, address: number): boolean {
  return address < subnet.network + 4 || address === subnet.broadcast;
}
