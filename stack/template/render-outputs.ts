import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { API_LOAD_BALANCER, CONTROLLER_EIP, IMAGE_PARAMETER } from './render-control-plane.ts';
import { CONTROLLER_SG, WORKER_SG } from './render-security-groups.ts';
import { type Fragment, getAtt, type Json, ref, vpcIdValue } from './template-context.ts';

/** Where the operator stores the Flatcar AMI id of a channel when cluster.yaml sets no amiId. */
export function flatcarAmiParameterName(releaseChannel: string): string {
  return `/kube-aws/flatcar/${releaseChannel}/ami-id`;
}

/**
 * The one template parameter, so the export deploys with plain `aws cloudformation deploy`:
 * `amiId` becomes its default; without it the AMI id is read from an SSM parameter that the
 * operator sets once per region (Flatcar publishes no public SSM parameter of its own).
 */
export function renderParameters(config: ClusterConfig): Fragment {
  const parameter: Record<string, Json> =
    config.amiId !== ''
      ? {
          Type: 'AWS::EC2::Image::Id',
          Default: config.amiId,
          Description: 'AMI of every node (amiId in cluster.yaml)',
        }
      : {
          Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
          Default: flatcarAmiParameterName(config.releaseChannel),
          Description: `SSM parameter holding the Flatcar ${config.releaseChannel} AMI id of this region`,
        };

  return { resources: {}, parameters: { [IMAGE_PARAMETER]: parameter }, resourceMap: {} };
}

function exported(value: Json, description: string, exportSuffix?: string): Json {
  const output: Record<string, Json> = { Description: description, Value: value };
  if (exportSuffix !== undefined) {
    output.Export = { Name: { 'Fn::Sub': `\${AWS::StackName}-${exportSuffix}` } };
  }

  return output;
}

/** Outputs other stacks import (node pools in their own stacks, monitoring, DNS elsewhere). */
export function renderOutputs(config: ClusterConfig): Fragment {
  const address =
    config.controllerCount === 1 ? ref(CONTROLLER_EIP) : getAtt(API_LOAD_BALANCER, 'DNSName');

  return {
    resources: {},
    resourceMap: {},
    outputs: {
      APIEndpoint: exported(
        `https://${config.externalDNSName}`,
        'Kubernetes API URL',
        'APIEndpoint',
      ),
      APIServerAddress: exported(address, 'Elastic IP or load balancer name behind the API URL'),
      VPC: exported(vpcIdValue(config), 'VPC of the cluster', 'VPC'),
      WorkerSecurityGroup: exported(
        getAtt(WORKER_SG, 'GroupId'),
        'Security group of every worker',
        'WorkerSecurityGroup',
      ),
      ControllerSecurityGroup: exported(
        getAtt(CONTROLLER_SG, 'GroupId'),
        'Security group of every controller',
        'ControllerSecurityGroup',
      ),
    },
  };
}
