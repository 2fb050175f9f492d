import { formatIpv4, parseCidr, parseIpv4 } from '../cluster-config/cidr.ts';
import { ValidationError } from '../lib/errors.ts';

/**
 * The two address computations certificate SANs need, over the config rules' IPv4 parser. Validate
 * has already checked these fields; the errors here guard direct callers of the PKI core.
 */

/** The first usable address of a CIDR: the Kubernetes API service IP of `serviceCIDR`. */
export function firstHostOfCidr(path: string, cidr: string): string {
  const block = parseCidr(cidr);
  if (block === undefined || block.prefix > 30) {
    throw new ValidationError(`${path} must be an IPv4 CIDR of /30 or larger (received ${cidr})`);
  }

  return formatIpv4(block.network + 1);
}

/** `address` plus `offset`, refusing to wrap past 255.255.255.255. */
export function offsetIpv4(path: string, address: string, offset: number): string {
  const base = parseIpv4(address);
  if (base === undefined) {
    throw new ValidationError(`${path} must be an IPv4 address (received ${address})`);
  }
  if (base + offset > 0xffffffff) {
    throw new ValidationError(
      `${path} leaves no room for ${offset + 1} addresses (received ${address})`,
    );
  }

  return formatIpv4(base + offset);
}
