import {
  formatCloudConfigEntry,
  validateCloudConfig,
} from '../cloud-config/validate-cloud-config.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { InvariantError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { readJsonObject, readVerifiedJsonObject } from '../pki/asset-manifest.ts';
import { type ClusterConfig, ClusterConfigSchema } from '../schemas/cluster-config.ts';
import { type NodeAssets, NodeAssetsSchema, type NodeRole } from '../schemas/node-assets.ts';
import type { RenderResult, TaskInput } from '../schemas/state-payloads.ts';
import { checkTemplateSize } from '../stack/template/check-limits.ts';
import { checkReferences } from '../stack/template/check-references.ts';
import { renderTemplate } from '../stack/template/render-template.ts';
import { renderLoaderUserdata } from '../stack/userdata/render-loader-userdata.ts';
import {
  encodeUserdata,
  renderUserdata,
  USERDATA_LIMIT_BYTES,
} from '../stack/userdata/render-userdata.ts';
import type { Deps } from './deps.ts';

/** One node kind's userdata: each controller (its own etcd member) or the shared worker one. */
interface NodeUserdata {
  /** `controller0`, `controller1`, ... or `worker`. */
  label: string;
  role: NodeRole;
  controllerIndex?: number;
}

interface PlacedUserdata {
  label: string;
  role: NodeRole;
  /** What goes into the template: the gzipped cloud-config, or the loader, in base64. */
  base64: string;
  gzippedBytes: number;
  offloadedKey?: string;
  /** The full text stored under `offloadedKey`, with the template's own writes. */
  offloadedText?: string;
}

/**
 * Render Stack: renders the userdata of every node kind, offloads any above the EC2 limit to the
 * artefacts store behind a small loader, renders the template, checks its references and size,
 * and stores it under its content hash. Only keys, hashes and sizes leave this step.
 */
export async function renderStep(input: TaskInput, deps: Deps): Promise<RenderResult> {
  const { cluster, revision } = input;
  const configKey = input.state.validation?.configKey;
  const nodeAssetsKey = input.state.encryption?.nodeAssetsKey;
  if (configKey === undefined || nodeAssetsKey === undefined) {
    throw new InvariantError(
      'state.validation.configKey and state.encryption.nodeAssetsKey must be set before render ' +
        `(received ${configKey ?? 'none'} and ${nodeAssetsKey ?? 'none'})`,
    );
  }
  const config = await readJsonObject(deps.artifacts, configKey, ClusterConfigSchema);
  const nodeAssetsSha256 = input.state.encryption?.nodeAssetsSha256;
  // The hash Encrypt reported: the certificates that go into userdata are the ones it bundled.
  const nodeAssets =
    nodeAssetsSha256 === undefined
      ? await readJsonObject(deps.artifacts, nodeAssetsKey, NodeAssetsSchema)
      : await readVerifiedJsonObject(
          deps.artifacts,
          nodeAssetsKey,
          nodeAssetsSha256,
          NodeAssetsSchema,
        );

  const placed = listNodeUserdata(config).map((node) =>
    placeUserdata(node, config, nodeAssets, deps.artifacts.bucket),
  );
  const controllers = placed.filter((entry) => entry.role === 'controller');
  const worker = placed.find((entry) => entry.role === 'worker');
  if (controllers[0] === undefined || worker === undefined) {
    throw new InvariantError(`userdata must exist for every role (received ${placed.length})`);
  }
  const offloaded = (role: NodeRole) =>
    placed.filter((entry) => entry.role === role).flatMap((entry) => entry.offloadedKey ?? []);

  const { template, resourceMap } = renderTemplate({
    config,
    userdata: { controller: controllers[0].base64, worker: worker.base64 },
    controllerUserdata: controllers.map((entry) => entry.base64),
    keyArn: resolveKeyArn(config, nodeAssets),
    artifactsBucket: deps.artifacts.bucket,
    offloadedUserdataKeys: { controller: offloaded('controller'), worker: offloaded('worker') },
  });
  checkReferences(template);
  const body = canonicalJson(template);
  const templateBytes = checkTemplateSize(template, body);

  const templateSha256 = sha256Hex(body);
  const templateKey = artifactKeys.template(cluster, templateSha256);
  const resourceMapKey = artifactKeys.resourceMap(cluster, revision);
  // The offloaded userdata, the template and its resource map are written together; the step
  // returns only once all three are stored, so Apply never sees a template without its userdata.
  await Promise.all([
    ...placed.flatMap(({ offloadedKey, offloadedText }) =>
      offloadedKey === undefined || offloadedText === undefined
        ? []
        : [deps.artifacts.put(offloadedKey, offloadedText, 'text/cloud-config')],
    ),
    deps.artifacts.put(templateKey, body, 'application/json'),
    deps.artifacts.put(resourceMapKey, canonicalJson(resourceMap, 2), 'application/json'),
  ]);

  const userdataBytes = Object.fromEntries(
    placed.map((entry) => [entry.label, entry.gzippedBytes]),
  );
  logger.info('stack render completed', {
    cluster_name: cluster,
    revision,
    template_sha256: templateSha256,
    template_bytes: templateBytes,
    offloaded_userdata: placed.filter((entry) => entry.offloadedKey !== undefined).length,
  });

  return { templateKey, templateSha256, templateBytes, resourceMapKey, userdataBytes };
}

/**
 * The key ARN instance roles may decrypt with: the key that sealed the bundle when it is named by
 * key ARN, else `kmsKeyArn` (an alias cannot authorise kms:Decrypt in an IAM policy).
 */
function resolveKeyArn(config: ClusterConfig, nodeAssets: NodeAssets): string {
  if (/^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(nodeAssets.keyId)) return nodeAssets.keyId;

  return config.kmsKeyArn;
}

function listNodeUserdata(config: ClusterConfig): NodeUserdata[] {
  const controllers = Array.from({ length: config.controllerCount }, (_, index) => ({
    label: `controller${index}`,
    role: 'controller' as const,
    controllerIndex: index,
  }));

  return [...controllers, { label: 'worker', role: 'worker' }];
}

/**
 * Renders and checks one node kind's cloud-config. Within the EC2 limit it goes into the template
 * as gzip+base64; above it, the full text is stored by content hash and a loader takes its place.
 */
function placeUserdata(
  node: NodeUserdata,
  config: ClusterConfig,
  nodeAssets: NodeAssets,
  artifactsBucket: string,
): PlacedUserdata {
  const text = renderUserdata(node.role, {
    config,
    nodeAssets,
    ...(node.controllerIndex === undefined ? {} : { controllerIndex: node.controllerIndex }),
  });
  assertValidCloudConfig(node.label, text);
  const encoded = encodeUserdata(text);
  if (encoded.gzippedBytes <= USERDATA_LIMIT_BYTES) {
    return { label: node.label, role: node.role, ...encoded };
  }

  const key = artifactKeys.userdata(config.clusterName, node.label, sha256Hex(text));
  const loader = encodeUserdata(
    renderLoaderUserdata(node.role, `s3://${artifactsBucket}/${key}`, config.region),
  );
  if (loader.gzippedBytes > USERDATA_LIMIT_BYTES) {
    throw new InvariantError(
      `${node.label} loader userdata must fit ${USERDATA_LIMIT_BYTES} bytes (received ${loader.gzippedBytes})`,
    );
  }

  return {
    label: node.label,
    role: node.role,
    base64: loader.base64,
    gzippedBytes: encoded.gzippedBytes,
    offloadedKey: key,
    offloadedText: text,
  };
}

/** Rendered userdata that coreos-cloudinit would reject is a renderer bug, not a user error. */
function assertValidCloudConfig(label: string, text: string): void {
  const entries = validateCloudConfig(text);
  const errors = entries.filter((entry) => entry.severity === 'error');
  const name = `UserData${label.charAt(0).toUpperCase()}${label.slice(1)}`;
  if (errors.length > 0) {
    throw new InvariantError(errors.map((entry) => formatCloudConfigEntry(name, entry)).join('; '));
  }
  if (entries.length > 0) {
    logger.warn('rendered userdata has cloud-config warnings', {
      userdata: name,
      warnings: entries.length,
    });
  }
}
