import { describe, expect, it } from 'vitest';
import { firstHostOfCidr, offsetIpv4 } from '../../../pki/ipv4.ts';

describe('IPv4 helpers for certificate SANs', () => {
  it('takes the first host of a CIDR even when the address is not the network address', () => {
    expect(firstHostOfCidr('serviceCIDR', '10.3.0.0/24')).toBe('10.3.0.1');
    expect(firstHostOfCidr('serviceCIDR', '10.3.7.200/16')).toBe('10.3.0.1');
    expect(firstHostOfCidr('serviceCIDR', '172.16.255.255/12')).toBe('172.16.0.1');
  });

  it('rejects a CIDR too small to hold a service address', () => {
    expect(() => firstHostOfCidr('serviceCIDR', '10.3.0.0/31')).toThrow(
      'serviceCIDR must be an IPv4 CIDR of /30 or larger (received 10.3.0.0/31)',
    );
  });

  it('rejects a CIDR with an octet above 255', () => {
    expect(() => firstHostOfCidr('serviceCIDR', '10.300.0.0/24')).toThrow(
      'serviceCIDR must be an IPv4 CIDR of /30 or larger (received 10.300.0.0/24)',
    );
  });

  it('rejects a controllerIP that is not an address', () => {
    expect(() => offsetIpv4('controllerIP', '10.0.0', 0)).toThrow(
      'controllerIP must be an IPv4 address (received 10.0.0)',
    );
  });

  it('counts controller addresses across an octet boundary', () => {
    expect(offsetIpv4('controllerIP', '10.0.0.254', 3)).toBe('10.0.1.1');
  });

  it('refuses to wrap past the last address', () => {
    expect(() => offsetIpv4('controllerIP', '255.255.255.254', 2)).toThrow(
      'controllerIP leaves no room for 3 addresses (received 255.255.255.254)',
    );
  });
});
