import type { ClusterConfig } from '../../schemas/cluster-config.ts';
// The controller userdata formats and mounts the etcd volume at this device.
import { ETCD_DATA_DEVICE } from '../userdata/node-context.ts';
import { instanceProfileId } from './render-iam.ts';
import { CONTROLLER_SG } from './render-security-groups.ts';
import {
  type CfnResource,
  clusterTags,
  ebsSettings,
  type Fragment,
  getAtt,
  type PlannedSubnet,
  placeController,
  ref,
  type TemplateInput,
  vpcIdValue,
} from './template-context.ts';

/** The CloudFormation parameter every instance takes its AMI from. */
export const IMAGE_PARAMETER = 'ImageId';

/** Instance metadata only through IMDSv2 sessions; hop limit 2 lets pods on the host network in. */
export const METADATA_OPTIONS = {
  HttpEndpoint: 'enabled',
  HttpTokens: 'required',
  HttpPutResponseHopLimit: 2,
} as const;

export const controllerId = (index: number) => `Controller${index}`;
export const etcdVolumeId = (index: number) => `EtcdDataVolume${index}`;
export const API_LOAD_BALANCER = 'APIServerLoadBalancer';
export const CONTROLLER_EIP = 'ControllerEIP';

/**
 * Stateful controllers: each is an etcd member with a fixed address and its own data volume, so
 * they are plain instances (never an Auto Scaling group that could replace two at once). One
 * controller is reached through an Elastic IP, several through a TCP network load balancer.
 */
export function renderControlPlane(input: TemplateInput, subnets: PlannedSubnet[]): Fragment {
  const { config } = input;
  const resources: Record<string, CfnResource> = {
    ControllerLaunchTemplate: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { MetadataOptions: { ...METADATA_OPTIONS } } },
    },
  };
  const resourceMap: Record<string, string[]> = { ControllerLaunchTemplate: [] };

  for (let index = 0; index < config.controllerCount; index += 1) {
    const { privateIp, subnet } = placeController(config, subnets, index);
    const id = controllerId(index);
    resources[id] = {
      Type: 'AWS::EC2::Instance',
      Properties: {
        LaunchTemplate: {
          LaunchTemplateId: ref('ControllerLaunchTemplate'),
          Version: getAtt('ControllerLaunchTemplate', 'LatestVersionNumber'),
        },
        ImageId: ref(IMAGE_PARAMETER),
        InstanceType: config.controllerInstanceType,
        KeyName: config.keyName,
        IamInstanceProfile: ref(instanceProfileId('controller')),
        SubnetId: ref(subnet.logicalId),
        PrivateIpAddress: privateIp,
        SecurityGroupIds: [getAtt(CONTROLLER_SG, 'GroupId')],
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              ...ebsSettings(
                config.controllerRootVolumeSize,
                config.controllerRootVolumeType,
                config.controllerRootVolumeIOPS,
              ),
              DeleteOnTermination: true,
            },
          },
        ],
        UserData: input.controllerUserdata?.[index] ?? input.userdata.controller,
        Tags: clusterTags(config, `${config.clusterName}-controller-${index}`),
      },
    };
    resourceMap[id] = [
      'controllerIP',
      'controllerCount',
      'controllerInstanceType',
      'controllerRootVolumeSize',
      'controllerRootVolumeType',
      'controllerRootVolumeIOPS',
      'keyName',
      'amiId',
      ...subnet.sourceKeys,
    ];

    resources[etcdVolumeId(index)] = {
      Type: 'AWS::EC2::Volume',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: {
        AvailabilityZone: subnet.availabilityZone,
        ...ebsSettings(
          config.etcdDataVolumeSize,
          config.etcdDataVolumeType,
          config.etcdDataVolumeIOPS,
          'Size',
        ),
        Tags: clusterTags(config, `${config.clusterName}-etcd-${index}`),
      },
    };
    resourceMap[etcdVolumeId(index)] = [
      'etcdDataVolumeSize',
      'etcdDataVolumeType',
      'etcdDataVolumeIOPS',
      ...subnet.sourceKeys,
    ];
    resources[`EtcdDataVolumeAttachment${index}`] = {
      Type: 'AWS::EC2::VolumeAttachment',
      Properties: {
        Device: ETCD_DATA_DEVICE,
        InstanceId: ref(id),
        VolumeId: ref(etcdVolumeId(index)),
      },
    };
    resourceMap[`EtcdDataVolumeAttachment${index}`] = ['controllerCount'];
  }

  const endpoint =
    config.controllerCount === 1 ? renderElasticIp(config) : renderLoadBalancer(config, subnets);

  return {
    resources: { ...resources, ...endpoint.resources },
    resourceMap: { ...resourceMap, ...endpoint.resourceMap },
  };
}

function renderElasticIp(config: ClusterConfig): Fragment {
  const resource: CfnResource = {
    Type: 'AWS::EC2::EIP',
    Properties: {
      Domain: 'vpc',
      InstanceId: ref(controllerId(0)),
      Tags: clusterTags(config, `${config.clusterName}-controller`),
    },
  };
  // An address is attachable only once the VPC reaches the internet gateway.
  if (config.vpcId === '') resource.DependsOn = 'VPCGatewayAttachment';

  return {
    resources: { [CONTROLLER_EIP]: resource },
    resourceMap: { [CONTROLLER_EIP]: ['controllerCount'] },
  };
}

function renderLoadBalancer(config: ClusterConfig, subnets: PlannedSubnet[]): Fragment {
  const loadBalancer: CfnResource = {
    Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    Properties: {
      Type: 'network',
      Scheme: config.mapPublicIPs ? 'internet-facing' : 'internal',
      Subnets: subnets.map((subnet) => ref(subnet.logicalId)),
      LoadBalancerAttributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }],
      Tags: clusterTags(config, `${config.clusterName}-apiserver`),
    },
  };
  if (config.vpcId === '' && config.mapPublicIPs) loadBalancer.DependsOn = 'VPCGatewayAttachment';
  const targets = Array.from({ length: config.controllerCount }, (_, index) => ({
    Id: ref(controllerId(index)),
    Port: 443,
  }));

  return {
    resources: {
      [API_LOAD_BALANCER]: loadBalancer,
      APIServerTargetGroup: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: {
          Protocol: 'TCP',
          Port: 443,
          TargetType: 'instance',
          VpcId: vpcIdValue(config),
          HealthCheckProtocol: 'TCP',
          Targets: targets,
          Tags: clusterTags(config, `${config.clusterName}-apiserver`),
        },
      },
      APIServerListener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: {
          LoadBalancerArn: ref(API_LOAD_BALANCER),
          Protocol: 'TCP',
          Port: 443,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: ref('APIServerTargetGroup') }],
        },
      },
    },
    resourceMap: {
      [API_LOAD_BALANCER]: ['controllerCount', 'mapPublicIPs', 'subnets'],
      APIServerTargetGroup: ['controllerCount'],
      APIServerListener: ['controllerCount'],
    },
  };
}
