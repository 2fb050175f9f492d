import { ValidationError } from '../lib/errors.ts';

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number. */
export function parseIpv4(path: string, address: string): number {
  const parts = address.split('.');
  const octets = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  if (octets.length !== 4 || octets.some((octet) => Number.isNaN(octet) || octet > 255)) {
    throw new ValidationError(`${path} must be an IPv4 address (received ${address})`);
  }

  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The first usable address of a CIDR: the Kubernetes API service IP of `serviceCIDR`. */
export function firstHostOfCidr(path: string, cidr: string): string {
  const [address = '', prefixText = ''] = cidr.split('/');
  const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (Number.isNaN(prefix) || prefix > 30) {
    throw new ValidationError(`${path} must be an IPv4 CIDR of /30 or larger (received ${cidr})`);
  }
  const base = parseIpv4(path, address);
  const size = 2 ** (32 - prefix);

  return formatIpv4(base - (base % size) + 1);
}

/** `address` plus `offset`, refusing to wrap past 255.255.255.255. */
export function offsetIpv4(path: string, address: string, offset: number): string {
  const value = parseIpv4(path, address) + offset;
  if (value > 0xffffffff) {
    throw new ValidationError(
      `${path} leaves no room for ${offset + 1} addresses (received ${address})`,
    );
  }

  return formatIpv4(value);
}
