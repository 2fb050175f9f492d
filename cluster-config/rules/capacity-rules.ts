import type { ClusterConfig } from '../../schemas/cluster-config.ts';
import { formatReceived } from '../describe-schema-issue.ts';
import { escapeControlCharacters } from '../escape-control-characters.ts';
import type { ConfigPath } from '../yaml-source.ts';
import { formatPath } from '../yaml-source.ts';
import type { RuleContext } from './rule-context.ts';

/** Counts, volumes, spot prices, node pools and TLS lifetimes. */

type VolumeType = ClusterConfig['workerRootVolumeType'];

interface VolumeLimits {
  minIops: number;
  maxIops: number;
  /** IOPS per GiB; undefined when the type takes no IOPS setting. */
  iopsPerGiB?: number;
  /** IOPS every volume of the type gets for free whatever its size. */
  baselineIops: number;
  minSize: number;
  maxSize: number;
}

/** https://docs.aws.amazon.com/ebs/latest/userguide/ebs-volume-types.html */
const VOLUME_LIMITS: Readonly<Record<VolumeType, VolumeLimits>> = {
  standard: { minIops: 0, maxIops: 0, baselineIops: 0, minSize: 1, maxSize: 1024 },
  gp2: { minIops: 0, maxIops: 0, baselineIops: 0, minSize: 1, maxSize: 16384 },
  gp3: {
    minIops: 3000,
    maxIops: 16000,
    iopsPerGiB: 500,
    baselineIops: 3000,
    minSize: 1,
    maxSize: 16384,
  },
  io1: {
    minIops: 100,
    maxIops: 64000,
    iopsPerGiB: 50,
    baselineIops: 0,
    minSize: 4,
    maxSize: 16384,
  },
  io2: {
    minIops: 100,
    maxIops: 256000,
    iopsPerGiB: 1000,
    baselineIops: 0,
    minSize: 4,
    maxSize: 16384,
  },
};

const NODE_POOL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Dollars per instance-hour: up to 999 with up to six decimals covers every EC2 price. */
const SPOT_PRICE_TEXT = /^\d{1,3}(\.\d{1,6})?$/;
/**
 * A hundred years. X.509 writes dates after 2049 as GeneralizedTime, which ends at 9999-12-31,
 * and JavaScript dates stop at +275760: a larger figure would break certificate issuance, or issue
 * a certificate that openssl cannot read.
 */
export const MAX_TLS_DURATION_DAYS = 36_500;

export function checkCapacity(context: RuleContext): void {
  const { config } = context;
  for (const role of ['controllerRoot', 'workerRoot', 'etcdData'] as const) {
    checkVolume(context, {
      type: config[`${role}VolumeType`],
      iops: config[`${role}VolumeIOPS`],
      size: config[`${role}VolumeSize`],
      typePath: [`${role}VolumeType`],
      iopsPath: [`${role}VolumeIOPS`],
      sizePath: [`${role}VolumeSize`],
    });
  }
  if (config.etcdCount !== undefined && config.etcdCount !== config.controllerCount) {
    context.error(
      'etcd-count',
      ['etcdCount'],
      `etcdCount must equal controllerCount ${config.controllerCount} because etcd runs on the ` +
        `controllers (received ${config.etcdCount})`,
      [['controllerCount']],
    );
  }
  if (config.controllerCount % 2 === 0) {
    context.warn(
      'etcd-quorum',
      ['controllerCount'],
      `controllerCount should be odd so that etcd keeps a majority when a controller fails ` +
        `(received ${config.controllerCount})`,
    );
  }
  checkSpotPrice(context, ['workerSpotPrice'], config.workerSpotPrice);
  checkNodePools(context);
  checkTlsDurations(context);
}

interface VolumeInput {
  type: VolumeType;
  iops: number;
  size: number;
  typePath: ConfigPath;
  iopsPath: ConfigPath;
  sizePath: ConfigPath;
}

function checkVolume(context: RuleContext, volume: VolumeInput): void {
  const limits = VOLUME_LIMITS[volume.type];
  const iopsName = formatPath(volume.iopsPath);
  const sizeName = formatPath(volume.sizePath);
  const related = [volume.typePath];
  const typeText = `volume type ${volume.type}`;
  if (volume.size < limits.minSize || volume.size > limits.maxSize) {
    context.error(
      'volume-size',
      volume.sizePath,
      `${sizeName} must be from ${limits.minSize} to ${limits.maxSize} GiB for ${typeText} (received ${volume.size})`,
      related,
    );
  }
  if (limits.iopsPerGiB === undefined) {
    if (volume.iops !== 0) {
      context.error(
        'volume-iops',
        volume.iopsPath,
        `${iopsName} must be 0 for ${typeText} (received ${volume.iops})`,
        related,
      );
    }
    return;
  }
  // gp3 takes 0 to mean "the free baseline"; io1 and io2 need an explicit figure.
  if (volume.iops === 0 && limits.baselineIops > 0) return;
  if (volume.iops < limits.minIops || volume.iops > limits.maxIops) {
    const zero = limits.baselineIops > 0 ? '0 or ' : '';
    context.error(
      'volume-iops',
      volume.iopsPath,
      `${iopsName} must be ${zero}from ${limits.minIops} to ${limits.maxIops} for ${typeText} ` +
        `(received ${volume.iops})`,
      related,
    );
    return;
  }
  const allowed = Math.max(limits.baselineIops, limits.iopsPerGiB * volume.size);
  if (volume.iops > allowed) {
    context.error(
      'volume-iops-ratio',
      volume.iopsPath,
      `${iopsName} must be at most ${limits.iopsPerGiB} per GiB of ${sizeName} ${volume.size}, ` +
        `so ${allowed}, for ${typeText} (received ${volume.iops})`,
      [...related, volume.sizePath],
    );
  }
}

function checkSpotPrice(
  context: RuleContext,
  path: ConfigPath,
  price: string | number | undefined,
): void {
  if (price === undefined || price === '') return;
  // A number is judged as written: 1e-7 or 1e21 is not a dollar amount EC2 takes.
  const text = typeof price === 'number' ? String(price) : price;
  if (SPOT_PRICE_TEXT.test(text) && Number(text) > 0) return;
  context.error(
    'spot-price-format',
    path,
    `${formatPath(path)} must be a positive price in US dollars such as 0.05, with at most 3 ` +
      `digits before the point and 6 after (received ${formatReceived(price)})`,
  );
}

function checkNodePools(context: RuleContext): void {
  const firstIndexByName = new Map<string, number>();
  context.config.nodePools.forEach((pool, index) => {
    const path = ['nodePools', index];
    const namePath = [...path, 'name'];
    const name = formatPath(namePath);
    if (pool.name === '') {
      context.error('required-key', namePath, `${name} must be set`);
    } else if (!NODE_POOL_NAME.test(pool.name)) {
      context.error(
        'node-pool-name',
        namePath,
        `${name} must be a DNS label of lower-case letters, digits and hyphens, at most 63 ` +
          `characters (received ${formatReceived(pool.name)})`,
      );
    }
    const resourceId = toResourceId(pool.name);
    const first = firstIndexByName.get(resourceId);
    if (first !== undefined && pool.name !== '') {
      const other = context.config.nodePools[first]?.name;
      const reason =
        other === pool.name
          ? `nodePools[${first}] has the same name`
          : `nodePools[${first}].name ${escapeControlCharacters(other ?? '')} differs only in hyphens, ` +
            `and both become the resource id NodePool${resourceId}`;
      context.error(
        'node-pool-duplicate-name',
        namePath,
        `${name} must be unique; ${reason} (received ${formatReceived(pool.name)})`,
      );
    } else {
      firstIndexByName.set(resourceId, index);
    }
    if (pool.minSize !== undefined && pool.minSize > pool.count) {
      context.error(
        'node-pool-size',
        [...path, 'minSize'],
        `${formatPath([...path, 'minSize'])} must be at most count ${pool.count} (received ${pool.minSize})`,
        [[...path, 'count']],
      );
    }
    if (pool.maxSize !== undefined && pool.maxSize < pool.count) {
      context.error(
        'node-pool-size',
        [...path, 'maxSize'],
        `${formatPath([...path, 'maxSize'])} must be at least count ${pool.count} (received ${pool.maxSize})`,
        [[...path, 'count']],
      );
    }
    checkVolume(context, {
      type: pool.rootVolumeType,
      iops: pool.rootVolumeIOPS,
      size: pool.rootVolumeSize,
      typePath: [...path, 'rootVolumeType'],
      iopsPath: [...path, 'rootVolumeIOPS'],
      sizePath: [...path, 'rootVolumeSize'],
    });
    checkSpotPrice(context, [...path, 'spotPrice'], pool.spotPrice);
  });
}

/** The CloudFormation id part the renderer derives from a pool name: hyphens dropped, parts capitalised. */
function toResourceId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function checkTlsDurations(context: RuleContext): void {
  const { tlsCADurationDays, tlsCertDurationDays } = context.config;
  for (const key of ['tlsCADurationDays', 'tlsCertDurationDays'] as const) {
    const days = context.config[key];
    if (days < 1 || days > MAX_TLS_DURATION_DAYS) {
      context.error(
        'tls-duration',
        [key],
        `${key} must be from 1 to ${MAX_TLS_DURATION_DAYS} days (received ${days})`,
      );
    }
  }
  const caInRange = tlsCADurationDays >= 1 && tlsCADurationDays <= MAX_TLS_DURATION_DAYS;
  if (tlsCertDurationDays > tlsCADurationDays && caInRange) {
    context.error(
      'tls-duration-order',
      ['tlsCertDurationDays'],
      `tlsCertDurationDays must not exceed tlsCADurationDays ${tlsCADurationDays}, the lifetime ` +
        `of the CA that signs the certificates (received ${tlsCertDurationDays})`,
      [['tlsCADurationDays']],
    );
  }
}
