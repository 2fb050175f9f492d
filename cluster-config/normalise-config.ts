import type { ClusterConfig } from '../schemas/cluster-config.ts';
import { DEFAULT_KUBERNETES_VERSION } from './rules/identity-rules.ts';

/** kube-aws's post-processing, split around the semantic rules as kube-aws did it. */

export const DEFAULT_INSTANCE_CIDR = '10.0.0.0/24';
const HOSTED_ZONE_ID_PREFIX = '/hostedzone/';

/** Before the rules: zone name with its final dot, bare zone ID, single-AZ subnet default. */
export function normaliseBeforeRules(config: ClusterConfig): ClusterConfig {
  const { hostedZone, hostedZoneId, subnets, instanceCIDR } = config;

  return {
    ...config,
    hostedZone: hostedZone === '' || hostedZone.endsWith('.') ? hostedZone : `${hostedZone}.`,
    hostedZoneId: hostedZoneId.startsWith(HOSTED_ZONE_ID_PREFIX)
      ? hostedZoneId.slice(HOSTED_ZONE_ID_PREFIX.length)
      : hostedZoneId,
    instanceCIDR:
      subnets.length === 0 && instanceCIDR === '' ? DEFAULT_INSTANCE_CIDR : instanceCIDR,
  };
}

/**
 * After the rules pass: `subnets` always holds at least one entry, so later steps never look at
 * the single-AZ keys, and values that only warned are replaced by what is actually deployed.
 */
export function completeConfig(config: ClusterConfig): ClusterConfig {
  const subnets =
    config.subnets.length > 0
      ? config.subnets
      : [{ availabilityZone: config.availabilityZone, instanceCIDR: config.instanceCIDR }];

  return {
    ...config,
    subnets,
    kubernetesVersion: /_coreos\./.test(config.kubernetesVersion)
      ? DEFAULT_KUBERNETES_VERSION
      : config.kubernetesVersion,
    containerRuntime: 'containerd',
  };
}
