import { artifactKeys } from '../lib/artifact-keys.ts';
import { IntegrityError, InvariantError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import {
  type AssetManifest,
  AssetManifestSchema,
  type LatestAssetsPointer,
  LatestAssetsPointerSchema,
  type ManifestAsset,
  readJsonObject,
  readOptionalJsonObject,
} from '../pki/asset-manifest.ts';
import { buildAssetEntries } from '../pki/build-asset-entries.ts';
import { planAssetChanges } from '../pki/plan-asset-changes.ts';
import {
  checkManifestOrigin,
  checkPointerKey,
  checkReusedAssets,
  hashManifestEntry,
} from '../pki/verify-asset-manifest.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
import type { Revision } from '../schemas/revision.ts';
import type { AssetsResult, TaskInput } from '../schemas/state-payloads.ts';
import type { Deps } from './deps.ts';
import { loadConfig } from './validate-step.ts';

/**
 * Generate Assets: reuses every certificate and key of the cluster's newest asset manifest that
 * still fits the config, issues what is new or must change, and writes this revision's manifest.
 * It never rotates silently: each issued asset carries its reason in the manifest.
 */
export async function generateAssetsStep(input: TaskInput, deps: Deps): Promise<AssetsResult> {
  const { cluster, revision } = input;
  // Independent reads, made together: each is a round trip before the first key can start.
  const [config, record, pointer] = await Promise.all([
    loadValidatedConfig(input, deps),
    deps.revisions.get(cluster, revision),
    readOptionalJsonObject(
      deps.artifacts,
      artifactKeys.latestAssets(cluster),
      LatestAssetsPointerSchema,
    ),
  ]);
  if (record === undefined) {
    throw new InvariantError(
      `revision ${revision} of cluster ${cluster} must exist (received none)`,
    );
  }
  const rotate = record.rotate ?? [];
  const previous = await loadLatestManifest(deps, cluster, pointer, rotate.includes('all'));
  const now = deps.now();

  const decisions = planAssetChanges({
    config,
    previous: previous?.manifest.assets ?? [],
    rotate,
    now,
  });
  if (previous !== undefined) {
    checkReusedAssets({
      ...previous,
      names: decisions.filter((decision) => decision.action === 'reuse').map((d) => d.spec.name),
      entryHashes: previous.record.assetEntrySha256,
    });
  }
  const assets = await buildAssetEntries({
    cluster,
    revision,
    config,
    decisions,
    keys: deps.keys,
    now,
  });

  const manifest: AssetManifest = {
    formatVersion: 1,
    cluster,
    revision,
    generatedAt: now.toISOString(),
    assets,
  };
  const manifestKey = artifactKeys.assetManifest(cluster, revision);
  // The manifest and what a later run checks it against before it reuses anything of it; Encrypt
  // reads neither before this step has returned, so the two writes go together.
  await Promise.all([
    deps.artifacts.put(manifestKey, canonicalJson(manifest, 2), 'application/json'),
    deps.revisions.update(cluster, revision, {
      assetFingerprints: Object.fromEntries(assets.map((asset) => [asset.name, asset.fingerprint])),
      assetEntrySha256: Object.fromEntries(
        assets.map((asset) => [asset.name, hashManifestEntry(asset)]),
      ),
    }),
  ]);

  const issued = namesWhere(assets, 'issued');
  const reused = namesWhere(assets, 'reused');
  logger.info('tls assets generated', {
    cluster_name: cluster,
    revision,
    issued_count: issued.length,
    reused_count: reused.length,
    issued,
  });

  return { manifestKey, issued, reused };
}

function namesWhere(assets: readonly ManifestAsset[], action: ManifestAsset['action']): string[] {
  return assets.filter((asset) => asset.action === action).map((asset) => asset.name);
}

/** The normalised config the Validate step stored as canonical JSON. */
async function loadValidatedConfig(input: TaskInput, deps: Deps): Promise<ClusterConfig> {
  const configKey = input.state.validation?.configKey;
  if (configKey === undefined) {
    throw new InvariantError(
      `state.validation.configKey must be set before generate-assets (received none)`,
    );
  }

  return loadConfig(deps, configKey);
}

interface TrustedManifest {
  manifestKey: string;
  manifest: AssetManifest;
  /** The revision table's record of the manifest's revision. */
  record: Revision;
  /** The fingerprints the revision table recorded for the manifest's revision. */
  recorded: Record<string, string>;
}

/**
 * The manifest the latest pointer names, once it is shown to be this cluster's manifest of a
 * recorded revision. When every asset is to rotate nothing of it is reused, so a manifest that
 * fails those checks is set aside rather than blocking the rotation that replaces it.
 */
async function loadLatestManifest(
  deps: Deps,
  cluster: string,
  pointer: LatestAssetsPointer | undefined,
  rotateAll: boolean,
): Promise<TrustedManifest | undefined> {
  if (pointer === undefined) return undefined;
  const pointerKey = artifactKeys.latestAssets(cluster);

  try {
    checkPointerKey({ cluster, pointerKey, pointer });
    const [manifest, record] = await Promise.all([
      readJsonObject(deps.artifacts, pointer.manifestKey, AssetManifestSchema),
      deps.revisions.get(cluster, pointer.revision),
    ]);
    const origin = checkManifestOrigin({ cluster, pointerKey, pointer, manifest, record });

    return { manifestKey: pointer.manifestKey, manifest, ...origin };
  } catch (error: unknown) {
    if (!(rotateAll && error instanceof IntegrityError)) throw error;
    logger.warn('earlier asset manifest set aside for a full rotation', {
      cluster_name: cluster,
      manifest_revision: pointer.revision,
      reason: error.message,
    });

    return undefined;
  }
}
