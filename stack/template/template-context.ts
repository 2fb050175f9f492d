import { ValidationError } from '../../lib/errors.ts';
import type { ClusterConfig, Subnet } from '../../schemas/cluster-config.ts';
import type { NodeRole } from '../../schemas/node-assets.ts';

/** What the template renderer needs besides the config; every value is already final. */
export interface TemplateInput {
  config: ClusterConfig;
  /** Per role: the base64 of the gzipped cloud-config, or of the small loader that fetches it. */
  userdata: Record<NodeRole, string>;
  /** Per controller, when controllers boot with different userdata (index = controller number). */
  controllerUserdata?: string[];
  /** KMS key whose ciphertext nodes decrypt; the instance roles may use it only for `node` data. */
  keyArn: string;
  /** Bucket of offloaded userdata; with `offloadedUserdataKeys` grants the roles `s3:GetObject`. */
  artifactsBucket?: string;
  /** Per role, the object keys a loader fetches at boot. */
  offloadedUserdataKeys?: Partial<Record<NodeRole, string[]>>;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  UpdatePolicy?: Record<string, Json>;
}

/** A concern's share of the template: resources, outputs and which cluster.yaml keys made them. */
export interface Fragment {
  resources: Record<string, CfnResource>;
  outputs?: Record<string, Json>;
  parameters?: Record<string, Json>;
  resourceMap: Record<string, string[]>;
}

/** A subnet the stack creates, with the cluster.yaml keys it came from. */
export interface PlannedSubnet extends Subnet {
  logicalId: string;
  sourceKeys: string[];
}

export const ref = (name: string): Json => ({ Ref: name });
export const getAtt = (name: string, attribute: string): Json => ({
  'Fn::GetAtt': [name, attribute],
});

/** The subnets to create: `subnets[]`, or kube-aws's single `availabilityZone`/`instanceCIDR`. */
export function planSubnets(config: ClusterConfig): PlannedSubnet[] {
  if (config.subnets.length > 0) {
    return config.subnets.map((subnet, index) => ({
      ...subnet,
      logicalId: `Subnet${index}`,
      sourceKeys: [`subnets[${index}].instanceCIDR`, `subnets[${index}].availabilityZone`],
    }));
  }

  return [
    {
      availabilityZone: config.availabilityZone,
      instanceCIDR: config.instanceCIDR === '' ? '10.0.0.0/24' : config.instanceCIDR,
      logicalId: 'Subnet0',
      sourceKeys: ['instanceCIDR', 'availabilityZone'],
    },
  ];
}

export function parseIpv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }

  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** First and last address of a CIDR block, or undefined when it does not parse. */
export function cidrRange(cidr: string): { first: number; last: number } | undefined {
  const [base, prefixText] = cidr.split('/');
  const baseValue = parseIpv4(base ?? '');
  const prefix = Number(prefixText);
  if (baseValue === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return undefined;
  }
  const size = 2 ** (32 - prefix);
  const first = Math.floor(baseValue / size) * size;

  return { first, last: first + size - 1 };
}

/**
 * Whether an instance may take the address in this subnet: AWS reserves the first four addresses
 * and the last one of every subnet.
 * https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html
 */
export function isAssignableIn(cidr: string, address: number): boolean {
  const range = cidrRange(cidr);

  return range !== undefined && address >= range.first + 4 && address < range.last;
}

/** Controller i sits at controllerIP + i, in whichever planned subnet contains that address. */
export function placeController(
  config: ClusterConfig,
  subnets: PlannedSubnet[],
  index: number,
): { privateIp: string; subnet: PlannedSubnet } {
  const base = parseIpv4(config.controllerIP);
  if (base === undefined) {
    throw new ValidationError(
      `controllerIP must be an IPv4 address (received ${config.controllerIP})`,
    );
  }
  const address = base + index;
  const subnet = subnets.find((candidate) => isAssignableIn(candidate.instanceCIDR, address));
  if (subnet === undefined) {
    throw new ValidationError(
      `controllerIP plus ${index} must be an assignable address of one of the subnets ` +
        `(received ${formatIpv4(address)}); move controllerIP or widen a subnet`,
    );
  }

  return { privateIp: formatIpv4(address), subnet };
}

/** Tags every cluster resource carries; the cloud provider finds cluster resources by the second. */
export function clusterTags(config: ClusterConfig, name: string): Json[] {
  return [
    { Key: 'KubernetesCluster', Value: config.clusterName },
    { Key: `kubernetes.io/cluster/${config.clusterName}`, Value: 'owned' },
    { Key: 'Name', Value: name },
  ];
}

/** A logical id part from a user-chosen name: alphanumerics only, PascalCase at separators. */
export function toLogicalIdPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The VPC id as a template value: the stack's own VPC or the existing one. */
export function vpcIdValue(config: ClusterConfig): Json {
  return config.vpcId === '' ? ref('VPC') : config.vpcId;
}

/**
 * EBS settings shared by root and data volumes; IOPS only where the volume type takes it.
 * `AWS::EC2::Volume` calls the size `Size`, block device mappings call it `VolumeSize`.
 */
export function ebsSettings(
  size: number,
  type: string,
  iops: number,
  sizeKey: 'VolumeSize' | 'Size' = 'VolumeSize',
): Record<string, Json> {
  const settings: Record<string, Json> = { [sizeKey]: size, VolumeType: type, Encrypted: true };
  if (iops > 0 && (type === 'io1' || type === 'io2' || type === 'gp3')) settings.Iops = iops;

  return settings;
}
