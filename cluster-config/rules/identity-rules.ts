import { CLUSTER_NAME_PATTERN } from '../../lib/cluster-name.ts';
import { DERIVED_NAMES } from '../derived-names.ts';
import { formatReceived } from '../describe-schema-issue.ts';
import { escapeControlCharacters } from '../escape-control-characters.ts';
import type { RuleContext } from './rule-context.ts';

/** Names, identifiers and versions: what AWS or the registry would reject later. */

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function isRegionName(region: string): boolean {
  return REGION_PATTERN.test(region);
}
const KEY_ID = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
const KMS_ARN_PATTERN = new RegExp(
  `^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):(\\d{12}):(key/${KEY_ID}|alias/[a-zA-Z0-9/_-]{1,250})$`,
);
const RESOURCE_ID_PATTERNS = {
  vpcId: { pattern: /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, example: 'vpc-0a1b2c3d4e5f67890' },
  routeTableId: { pattern: /^rtb-([0-9a-f]{8}|[0-9a-f]{17})$/, example: 'rtb-0a1b2c3d4e5f67890' },
  amiId: { pattern: /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/, example: 'ami-0a1b2c3d4e5f67890' },
} as const;
const KUBERNETES_VERSION_PATTERN = /^v\d+\.\d+\.\d+$/;
/** kube-aws 2016 tags such as `v1.4.3_coreos.0` named quay.io hyperkube images. */
const HYPERKUBE_TAG_PATTERN = /^v\d+\.\d+\.\d+_coreos\.\d+$/;
export const DEFAULT_KUBERNETES_VERSION = 'v1.34.2';

export function checkIdentity(context: RuleContext): void {
  const { config } = context;
  for (const key of ['clusterName', 'externalDNSName', 'keyName', 'region'] as const) {
    if (config[key] === '') context.error('required-key', [key], `${key} must be set`);
  }
  checkClusterName(context);

  if (config.region !== '' && !REGION_PATTERN.test(config.region)) {
    context.error(
      'region-format',
      ['region'],
      `region must be an AWS region name such as us-east-1 (received ${formatReceived(config.region)})`,
    );
  }
  for (const [key, { pattern, example }] of Object.entries(RESOURCE_ID_PATTERNS)) {
    const value = config[key as keyof typeof RESOURCE_ID_PATTERNS];
    if (value !== '' && !pattern.test(value)) {
      context.error(
        'resource-id-format',
        [key],
        `${key} must be an ID such as ${example} (received ${formatReceived(value)})`,
      );
    }
  }
  if (config.routeTableId !== '' && config.vpcId === '') {
    context.error(
      'route-table-requires-vpc',
      ['routeTableId'],
      `routeTableId must be used with vpcId (received ${formatReceived(config.routeTableId)}); ` +
        `set vpcId to the VPC that owns the route table`,
    );
  }
  checkKmsKeyArn(context);
  checkVersions(context);
}

function checkClusterName(context: RuleContext): void {
  const name = context.config.clusterName;
  if (name === '') return;
  if (!CLUSTER_NAME_PATTERN.test(name)) {
    context.error(
      'cluster-name-format',
      ['clusterName'],
      `clusterName must start with a letter and hold only letters, digits and hyphens (received ` +
        `${formatReceived(name)})`,
    );
    return;
  }
  for (const derived of DERIVED_NAMES) {
    const limit = derived.maxLength - derived.extraLength;
    if (name.length <= limit) continue;
    context.error(
      'cluster-name-length',
      ['clusterName'],
      `clusterName must be at most ${limit} characters so that the ${derived.label} ` +
        `${derived.pattern} fits in ${derived.maxLength} (received ${name.length} characters)`,
    );
  }
}

function checkKmsKeyArn(context: RuleContext): void {
  const { kmsKeyArn, region } = context.config;
  if (kmsKeyArn === '') return;

  const match = KMS_ARN_PATTERN.exec(kmsKeyArn);
  if (match === null) {
    context.error(
      'kms-key-arn-format',
      ['kmsKeyArn'],
      `kmsKeyArn must be a KMS key or alias ARN such as ` +
        `arn:aws:kms:us-east-1:123456789012:key/<key-id> (received ${formatReceived(kmsKeyArn)}); ` +
        `leave it empty to use the backend key`,
    );
    return;
  }
  if (region !== '' && match[2] !== region) {
    context.error(
      'kms-key-arn-region',
      ['kmsKeyArn'],
      `kmsKeyArn must be a key in region ${escapeControlCharacters(region)} (received ${formatReceived(kmsKeyArn)})`,
      [['region']],
    );
  }
}

function checkVersions(context: RuleContext): void {
  const { kubernetesVersion, containerRuntime } = context.config;
  if (HYPERKUBE_TAG_PATTERN.test(kubernetesVersion)) {
    context.warn(
      'deprecated-value',
      ['kubernetesVersion'],
      `kubernetesVersion ${kubernetesVersion} is a hyperkube tag that registry.k8s.io does not ` +
        `serve; ${DEFAULT_KUBERNETES_VERSION} is used instead`,
    );
  } else if (!KUBERNETES_VERSION_PATTERN.test(kubernetesVersion)) {
    context.error(
      'kubernetes-version-format',
      ['kubernetesVersion'],
      `kubernetesVersion must be a release such as ${DEFAULT_KUBERNETES_VERSION} (received ` +
        `${formatReceived(kubernetesVersion)})`,
    );
  }
  if (containerRuntime !== 'containerd') {
    context.warn(
      'deprecated-value',
      ['containerRuntime'],
      `containerRuntime ${containerRuntime} is no longer supported by Kubernetes; containerd is used instead`,
    );
  }
}
