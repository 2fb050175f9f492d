import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import {
  type CfnResource,
  clusterTags,
  type Fragment,
  type PlannedSubnet,
  ref,
  vpcIdValue,
} from './template-context.ts';

/**
 * The network: a new VPC with an internet gateway and one public route table, or subnets in an
 * existing VPC associated with `routeTableId` (the VPC's main route table applies when it is empty,
 * which needs no association).
 */
export function renderNetwork(config: ClusterConfig, subnets: PlannedSubnet[]): Fragment {
  const resources: Record<string, CfnResource> = {};
  const resourceMap: Record<string, string[]> = {};
  const newVpc = config.vpcId === '';

  if (newVpc) {
    resources.VPC = {
      Type: 'AWS::EC2::VPC',
      Properties: {
        CidrBlock: config.vpcCIDR,
        EnableDnsSupport: true,
        EnableDnsHostnames: true,
        Tags: clusterTags(config, `${config.clusterName}-vpc`),
      },
    };
    resources.InternetGateway = {
      Type: 'AWS::EC2::InternetGateway',
      Properties: { Tags: clusterTags(config, `${config.clusterName}-igw`) },
    };
    resources.VPCGatewayAttachment = {
      Type: 'AWS::EC2::VPCGatewayAttachment',
      Properties: { VpcId: ref('VPC'), InternetGatewayId: ref('InternetGateway') },
    };
    resources.RouteTable = {
      Type: 'AWS::EC2::RouteTable',
      Properties: { VpcId: ref('VPC'), Tags: clusterTags(config, `${config.clusterName}-public`) },
    };
    resources.RouteToInternet = {
      Type: 'AWS::EC2::Route',
      DependsOn: 'VPCGatewayAttachment',
      Properties: {
        RouteTableId: ref('RouteTable'),
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: ref('InternetGateway'),
      },
    };
    resourceMap.VPC = ['vpcCIDR'];
    resourceMap.InternetGateway = ['vpcId'];
    resourceMap.VPCGatewayAttachment = ['vpcId'];
    resourceMap.RouteTable = ['vpcId'];
    resourceMap.RouteToInternet = ['vpcId'];
  }

  for (const subnet of subnets) {
    resources[subnet.logicalId] = {
      Type: 'AWS::EC2::Subnet',
      Properties: {
        VpcId: vpcIdValue(config),
        AvailabilityZone: subnet.availabilityZone,
        CidrBlock: subnet.instanceCIDR,
        MapPublicIpOnLaunch: config.mapPublicIPs,
        Tags: [
          ...clusterTags(config, `${config.clusterName}-${subnet.logicalId.toLowerCase()}`),
          // Where the cloud provider puts load balancers of Services: public or internal ones.
          {
            Key: config.mapPublicIPs ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb',
            Value: '1',
          },
        ],
      },
    };
    resourceMap[subnet.logicalId] = [...subnet.sourceKeys, 'mapPublicIPs'];

    const routeTableId = newVpc ? ref('RouteTable') : config.routeTableId;
    if (routeTableId === '') continue;
    const associationId = `${subnet.logicalId}RouteTableAssociation`;
    resources[associationId] = {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: { SubnetId: ref(subnet.logicalId), RouteTableId: routeTableId },
    };
    resourceMap[associationId] = newVpc ? [...subnet.sourceKeys] : ['routeTableId'];
  }

  return { resources, resourceMap };
}
