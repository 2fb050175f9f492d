import { artifactKeys } from '../lib/artifact-keys.ts';
import { IntegrityError, InvariantError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { ASSET_CATALOGUE, type NodeFile } from '../pki/asset-catalogue.ts';
import {
  type AssetManifest,
  AssetManifestSchema,
  type LatestAssetsPointer,
  LatestAssetsPointerSchema,
  type ManifestAsset,
  parseJsonObject,
  readJsonObject,
  readOptionalJsonObject,
} from '../pki/asset-manifest.ts';
import { checkReusedAssets } from '../pki/verify-asset-manifest.ts';
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
  const [{ manifest, rotateAll }, latest] = await Promise.all([
    loadCurrentManifest(deps, input, manifestKey),
    readOptionalJsonObject(
      deps.artifacts,
      artifactKeys.latestAssets(cluster),
      LatestAssetsPointerSchema,
    ),
  ]);
  // After a full rotation no key is the same, so nothing earlier is read (or needs to be intact).
  const earlier = rotateAll ? new Map() : await loadNodeCiphertexts(deps, cluster, latest);
  const byName = new Map(manifest.assets.map((asset) => [asset.name, asset]));

  const encrypted: string[] = [];
  const reused: string[] = [];
  // Every private key is re-encrypted at once: one KMS round trip of latency rather than one per key.
  const assets = await Promise.all(
    ASSET_CATALOGUE.flatMap((spec) => {
      const entry = byName.get(spec.name);
      if (entry === undefined) {
        throw new InvariantError(`${manifestKey} must list asset ${spec.name} (received none)`);
      }

      return spec.files.map(async (file): Promise<NodeAsset> => {
        if (file.kind !== 'private-key') return describePublicFile(entry, file);
        const context = nodeEncryptionContext(cluster, entry.name);
        const kept = earlier.get(file.path);
        const reusable =
          kept !== undefined &&
          kept.fingerprint === entry.publicKeyFingerprint &&
          canonicalJson(kept.encryptionContext) === canonicalJson(context);
        (reusable ? reused : encrypted).push(entry.name);
        const content = reusable ? kept.content : await sealForNodes(deps.keys, cluster, entry);

        return {
          name: entry.name,
          kind: 'private-key',
          roles: [...file.roles],
          path: file.path,
          content,
          encryptionContext: context,
          fingerprint: entry.publicKeyFingerprint,
        };
      });
    }),
  );

  const bundle: NodeAssets = { cluster, keyId: deps.keys.keyId, assets };
  const nodeAssetsKey = artifactKeys.nodeAssets(cluster, revision);
  const body = canonicalJson(bundle, 2);
  const nodeAssetsSha256 = sha256Hex(body);
  // Both before the pointer moves, so a bundle the pointer names is stored with its hash on record.
  await Promise.all([
    deps.artifacts.put(nodeAssetsKey, body, 'application/json'),
    deps.revisions.update(cluster, revision, { nodeAssetsSha256 }),
  ]);
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

  return { nodeAssetsKey, nodeAssetsSha256, encrypted, reused };
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
 * This revision's manifest, as Generate Assets wrote it: under this revision's key, and with every
 * entry self-consistent and carrying the fingerprint recorded on the revision. A manifest changed
 * in between could otherwise pair a key with someone else's certificate.
 */
async function loadCurrentManifest(
  deps: Deps,
  input: TaskInput,
  manifestKey: string,
): Promise<{ manifest: AssetManifest; rotateAll: boolean }> {
  const { cluster, revision } = input;
  const expectedKey = artifactKeys.assetManifest(cluster, revision);
  if (manifestKey !== expectedKey) {
    throw new InvariantError(
      `state.assets.manifestKey must be ${expectedKey} (received ${manifestKey})`,
    );
  }
  const [body, record] = await Promise.all([
    deps.artifacts.get(manifestKey),
    deps.revisions.get(cluster, revision),
  ]);
  if (body === undefined) {
    throw new InvariantError(
      `${manifestKey} must exist in the artefacts store (received no object)`,
    );
  }
  const manifest = parseJsonObject(manifestKey, body, AssetManifestSchema);
  const remedy = 'submit the cluster again to generate it afresh';
  if (manifest.cluster !== cluster || manifest.revision !== revision) {
    throw new IntegrityError(
      `${manifestKey} must be the manifest of revision ${revision} of cluster ${cluster} ` +
        `(received revision ${manifest.revision} of cluster ${manifest.cluster}); ${remedy}`,
    );
  }
  checkReusedAssets({
    manifestKey,
    manifest,
    names: ASSET_CATALOGUE.map((spec) => spec.name),
    recorded: record?.assetFingerprints ?? {},
    entryHashes: record?.assetEntrySha256 ?? {},
  });

  return { manifest, rotateAll: record?.rotate?.includes('all') === true };
}

/**
 * Private-key entries of the newest node bundle, by node path; empty on a first run or when the
 * key service's key changed (instances may decrypt only under the current key). The bundle is
 * used only when it is this cluster's bundle of the pointer's revision with the hash that revision
 * recorded, so a rewritten bundle cannot hand this revision ciphertext of some other key.
 */
async function loadNodeCiphertexts(
  deps: Deps,
  cluster: string,
  latest: LatestAssetsPointer | undefined,
): Promise<Map<string, NodeAsset>> {
  if (latest === undefined) return new Map();
  const pointerKey = artifactKeys.latestAssets(cluster);
  const expectedKey = artifactKeys.nodeAssets(cluster, latest.revision);
  if (latest.nodeAssetsKey !== expectedKey) {
    throw new IntegrityError(
      `${pointerKey} nodeAssetsKey must be ${expectedKey}, the bundle of its revision ` +
        `${latest.revision} (received ${latest.nodeAssetsKey}); restore ${pointerKey} or ` +
        're-issue every asset with up --rotate all',
    );
  }
  const record = await deps.revisions.get(cluster, latest.revision);
  const bundle = await readEarlierBundle(deps, expectedKey, record?.nodeAssetsSha256);
  if (bundle.cluster !== cluster) {
    throw new IntegrityError(
      `${expectedKey} cluster must be ${cluster} (received ${bundle.cluster}); ` +
        `restore ${pointerKey} or re-issue every asset with up --rotate all`,
    );
  }
  if (bundle.keyId !== deps.keys.keyId) return new Map();

  return new Map(
    bundle.assets
      .filter((asset) => asset.kind === 'private-key')
      .map((asset) => [asset.path, asset]),
  );
}

/**
 * A bundle written before revisions recorded its hash cannot be checked; its ciphertext is bound
 * to this cluster and asset by the encryption context, so it is still reused, with a warning.
 */
async function readEarlierBundle(
  deps: Deps,
  key: string,
  sha256: string | undefined,
): Promise<NodeAssets> {
  if (sha256 === undefined) {
    logger.warn('earlier node bundle has no recorded hash', { node_assets_key: key });

    return readJsonObject(deps.artifacts, key, NodeAssetsSchema);
  }
  // One read: the bytes hashed are the bytes parsed.
  const body = await deps.artifacts.get(key);
  const actual = body === undefined ? 'no object' : sha256Hex(body);
  if (body === undefined || actual !== sha256) {
    throw new IntegrityError(
      `${key} must have the recorded sha256 ${sha256} (received ${actual}); ` +
        'the bundle was changed outside the product: re-issue every asset with up --rotate all',
    );
  }

  return parseJsonObject(key, body, NodeAssetsSchema);
}
