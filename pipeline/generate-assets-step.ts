import { artifactKeys } from '../lib/artifact-keys.ts';
import { InvariantError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import {
  type AssetManifest,
  AssetManifestSchema,
  LatestAssetsPointerSchema,
  type ManifestAsset,
  readJsonObject,
  readOptionalJsonObject,
} from '../pki/asset-manifest.ts';
import { buildAssetEntries } from '../pki/build-asset-entries.ts';
import { planAssetChanges } from '../pki/plan-asset-changes.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
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
  const config = await loadValidatedConfig(input, deps);
  const record = await deps.revisions.get(cluster, revision);
  if (record === undefined) {
    throw new InvariantError(
      `revision ${revision} of cluster ${cluster} must exist (received none)`,
    );
  }
  const previous = await loadLatestManifest(deps, cluster);
  const now = deps.now();

  const decisions = planAssetChanges({
    config,
    previous: previous?.assets ?? [],
    rotate: record.rotate ?? [],
    now,
  });
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
  await deps.artifacts.put(manifestKey, canonicalJson(manifest, 2), 'application/json');
  await deps.revisions.update(cluster, revision, {
    assetFingerprints: Object.fromEntries(assets.map((asset) => [asset.name, asset.fingerprint])),
  });

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

async function loadLatestManifest(deps: Deps, cluster: string): Promise<AssetManifest | undefined> {
  const pointer = await readOptionalJsonObject(
    deps.artifacts,
    artifactKeys.latestAssets(cluster),
    LatestAssetsPointerSchema,
  );
  if (pointer === undefined) return undefined;

  return readJsonObject(deps.artifacts, pointer.manifestKey, AssetManifestSchema);
}
