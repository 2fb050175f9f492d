import { describe, expect, it } from 'vitest';
import {
  containsBlock,
  formatCidr,
  formatIpv4,
  hasHostBits,
  isAwsReservedAddress,
  overlaps,
  parseCidr,
  parseIpv4,
} from '../../../cluster-config/cidr.ts';

function cidr(text: string) {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`test CIDR ${text} does not parse`);
  return parsed;
}

describe('parseCidr', () => {
  it('parses a block and derives its network and broadcast addresses', () => {
    const block = cidr('10.4.3.7/16');
    expect([formatIpv4(block.network), formatIpv4(block.broadcast), block.prefix]).toEqual([
      '10.4.0.0',
      '10.4.255.255',
      16,
    ]);
  });

  it.each([
    '10.0.0.0',
    '10.0.0.0/33',
    '10.0.0.256/24',
    '10.0.0/24',
    '010.0.0.0/8',
    '10.0.0.0/08',
    ' 10.0.0.0/8',
  ])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('formats a block with host bits in canonical form', () => {
    expect(formatCidr(cidr('10.4.3.0/16'))).toBe('10.4.0.0/16');
    expect(hasHostBits(cidr('10.4.3.0/16'))).toBe(true);
    expect(hasHostBits(cidr('10.4.0.0/16'))).toBe(false);
  });

  it('parses 0.0.0.0/0 and a /32', () => {
    expect(formatIpv4(cidr('0.0.0.0/0').broadcast)).toBe('255.255.255.255');
    expect(cidr('10.1.2.3/32').network).toBe(parseIpv4('10.1.2.3'));
  });
});

describe('containsBlock', () => {
  it('requires the whole inner block, not only its first address', () => {
    expect(containsBlock(cidr('10.0.0.0/24'), cidr('10.0.0.0/16'))).toBe(false);
    expect(containsBlock(cidr('10.0.0.0/16'), cidr('10.0.255.0/24'))).toBe(true);
  });
});

describe('overlaps', () => {
  it('finds an overlap whichever block is larger', () => {
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.200.0.0/16'))).toBe(true);
    expect(overlaps(cidr('10.200.0.0/16'), cidr('10.0.0.0/8'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/24'), cidr('10.0.1.0/24'))).toBe(false);
  });
});

describe('isAwsReservedAddress', () => {
  it('reserves the first four addresses and the last one of a subnet', () => {
    const subnet = cidr('10.0.0.0/24');
    const reserved = ['10.0.0.0', '10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.255'];
    const free = ['10.0.0.4', '10.0.0.254'];
    expect(reserved.map((ip) => isAwsReservedAddress(subnet, parseIpv4(ip) ?? -1))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(free.map((ip) => isAwsReservedAddress(subnet, parseIpv4(ip) ?? -1))).toEqual([
      false,
      false,
    ]);
  });
});
