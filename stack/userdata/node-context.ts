import { InvariantError } from '../../lib/errors.ts';
import { firstHostOfCidr, offsetIpv4 } from '../../pki/ipv4.ts';
import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import type { NodeRole } from '../../schemas/node-assets.ts';

/** The facts about one node that several rendered files share. */
export interface NodeContext {
  role: NodeRole;
  config: ClusterConfig;
  /** Index of this controller (0-based); undefined on workers. */
  controllerIndex: number | undefined;
  /** The controllers' fixed private IPs: `controllerIP` plus the index, as the PKI SANs assume. */
  controllerIps: string[];
  /** HTTPS URL every kubeconfig of this node points at. */
  apiServerUrl: string;
  kubernetesServiceIp: string;
}

/**
 * The device the template attaches the etcd data volume as. Flatcar's udev rules give NVMe EBS
 * volumes their requested `/dev/xvd*` name, so the same path works on Nitro instances.
 */
export const ETCD_DATA_DEVICE = '/dev/xvdf';

export function buildNodeContext(
  role: NodeRole,
  config: ClusterConfig,
  controllerIndex: number | undefined,
): NodeContext {
  const controllerIps = Array.from({ length: config.controllerCount }, (_, index) =>
    offsetIpv4('controllerIP', config.controllerIP, index),
  );
  if (role === 'controller') {
    const index = controllerIndex ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= config.controllerCount) {
      throw new InvariantError(
        `controllerIndex must lie in 0..${config.controllerCount - 1} (received ${index})`,
      );
    }

    return {
      role,
      config,
      controllerIndex: index,
      controllerIps,
      // Each controller talks to its own API server, so it keeps working when the others are down.
      apiServerUrl: 'https://127.0.0.1:443',
      kubernetesServiceIp: firstHostOfCidr('serviceCIDR', config.serviceCIDR),
    };
  }

  return {
    role,
    config,
    controllerIndex: undefined,
    controllerIps,
    apiServerUrl: resolveWorkerApiServerUrl(config),
    kubernetesServiceIp: firstHostOfCidr('serviceCIDR', config.serviceCIDR),
  };
}

/** Workers use the public name when a record exists for it, otherwise the first controller. */
export function resolveWorkerApiServerUrl(config: ClusterConfig): string {
  if (config.createRecordSet) return `https://${config.externalDNSName}`;

  return `https://${config.controllerIP}`;
}

export function etcdMemberName(index: number): string {
  return `controller${index}`;
}
