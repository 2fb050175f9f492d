import { ValidationError } from '../../lib/errors.ts';
import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { IMAGE_PARAMETER, METADATA_OPTIONS } from './render-control-plane.ts';
import { instanceProfileId } from './render-iam.ts';
import { WORKER_SG } from './render-security-groups.ts';
import {
  type CfnResource,
  clusterTags,
  ebsSettings,
  type Fragment,
  getAtt,
  type Json,
  type PlannedSubnet,
  ref,
  toLogicalIdPart,
} from './template-context.ts';

/** One worker group as the renderer sees it: the default pool or a `nodePools[]` entry. */
export interface WorkerPool {
  /** Logical id prefix, e.g. `Worker` or `NodePoolGpu`. */
  idPrefix: string;
  name: string;
  count: number;
  minSize: number;
  maxSize: number;
  instanceType: string;
  rootVolumeSize: number;
  rootVolumeType: string;
  rootVolumeIOPS: number;
  spotPrice: string;
  /** cluster.yaml key prefix, e.g. `nodePools[2].` or `worker`. */
  sourceKeys: string[];
}

/** The default pool from the `worker*` keys, then every node pool, with unique logical ids. */
export function planWorkerPools(config: ClusterConfig): WorkerPool[] {
  const pools: WorkerPool[] = [
    {
      idPrefix: 'Worker',
      name: 'worker',
      count: config.workerCount,
      minSize: config.workerCount,
      maxSize: config.workerCount + 1,
      instanceType: config.workerInstanceType,
      rootVolumeSize: config.workerRootVolumeSize,
      rootVolumeType: config.workerRootVolumeType,
      rootVolumeIOPS: config.workerRootVolumeIOPS,
      spotPrice: String(config.workerSpotPrice),
      sourceKeys: [
        'workerCount',
        'workerInstanceType',
        'workerRootVolumeSize',
        'workerRootVolumeType',
        'workerRootVolumeIOPS',
        'workerSpotPrice',
      ],
    },
  ];
  const seen = new Map<string, string>();
  config.nodePools.forEach((pool, index) => {
    const idPrefix = `NodePool${toLogicalIdPart(pool.name)}`;
    const earlier = seen.get(idPrefix);
    if (earlier !== undefined || idPrefix === 'NodePool') {
      throw new ValidationError(
        `nodePools[${index}].name must give a unique alphanumeric id (received ${pool.name}` +
          `${earlier === undefined ? '' : `, same id as ${earlier}`}); rename the node pool`,
      );
    }
    seen.set(idPrefix, pool.name);
    const keys = ['name', 'count', 'instanceType', 'rootVolumeSize', 'rootVolumeType'];
    pools.push({
      idPrefix,
      name: pool.name,
      count: pool.count,
      minSize: pool.minSize ?? pool.count,
      maxSize: pool.maxSize ?? pool.count + 1,
      instanceType: pool.instanceType,
      rootVolumeSize: pool.rootVolumeSize,
      rootVolumeType: pool.rootVolumeType,
      rootVolumeIOPS: pool.rootVolumeIOPS,
      spotPrice: pool.spotPrice === undefined ? '' : String(pool.spotPrice),
      sourceKeys: [...keys, 'rootVolumeIOPS', 'spotPrice', 'minSize', 'maxSize'].map(
        (key) => `nodePools[${index}].${key}`,
      ),
    });
  });

  return pools;
}

/**
 * A rolling update replaces one instance at a time and needs room for it: MinInstancesInService
 * must stay below MaxSize, and spot capacity may vanish, so spot pools keep no minimum.
 */
export function minInstancesInService(pool: WorkerPool): number {
  if (pool.spotPrice !== '') return 0;

  return Math.max(0, Math.min(pool.count, pool.maxSize - 1));
}

function renderLaunchTemplateData(config: ClusterConfig, pool: WorkerPool, userdata: string): Json {
  const data: Record<string, Json> = {
    ImageId: ref(IMAGE_PARAMETER),
    InstanceType: pool.instanceType,
    KeyName: config.keyName,
    IamInstanceProfile: { Arn: getAtt(instanceProfileId('worker'), 'Arn') },
    SecurityGroupIds: [getAtt(WORKER_SG, 'GroupId')],
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: {
          ...ebsSettings(pool.rootVolumeSize, pool.rootVolumeType, pool.rootVolumeIOPS),
          DeleteOnTermination: true,
        },
      },
    ],
    MetadataOptions: { ...METADATA_OPTIONS },
    UserData: userdata,
  };
  if (pool.spotPrice !== '') {
    data.InstanceMarketOptions = { MarketType: 'spot', SpotOptions: { MaxPrice: pool.spotPrice } };
  }

  return data;
}

/** Each pool is an Auto Scaling group launched from its own launch template. */
export function renderWorkers(
  config: ClusterConfig,
  subnets: PlannedSubnet[],
  userdata: string,
): Fragment {
  const resources: Record<string, CfnResource> = {};
  const resourceMap: Record<string, string[]> = {};

  for (const pool of planWorkerPools(config)) {
    const launchTemplateId = `${pool.idPrefix}LaunchTemplate`;
    const groupId = `${pool.idPrefix}AutoScalingGroup`;
    resources[launchTemplateId] = {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: renderLaunchTemplateData(config, pool, userdata) },
    };
    resources[groupId] = {
      Type: 'AWS::AutoScaling::AutoScalingGroup',
      Properties: {
        LaunchTemplate: {
          LaunchTemplateId: ref(launchTemplateId),
          Version: getAtt(launchTemplateId, 'LatestVersionNumber'),
        },
        MinSize: String(pool.minSize),
        MaxSize: String(pool.maxSize),
        DesiredCapacity: String(pool.count),
        HealthCheckType: 'EC2',
        HealthCheckGracePeriod: 600,
        VPCZoneIdentifier: subnets.map((subnet) => ref(subnet.logicalId)),
        Tags: clusterTags(config, `${config.clusterName}-${pool.name}`).map((tag) => ({
          ...(tag as Record<string, Json>),
          PropagateAtLaunch: true,
        })),
      },
      UpdatePolicy: {
        AutoScalingRollingUpdate: {
          MinInstancesInService: minInstancesInService(pool),
          MaxBatchSize: 1,
          PauseTime: 'PT2M',
        },
      },
    };
    resourceMap[launchTemplateId] = [...pool.sourceKeys, 'keyName', 'amiId'];
    resourceMap[groupId] = [...pool.sourceKeys, ...subnets.flatMap((subnet) => subnet.sourceKeys)];
  }

  return { resources, resourceMap };
}
