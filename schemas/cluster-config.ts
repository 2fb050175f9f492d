import { z } from 'zod';

/**
 * The `cluster.yaml` schema: every key of kube-aws's 2016 file with its default, plus the keys later
 * kube-aws versions added. Types are strict (no coercion). Semantic rules that relate several keys
 * live in `cluster-config/`, not here, so each finding can name its own rule.
 */

const VolumeTypeSchema = z.enum(['standard', 'gp2', 'gp3', 'io1', 'io2']);

export const SubnetSchema = z.strictObject({
  availabilityZone: z.string(),
  instanceCIDR: z.string(),
});

export const NodePoolSchema = z.strictObject({
  name: z.string(),
  count: z.int().min(0).default(1),
  instanceType: z.string().default('t3.medium'),
  rootVolumeSize: z.int().min(8).default(30),
  rootVolumeType: VolumeTypeSchema.default('gp3'),
  rootVolumeIOPS: z.int().min(0).default(0),
  spotPrice: z.union([z.string(), z.number()]).optional(),
  minSize: z.int().min(0).optional(),
  maxSize: z.int().min(0).optional(),
});

export const ClusterConfigSchema = z.strictObject({
  clusterName: z.string().default('kubernetes'),
  externalDNSName: z.string(),
  keyName: z.string(),
  region: z.string(),
  availabilityZone: z.string().default(''),
  releaseChannel: z.enum(['alpha', 'beta', 'stable', 'lts']).default('stable'),
  amiId: z.string().default(''),

  controllerCount: z.int().min(1).default(1),
  controllerInstanceType: z.string().default('t3.medium'),
  controllerRootVolumeSize: z.int().min(8).default(30),
  controllerRootVolumeType: VolumeTypeSchema.default('gp3'),
  controllerRootVolumeIOPS: z.int().min(0).default(0),
  controllerIP: z.string().default('10.0.0.50'),

  // etcd runs stacked on the controllers; when given, etcdCount must equal controllerCount.
  etcdCount: z.int().min(1).optional(),
  etcdDataVolumeSize: z.int().min(1).default(30),
  etcdDataVolumeType: VolumeTypeSchema.default('gp3'),
  etcdDataVolumeIOPS: z.int().min(0).default(0),

  workerCount: z.int().min(0).default(1),
  workerInstanceType: z.string().default('t3.medium'),
  workerRootVolumeSize: z.int().min(8).default(30),
  workerRootVolumeType: VolumeTypeSchema.default('gp3'),
  workerRootVolumeIOPS: z.int().min(0).default(0),
  // kube-aws accepted both `0.05` and `"0.05"`; a kube-aws user's file must validate unchanged.
  workerSpotPrice: z.union([z.string(), z.number()]).default(''),
  nodePools: z.array(NodePoolSchema).default([]),

  vpcId: z.string().default(''),
  routeTableId: z.string().default(''),
  vpcCIDR: z.string().default('10.0.0.0/16'),
  instanceCIDR: z.string().default(''),
  subnets: z.array(SubnetSchema).default([]),
  mapPublicIPs: z.boolean().default(true),
  podCIDR: z.string().default('10.2.0.0/16'),
  serviceCIDR: z.string().default('10.3.0.0/24'),
  dnsServiceIP: z.string().default('10.3.0.10'),
  apiAccessAllowedSourceCIDRs: z.array(z.string()).default(['0.0.0.0/0']),
  sshAccessAllowedSourceCIDRs: z.array(z.string()).default([]),
  sshAuthorizedKeys: z.array(z.string()).default([]),

  kubernetesVersion: z.string().default('v1.34.2'),
  hyperkubeImageRepo: z.string().optional(),
  containerRuntime: z.enum(['docker', 'containerd', 'rkt']).default('containerd'),
  useCalico: z.boolean().default(false),

  kmsKeyArn: z.string().default(''),
  tlsCADurationDays: z.int().default(3650),
  tlsCertDurationDays: z.int().default(365),

  createRecordSet: z.boolean().default(false),
  recordSetTTL: z.int().default(300),
  hostedZone: z.string().default(''),
  hostedZoneId: z.string().default(''),

  stackTags: z.record(z.string(), z.string()).default({}),
  terminationProtection: z.boolean().default(false),
});

/** The config after defaults; what every step after validation works on. */
export type ClusterConfig = z.infer<typeof ClusterConfigSchema>;
export type ClusterConfigInput = z.input<typeof ClusterConfigSchema>;
export type Subnet = z.infer<typeof SubnetSchema>;
export type NodePool = z.infer<typeof NodePoolSchema>;
