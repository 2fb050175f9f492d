import { type ClusterConfig, ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import type { TemplateInput } from '../../../stack/template/render-template.ts';

/**
 * A covering set of configurations, not the full cross product: every value of each dimension
 * (VPC new/existing, 1/3 AZs, 1/3 controllers, record set on/off, spot/on-demand, 1/5 node pools)
 * occurs, and most pairs of values occur together.
 */
export interface MatrixCase {
  name: string;
  config: ClusterConfig;
  /** Why moto cannot create this stack, when it cannot; such cases are lint-only. */
  motoGap?: string;
}

export const TEST_KEY_ARN =
  'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
/** A base64 string standing in for gzipped cloud-config; content does not matter to the stack. */
export const DUMMY_USERDATA = Buffer.from('#cloud-config\n').toString('base64');

const base = {
  clusterName: 'demo',
  externalDNSName: 'api.demo.example.com',
  keyName: 'demo-key',
  region: 'us-east-1',
  amiId: 'ami-0123456789abcdef0',
  controllerIP: '10.0.0.50',
  kmsKeyArn: TEST_KEY_ARN,
};

const threeSubnets = [
  { availabilityZone: 'us-east-1a', instanceCIDR: '10.0.0.0/24' },
  { availabilityZone: 'us-east-1b', instanceCIDR: '10.0.1.0/24' },
  { availabilityZone: 'us-east-1c', instanceCIDR: '10.0.2.0/24' },
];

function pools(count: number, spotEvery = 0) {
  return Array.from({ length: count }, (_, index) => ({
    name: `pool-${index}`,
    count: index + 1,
    instanceType: 'm5.large',
    ...(spotEvery > 0 && index % spotEvery === 0 ? { spotPrice: 0.05 } : {}),
  }));
}

export const MATRIX: MatrixCase[] = [
  {
    name: 'new VPC, 1 AZ, 1 controller, record set by id, on-demand, 1 pool',
    config: ClusterConfigSchema.parse({
      ...base,
      subnets: [threeSubnets[0]],
      createRecordSet: true,
      hostedZoneId: 'Z0000000000000000001',
      sshAccessAllowedSourceCIDRs: ['203.0.113.0/24'],
      nodePools: pools(1),
    }),
  },
  {
    name: 'new VPC, 3 AZs, 3 controllers, alias record by zone name, spot, 5 pools, calico',
    motoGap:
      'moto creates CloudFormation load balancers as application load balancers (it drops Type: network), so the TCP listener fails',
    config: ClusterConfigSchema.parse({
      ...base,
      subnets: threeSubnets,
      controllerCount: 3,
      createRecordSet: true,
      hostedZone: 'demo.example.com',
      workerSpotPrice: '0.04',
      useCalico: true,
      nodePools: pools(5, 2),
    }),
  },
  {
    name: 'existing VPC with route table, 3 AZs, 1 controller, no record set, spot, 5 pools',
    config: ClusterConfigSchema.parse({
      ...base,
      vpcId: 'vpc-0123456789abcdef0',
      routeTableId: 'rtb-0123456789abcdef0',
      subnets: threeSubnets,
      workerSpotPrice: 0.03,
      nodePools: pools(5, 1),
    }),
  },
  {
    name: 'existing VPC with main route table, 1 AZ, 3 controllers, private, on-demand, 1 pool',
    motoGap:
      'moto creates CloudFormation load balancers as application load balancers (it drops Type: network), so the TCP listener fails',
    config: ClusterConfigSchema.parse({
      ...base,
      vpcId: 'vpc-0123456789abcdef0',
      subnets: [threeSubnets[1]],
      controllerIP: '10.0.1.10',
      controllerCount: 3,
      mapPublicIPs: false,
      apiAccessAllowedSourceCIDRs: ['10.0.0.0/8', '192.168.0.0/16'],
      nodePools: pools(1),
    }),
  },
  {
    name: 'legacy single subnet, AMI from SSM, io1 volumes, no pools',
    motoGap: 'the AMI comes from an SSM parameter that this moto run does not hold',
    config: ClusterConfigSchema.parse({
      ...base,
      amiId: '',
      availabilityZone: 'us-east-1a',
      instanceCIDR: '10.0.0.0/24',
      controllerRootVolumeType: 'io1',
      controllerRootVolumeIOPS: 1000,
      etcdDataVolumeType: 'io1',
      etcdDataVolumeIOPS: 500,
      workerCount: 2,
    }),
  },
  {
    name: 'new VPC, 3 AZs, 1 controller, record set by zone name, on-demand, 5 pools',
    config: ClusterConfigSchema.parse({
      ...base,
      subnets: threeSubnets,
      createRecordSet: true,
      hostedZone: 'demo.example.com.',
      recordSetTTL: 60,
      nodePools: pools(5),
    }),
  },
];

export function matrixInput(config: ClusterConfig): TemplateInput {
  return {
    config,
    userdata: { controller: DUMMY_USERDATA, worker: DUMMY_USERDATA },
    keyArn: TEST_KEY_ARN,
  };
}
