import { artifactKeys } from '../lib/artifact-keys.ts';
import { InvariantError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { ASSET_CATALOGUE, type NodeFile } from '../pki/asset-catalogue.ts';
import {
  AssetManifestSchema,
  type LatestAssetsPointer,
  LatestAssetsPointerSchema,
  type ManifestAsset,
  readJsonObject,
  readOptionalJsonObject,
} from '../pki/asset-manifest.ts';
import type { KeyService } from '../ports/key-service.ts';
import {
  backendEncryptionContext,
  type NodeAsset,
  type NodeAssets,
  NodeAssetsSchema,
  nodeEncryptionContext,
} from '../schemas/node-assets.ts';
import type { EncryptionResult, TaskInput } from '../schemas/state-payloads.ts';
import type { Deps } from './deps.ts';

/**
 * Encrypt Assets: builds the node bundle. Public files travel as PEM; each private key is turned
 * from its backend-sealed form into node ciphertext with ReEncrypt, so its plaintext never reaches
 * this function. A key whose fingerprint did not change keeps its earlier ciphertext byte for
 * byte, so userdata, and with it the instances, stay unchanged across revisions.
 */
export async function encryptStep(input: TaskInput, deps: Deps): Promise<EncryptionResult> {
  const { cluster, revision } = input;
  const manifestKey = input.state.assets?.manifestKey;
  if (manifestKey === undefined) {
    throw new InvariantError('state.assets.manifestKey must be set before encrypt (received none)');
  }
  const manifest = await readJsonObject(deps.artifacts, manifestKey, AssetManifestSchema);
  const latest = await readOptionalJsonObject(
    deps.artifacts,
    artifactKeys.latestAssets(cluster),
    LatestAssetsPointerSchema,
  );
  const earlier = await loadNodeCiphertexts(deps, latest);
  const byName = new Map(manifest.assets.map((asset) => [asset.name, asset]));

  const assets: NodeAsset[] = [];
  const encrypted: string[] = [];
  const reused: string[] = [];
  for (const spec of ASSET_CATALOGUE) {
    const entry = byName.get(spec.name);
    if (entry === undefined) {
      throw new InvariantError(`${manifestKey} must list asset ${spec.name} (received none)`);
    }
    for (const file of spec.files) {
      if (file.kind !== 'private-key') {
        assets.push(describePublicFile(entry, file));
        continue;
      }
      const context = nodeEncryptionContext(cluster, entry.name);
      const kept = earlier.get(file.path);
      const reusable =
        kept !== undefined &&
        kept.fingerprint === entry.publicKeyFingerprint &&
        canonicalJson(kept.encryptionContext) === canonicalJson(context);
      const content = reusable ? kept.content : await sealForNodes(deps.keys, cluster, entry);
      (reusable ? reused : encrypted).push(entry.name);
      assets.push({
        name: entry.name,
        kind: 'private-key',
        roles: [...file.roles],
        path: file.path,
        content,
        encryptionContext: context,
        fingerprint: entry.publicKeyFingerprint,
      });
    }
  }

  const bundle: NodeAssets = { cluster, keyId: deps.keys.keyId, assets };
  const nodeAssetsKey = artifactKeys.nodeAssets(cluster, revision);
  await deps.artifacts.put(nodeAssetsKey, canonicalJson(bundle, 2), 'application/json');
  // A late retry of an older revision must not move the pointer back past a newer bundle.
  if (latest === undefined || latest.revision <= revision) {
    const pointer: LatestAssetsPointer = { revision, manifestKey, nodeAssetsKey };
    await deps.artifacts.put(
      artifactKeys.latestAssets(cluster),
      canonicalJson(pointer, 2),
      'application/json',
    );
  }
  logger.info('node assets encrypted', {
    cluster_name: cluster,
    revision,
    encrypted_count: encrypted.length,
    reused_count: reused.length,
  });

  return { nodeAssetsKey, encrypted, reused };
}

function describePublicFile(entry: ManifestAsset, file: NodeFile): NodeAsset {
  const content = file.kind === 'certificate' ? entry.certificate : entry.publicKey;
  if (content === undefined) {
    throw new InvariantError(`asset ${entry.name} must have a ${file.kind} (received none)`);
  }

  return {
    name: entry.name,
    kind: file.kind,
    roles: [...file.roles],
    path: file.path,
    content,
    fingerprint: sha256Hex(content),
  };
}

async function sealForNodes(keys: KeyService, cluster: string, entry: ManifestAsset) {
  const nodeCiphertext = await keys.reEncrypt(
    Buffer.from(entry.sealedKey, 'base64'),
    backendEncryptionContext(cluster, entry.name),
    nodeEncryptionContext(cluster, entry.name),
  );

  return Buffer.from(nodeCiphertext).toString('base64');
}

/**
 * Private-key entries of the newest node bundle, by node path; empty on a first run or when the
 * key service's key changed (instances may decrypt only under the current key).
 */
async function loadNodeCiphertexts(
  deps: Deps,
  latest: LatestAssetsPointer | undefined,
): Promise<Map<string, NodeAsset>> {
  if (latest === undefined) return new Map();
  const bundle = await readJsonObject(deps.artifacts, latest.nodeAssetsKey, NodeAssetsSchema);
  if (bundle.keyId !== deps.keys.keyId) return new Map();

  return new Map(
    bundle.assets
      .filter((asset) => asset.kind === 'private-key')
      .map((asset) => [asset.path, asset]),
  );
}
