import {
  type Cidr,
  containsAddress,
  containsBlock,
  formatCidr,
  formatIpv4,
  hasHostBits,
  isAwsReservedAddress,
  overlaps,
  parseCidr,
  parseIpv4,
} from '../cidr.ts';
import { formatReceived } from '../describe-schema-issue.ts';
import type { ConfigPath } from '../yaml-source.ts';
import { formatPath } from '../yaml-source.ts';
import { isRegionName } from './identity-rules.ts';
import type { RuleContext } from './rule-context.ts';

/** VPC, subnets, controller addresses and the cluster-internal pod and service ranges. */

interface PrefixRange {
  min: number;
  max: number;
}

/** AWS accepts VPC and subnet blocks from /16 to /28. */
const VPC_PREFIXES: PrefixRange = { min: 16, max: 28 };
/** The API server refuses service ranges above 2^20 addresses; /28 still leaves room for DNS. */
const SERVICE_PREFIXES: PrefixRange = { min: 12, max: 28 };
/** Every node takes a /24 of the pod range. */
const POD_PREFIXES: PrefixRange = { min: 8, max: 24 };
const ANY_PREFIX: PrefixRange = { min: 0, max: 32 };
/** Controllers beyond this many are not checked one by one (the count is validated elsewhere). */
const MAX_CONTROLLERS_CHECKED = 256;

interface PlacedSubnet {
  path: ConfigPath;
  cidr: Cidr;
}

export function checkNetwork(context: RuleContext): void {
  const { config } = context;
  const vpc = checkCidr(context, ['vpcCIDR'], config.vpcCIDR, VPC_PREFIXES);
  const subnets = checkSubnets(context, vpc);
  checkControllerAddresses(context, subnets);

  const pods = checkCidr(context, ['podCIDR'], config.podCIDR, POD_PREFIXES);
  const services = checkCidr(context, ['serviceCIDR'], config.serviceCIDR, SERVICE_PREFIXES);
  if (vpc && services) checkDisjoint(context, ['serviceCIDR'], services, ['vpcCIDR'], vpc);
  if (vpc && pods) checkDisjoint(context, ['podCIDR'], pods, ['vpcCIDR'], vpc);
  if (pods && services) checkDisjoint(context, ['podCIDR'], pods, ['serviceCIDR'], services);
  if (services) checkDnsServiceIp(context, services);

  for (const key of ['apiAccessAllowedSourceCIDRs', 'sshAccessAllowedSourceCIDRs'] as const) {
    config[key].forEach((text, index) => {
      checkCidr(context, [key, index], text, ANY_PREFIX);
    });
  }
}

/** Parses a CIDR key, reporting format, host bits and size; undefined when unusable. */
function checkCidr(
  context: RuleContext,
  path: ConfigPath,
  text: string,
  prefixes: PrefixRange,
): Cidr | undefined {
  const name = formatPath(path);
  if (text === '') {
    context.error('required-key', path, `${name} must be set`);
    return undefined;
  }
  const cidr = parseCidr(text);
  if (cidr === undefined) {
    context.error(
      'cidr-format',
      path,
      `${name} must be an IPv4 CIDR such as 10.0.0.0/16 (received ${formatReceived(text)})`,
    );
    return undefined;
  }
  if (hasHostBits(cidr)) {
    context.error(
      'cidr-host-bits',
      path,
      `${name} must be a network address without host bits (received ${formatReceived(text)}); use ${formatCidr(cidr)}`,
    );
  }
  if (cidr.prefix < prefixes.min || cidr.prefix > prefixes.max) {
    context.error(
      'cidr-size',
      path,
      `${name} must have a prefix length from /${prefixes.min} to /${prefixes.max} (received ${formatReceived(text)})`,
    );
  }

  return cidr;
}

function checkSubnets(context: RuleContext, vpc: Cidr | undefined): PlacedSubnet[] {
  const { config } = context;
  const placed: PlacedSubnet[] = [];
  if (config.subnets.length === 0) {
    checkAvailabilityZone(context, ['availabilityZone'], config.availabilityZone, [['subnets']]);
    const cidr = checkCidr(context, ['instanceCIDR'], config.instanceCIDR, VPC_PREFIXES);
    if (cidr) placed.push({ path: ['instanceCIDR'], cidr });
  } else {
    for (const key of ['instanceCIDR', 'availabilityZone'] as const) {
      if (config[key] === '') continue;
      context.error(
        key === 'instanceCIDR' ? 'instance-cidr-with-subnets' : 'availability-zone-with-subnets',
        [key],
        `${key} must be empty when subnets is set (received ${formatReceived(config[key])}); move it into subnets`,
        [['subnets']],
      );
    }
    config.subnets.forEach((subnet, index) => {
      const path = ['subnets', index];
      checkAvailabilityZone(context, [...path, 'availabilityZone'], subnet.availabilityZone, []);
      const cidrPath = [...path, 'instanceCIDR'];
      const cidr = checkCidr(context, cidrPath, subnet.instanceCIDR, VPC_PREFIXES);
      if (cidr) placed.push({ path: cidrPath, cidr });
    });
  }

  for (const [index, subnet] of placed.entries()) {
    const name = formatPath(subnet.path);
    if (vpc && !containsBlock(vpc, subnet.cidr)) {
      context.error(
        'subnet-outside-vpc',
        subnet.path,
        `${name} must lie inside vpcCIDR ${formatCidr(vpc)} (received ${formatCidr(subnet.cidr)})`,
        [['vpcCIDR']],
      );
    }
    const earlier = placed.slice(0, index).find((other) => overlaps(other.cidr, subnet.cidr));
    if (earlier) {
      context.error(
        'subnet-overlap',
        subnet.path,
        `${name} must not overlap ${formatPath(earlier.path)} ${formatCidr(earlier.cidr)} ` +
          `(received ${formatCidr(subnet.cidr)})`,
      );
    }
  }

  return placed;
}

function checkAvailabilityZone(
  context: RuleContext,
  path: ConfigPath,
  zone: string,
  related: ConfigPath[],
): void {
  const name = formatPath(path);
  const { region } = context.config;
  if (zone === '') {
    const when = path.length === 1 ? ' when subnets is empty' : '';
    context.error('required-key', path, `${name} must be set${when}`, related);
    return;
  }
  const rest = zone.startsWith(region) ? zone.slice(region.length) : undefined;
  if (isRegionName(region) && (rest === undefined || !/^([a-z]|-[a-z0-9-]+[a-z])$/.test(rest))) {
    context.error(
      'availability-zone-region',
      path,
      `${name} must be a zone of region ${region} such as ${region}a (received ${formatReceived(zone)})`,
      [['region']],
    );
  }
}

/** Controller i takes controllerIP + i; each address must be a usable one of some subnet. */
function checkControllerAddresses(context: RuleContext, subnets: PlacedSubnet[]): void {
  const { controllerIP, controllerCount } = context.config;
  const first = parseIpv4(controllerIP);
  if (first === undefined) {
    context.error(
      'ip-format',
      ['controllerIP'],
      `controllerIP must be an IPv4 address such as 10.0.0.50 (received ${formatReceived(controllerIP)})`,
    );
    return;
  }
  if (subnets.length === 0) return;

  const related: ConfigPath[] = [['subnets'], ['instanceCIDR']];
  const count = Math.min(controllerCount, MAX_CONTROLLERS_CHECKED);
  for (let index = 0; index < count; index += 1) {
    const address = first + index;
    const which = index === 0 ? '' : `; controller ${index + 1} would get ${formatIpv4(address)}`;
    const home = subnets.find((subnet) => containsAddress(subnet.cidr, address));
    if (home === undefined) {
      const where =
        subnets.length === 1 && subnets[0]?.path[0] === 'instanceCIDR'
          ? `instanceCIDR ${formatCidr(subnets[0].cidr)}`
          : 'one of the subnets';
      const room = index === 0 ? '' : ` for all ${controllerCount} controllers`;
      context.error(
        'controller-ip-outside-subnets',
        ['controllerIP'],
        `controllerIP must lie inside ${where}${room} (received ${formatReceived(controllerIP)})${which}`,
        related,
      );
      return;
    }
    if (isAwsReservedAddress(home.cidr, address)) {
      context.error(
        'controller-ip-reserved',
        ['controllerIP'],
        `controllerIP must not be one of the first four or the last address of ` +
          `${formatPath(home.path)} ${formatCidr(home.cidr)}, which AWS reserves (received ` +
          `${formatReceived(controllerIP)})${which}`,
        related,
      );
      return;
    }
  }
}

function checkDisjoint(
  context: RuleContext,
  path: ConfigPath,
  block: Cidr,
  otherPath: ConfigPath,
  other: Cidr,
): void {
  if (!overlaps(block, other)) return;
  const name = formatPath(path);
  context.error(
    'cidr-overlap',
    path,
    `${name} must not overlap ${formatPath(otherPath)} ${formatCidr(other)} (received ${formatCidr(block)})`,
    [otherPath],
  );
}

function checkDnsServiceIp(context: RuleContext, services: Cidr): void {
  const { dnsServiceIP } = context.config;
  const path = ['dnsServiceIP'];
  const related: ConfigPath[] = [['serviceCIDR']];
  const address = parseIpv4(dnsServiceIP);
  const received = formatReceived(dnsServiceIP);
  const range = `serviceCIDR ${formatCidr(services)}`;
  if (address === undefined) {
    context.error(
      'ip-format',
      path,
      `dnsServiceIP must be an IPv4 address such as 10.3.0.10 (received ${received})`,
    );
  } else if (!containsAddress(services, address)) {
    context.error(
      'dns-service-ip-outside',
      path,
      `dnsServiceIP must lie inside ${range} (received ${received})`,
      related,
    );
  } else if (address === services.network + 1) {
    context.error(
      'dns-service-ip-conflict',
      path,
      `dnsServiceIP must differ from the Kubernetes service IP ${formatIpv4(address)}, the ` +
        `first address of ${range} (received ${received})`,
      related,
    );
  } else if (address === services.network || address === services.broadcast) {
    context.error(
      'dns-service-ip-reserved',
      path,
      `dnsServiceIP must not be the network or broadcast address of ${range} (received ${received})`,
      related,
    );
  }
}
