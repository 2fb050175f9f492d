import * as z from 'zod';

/**
 * The `cluster.yaml` schema: every key of kube-aws's 2016 file with its default, plus the keys later
 * kube-aws versions added. Types are strict (no coercion). Semantic rules that relate several keys
 * live in `cluster-config/`, not here, so each finding can name its own rule.
 */

const VolumeTypeSchema = z.enum(['standard', 'gp2', 'gp3', 'io1', 'io2']);
/** EBS volumes hold 1 GiB to 16 TiB; a root volume needs room for the OS image. */
const RootVolumeSizeSchema = z.int().min(8).max(16384);
/** Far above any kube-aws cluster; keeps a typo such as 10000000 from reaching Auto Scaling. */
const MAX_NODES = 1000;

export const SubnetSchema = z.strictObject({
  availabilityZone: z.string().describe('Availability zone of the subnet, e.g. us-east-1a'),
  instanceCIDR: z.string().describe('IPv4 CIDR of the subnet, inside vpcCIDR'),
});

export const NodePoolSchema = z.strictObject({
  name: z.string().describe('DNS-label name of the pool, unique in the cluster'),
  count: z.int().min(0).max(MAX_NODES).default(1).describe('Desired number of nodes'),
  instanceType: z.string().default('t3.medium'),
  rootVolumeSize: RootVolumeSizeSchema.default(30).describe('Root volume size in GiB'),
  rootVolumeType: VolumeTypeSchema.default('gp3'),
  rootVolumeIOPS: z.int().min(0).default(0).describe('Provisioned IOPS; 0 for the default'),
  spotPrice: z.union([z.string(), z.number()]).optional().describe('Maximum spot price in USD'),
  minSize: z
    .int()
    .min(0)
    .max(MAX_NODES)
    .optional()
    .describe('Auto Scaling group minimum, at most count'),
  maxSize: z
    .int()
    .min(0)
    .max(MAX_NODES)
    .optional()
    .describe('Auto Scaling group maximum, at least count'),
});

export const ClusterConfigSchema = z.strictObject({
  clusterName: z
    .string()
    .default('kubernetes')
    .describe('CloudFormation stack name and prefix of every derived name'),
  externalDNSName: z.string().describe('Public DNS name of the API server'),
  keyName: z.string().describe('EC2 key pair for SSH access to the nodes'),
  region: z.string().describe('AWS region, e.g. us-east-1'),
  availabilityZone: z
    .string()
    .default('')
    .describe('Single-AZ form: the zone of the one subnet; empty when subnets is set'),
  releaseChannel: z
    .enum(['alpha', 'beta', 'stable', 'lts'])
    .default('stable')
    .describe('Flatcar Container Linux release channel'),
  amiId: z.string().default('').describe('AMI to boot instead of the channel image'),

  controllerCount: z.int().min(1).default(1).describe('Number of controllers (etcd runs on them)'),
  controllerInstanceType: z.string().default('t3.medium'),
  controllerRootVolumeSize: RootVolumeSizeSchema.default(30),
  controllerRootVolumeType: VolumeTypeSchema.default('gp3'),
  controllerRootVolumeIOPS: z.int().min(0).default(0),
  controllerIP: z
    .string()
    .default('10.0.0.50')
    .describe('Private IP of the first controller; controller i uses controllerIP + i'),

  // etcd runs stacked on the controllers; when given, etcdCount must equal controllerCount.
  etcdCount: z.int().min(1).optional().describe('Must equal controllerCount when given'),
  etcdDataVolumeSize: z.int().min(1).max(16384).default(30),
  etcdDataVolumeType: VolumeTypeSchema.default('gp3'),
  etcdDataVolumeIOPS: z.int().min(0).default(0),

  workerCount: z.int().min(0).max(MAX_NODES).default(1),
  workerInstanceType: z.string().default('t3.medium'),
  workerRootVolumeSize: RootVolumeSizeSchema.default(30),
  workerRootVolumeType: VolumeTypeSchema.default('gp3'),
  workerRootVolumeIOPS: z.int().min(0).default(0),
  // kube-aws accepted both `0.05` and `"0.05"`; a kube-aws user's file must validate unchanged.
  workerSpotPrice: z
    .union([z.string(), z.number()])
    .default('')
    .describe('Maximum spot price in USD; empty for on-demand workers'),
  nodePools: z.array(NodePoolSchema).default([]),

  vpcId: z.string().default('').describe('Existing VPC to place the cluster in'),
  routeTableId: z.string().default('').describe('Route table of the existing VPC; needs vpcId'),
  vpcCIDR: z.string().default('10.0.0.0/16'),
  instanceCIDR: z
    .string()
    .default('')
    .describe('Single-AZ form: the one subnet (10.0.0.0/24 when neither it nor subnets is set)'),
  subnets: z.array(SubnetSchema).default([]).describe('Multi-AZ form: one entry per subnet'),
  mapPublicIPs: z.boolean().default(true),
  podCIDR: z.string().default('10.2.0.0/16'),
  serviceCIDR: z.string().default('10.3.0.0/24'),
  dnsServiceIP: z.string().default('10.3.0.10'),
  apiAccessAllowedSourceCIDRs: z.array(z.string()).default(['0.0.0.0/0']),
  sshAccessAllowedSourceCIDRs: z.array(z.string()).default([]),
  sshAuthorizedKeys: z.array(z.string()).default([]),

  kubernetesVersion: z.string().default('v1.34.2'),
  hyperkubeImageRepo: z
    .string()
    .optional()
    .meta({ deprecated: true, description: 'Ignored: images come from registry.k8s.io' }),
  containerRuntime: z.enum(['docker', 'containerd', 'rkt']).default('containerd'),
  useCalico: z.boolean().default(false),

  kmsKeyArn: z
    .string()
    .default('')
    .describe('KMS key or alias ARN in the cluster region; empty for the backend key'),
  tlsCADurationDays: z.int().default(3650),
  tlsCertDurationDays: z.int().default(365),

  createRecordSet: z.boolean().default(false),
  recordSetTTL: z.int().default(300),
  hostedZone: z
    .string()
    .default('')
    .meta({ deprecated: true, description: 'Zone name; use hostedZoneId instead' }),
  hostedZoneId: z.string().default('').describe('Route 53 hosted zone ID for externalDNSName'),

  stackTags: z.record(z.string(), z.string()).default({}),
  terminationProtection: z.boolean().default(false),
});

/** The config after defaults; what every step after validation works on. */
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;
export type ClusterConfigInput = z.input<typeof ClusterConfigSchema>;
export type Subnet = z.infer<typeof SubnetSchema>;
export type NodePool = z.infer<typeof NodePoolSchema>;
