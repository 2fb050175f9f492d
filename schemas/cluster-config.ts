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
  instanceType: z.string().default('t3.medium').describe("EC2 instance type of the pool's nodes"),
  rootVolumeSize: RootVolumeSizeSchema.default(30).describe('Root volume size in GiB'),
  rootVolumeType: VolumeTypeSchema.default('gp3').describe('EBS type of the root volumes'),
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
  controllerInstanceType: z
    .string()
    .default('t3.medium')
    .describe('EC2 instance type of the controllers'),
  controllerRootVolumeSize: RootVolumeSizeSchema.default(30).describe(
    'Controller root volume size in GiB',
  ),
  controllerRootVolumeType: VolumeTypeSchema.default('gp3').describe(
    'EBS type of the controller root volumes',
  ),
  controllerRootVolumeIOPS: z
    .int()
    .min(0)
    .default(0)
    .describe('Provisioned IOPS of the controller root volumes (io1, io2); 0 for the default'),
  controllerIP: z
    .string()
    .default('10.0.0.50')
    .describe('Private IP of the first controller; controller i uses controllerIP + i'),

  // etcd runs stacked on the controllers; when given, etcdCount must equal controllerCount.
  etcdCount: z.int().min(1).optional().describe('Must equal controllerCount when given'),
  etcdDataVolumeSize: z
    .int()
    .min(1)
    .max(16384)
    .default(30)
    .describe('Size in GiB of the etcd data volume of each controller'),
  etcdDataVolumeType: VolumeTypeSchema.default('gp3').describe('EBS type of the etcd data volumes'),
  etcdDataVolumeIOPS: z
    .int()
    .min(0)
    .default(0)
    .describe('Provisioned IOPS of the etcd data volumes (io1, io2); 0 for the default'),

  workerCount: z
    .int()
    .min(0)
    .max(MAX_NODES)
    .default(1)
    .describe('Number of workers outside node pools'),
  workerInstanceType: z.string().default('t3.medium').describe('EC2 instance type of the workers'),
  workerRootVolumeSize: RootVolumeSizeSchema.default(30).describe('Worker root volume size in GiB'),
  workerRootVolumeType: VolumeTypeSchema.default('gp3').describe(
    'EBS type of the worker root volumes',
  ),
  workerRootVolumeIOPS: z
    .int()
    .min(0)
    .default(0)
    .describe('Provisioned IOPS of the worker root volumes (io1, io2); 0 for the default'),
  // kube-aws accepted both `0.05` and `"0.05"`; a kube-aws user's file must validate unchanged.
  workerSpotPrice: z
    .union([z.string(), z.number()])
    .default('')
    .describe('Maximum spot price in USD; empty for on-demand workers'),
  nodePools: z
    .array(NodePoolSchema)
    .default([])
    .describe('Worker groups of their own, each an Auto Scaling group'),

  vpcId: z.string().default('').describe('Existing VPC to place the cluster in'),
  routeTableId: z.string().default('').describe('Route table of the existing VPC; needs vpcId'),
  vpcCIDR: z
    .string()
    .default('10.0.0.0/16')
    .describe('IPv4 CIDR of the VPC the cluster creates (or of vpcId)'),
  instanceCIDR: z
    .string()
    .default('')
    .describe('Single-AZ form: the one subnet (10.0.0.0/24 when neither it nor subnets is set)'),
  subnets: z.array(SubnetSchema).default([]).describe('Multi-AZ form: one entry per subnet'),
  mapPublicIPs: z.boolean().default(true).describe('Whether nodes get public IPs in their subnets'),
  podCIDR: z
    .string()
    .default('10.2.0.0/16')
    .describe('IPv4 CIDR of pod addresses; must not overlap vpcCIDR or serviceCIDR'),
  serviceCIDR: z
    .string()
    .default('10.3.0.0/24')
    .describe('IPv4 CIDR of service addresses; must not overlap vpcCIDR or podCIDR'),
  dnsServiceIP: z
    .string()
    .default('10.3.0.10')
    .describe('Cluster DNS service address, inside serviceCIDR'),
  apiAccessAllowedSourceCIDRs: z
    .array(z.string())
    .default(['0.0.0.0/0'])
    .describe('IPv4 CIDRs that may reach the API server on port 443'),
  sshAccessAllowedSourceCIDRs: z
    .array(z.string())
    .default([])
    .describe('IPv4 CIDRs that may reach the nodes on port 22; none closes SSH'),
  sshAuthorizedKeys: z
    .array(z.string())
    .default([])
    .describe('Extra OpenSSH public keys for the core user, besides keyName'),

  kubernetesVersion: z
    .string()
    .default('v1.34.2')
    .describe('Kubernetes release of every component'),
  hyperkubeImageRepo: z
    .string()
    .optional()
    .meta({ deprecated: true, description: 'Ignored: images come from registry.k8s.io' }),
  containerRuntime: z
    .enum(['docker', 'containerd', 'rkt'])
    .default('containerd')
    .describe('containerd; docker and rkt are read from old files with a warning and replaced'),
  useCalico: z.boolean().default(false).describe('Whether Calico enforces network policy'),

  kmsKeyArn: z
    .string()
    .default('')
    .describe(
      'KMS key or alias ARN in the cluster region; empty for the backend KMS key in AWS mode (the embedded backend needs it set)',
    ),
  tlsCADurationDays: z.int().default(3650).describe('Validity of the CAs in days, 1 to 36500'),
  tlsCertDurationDays: z
    .int()
    .default(365)
    .describe('Validity of the other certificates in days, at most tlsCADurationDays'),

  createRecordSet: z
    .boolean()
    .default(false)
    .describe('Whether the stack creates the Route 53 record of externalDNSName'),
  recordSetTTL: z
    .int()
    .default(300)
    .describe('TTL in seconds of that record; needs createRecordSet'),
  hostedZone: z
    .string()
    .default('')
    .meta({ deprecated: true, description: 'Zone name; use hostedZoneId instead' }),
  hostedZoneId: z.string().default('').describe('Route 53 hosted zone ID for externalDNSName'),

  stackTags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags of the stack and its resources, at most 49'),
  terminationProtection: z
    .boolean()
    .default(false)
    .describe('Whether the stack refuses deletion until this is turned off'),
});

/** The config after defaults; what every step after validation works on. */
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;
export type ClusterConfigInput = z.input<typeof ClusterConfigSchema>;
export type Subnet = z.infer<typeof SubnetSchema>;
export type NodePool = z.infer<typeof NodePoolSchema>;
