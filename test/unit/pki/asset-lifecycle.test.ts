import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ASSET_NAMES } from '../../../pki/asset-catalogue.ts';
import { type AssetManifest, AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { CLUSTER, PkiHarness, START } from './pki-harness.ts';

const DAY_MS = 86_400_000;

function readManifest(harness: PkiHarness, revision: number): AssetManifest {
  return AssetManifestSchema.parse(
    JSON.parse(harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, revision))),
  );
}

/** Every field an asset carries except the per-revision bookkeeping (action and reason). */
function materialOf(manifest: AssetManifest, name: string) {
  const asset = manifest.assets.find((candidate) => candidate.name === name);
  if (asset === undefined) throw new Error(`manifest lacks ${name}`);
  const { action: _action, reason: _reason, ...material } = asset;

  return material;
}

function reasonsOf(manifest: AssetManifest): Record<string, string> {
  return Object.fromEntries(manifest.assets.map((asset) => [asset.name, asset.reason]));
}

const allExcept = (...names: string[]) => ASSET_NAMES.filter((name) => !names.includes(name));

describe('asset lifecycle across revisions', () => {
  let harness: PkiHarness;

  beforeEach(async () => {
    harness = await PkiHarness.create();
    await harness.run();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('reuses every asset byte for byte when the config is unchanged', async () => {
    harness.clock = new Date(START.getTime() + 10 * DAY_MS);

    const second = await harness.run();

    expect(second.assets.issued).toEqual([]);
    expect(second.assets.reused).toEqual([...ASSET_NAMES]);
    const first = readManifest(harness, 1);
    const next = readManifest(harness, 2);
    for (const name of ASSET_NAMES) {
      expect(materialOf(next, name), name).toEqual(materialOf(first, name));
    }
    expect(new Set(Object.values(reasonsOf(next)))).toEqual(new Set(['unchanged']));
  });

  it('re-issues only the apiserver certificate when externalDNSName changes', async () => {
    const second = await harness.run({ externalDNSName: 'api.example.org' });

    expect(second.assets.issued).toEqual(['apiserver']);
    expect(second.assets.reused).toEqual(allExcept('apiserver'));
    expect(reasonsOf(readManifest(harness, 2)).apiserver).toBe('request-changed');
    expect(materialOf(readManifest(harness, 2), 'apiserver').sealedKey).not.toBe(
      materialOf(readManifest(harness, 1), 'apiserver').sealedKey,
    );
  });

  it('re-issues the apiserver and etcd certificates when a controller is added', async () => {
    const second = await harness.run({ controllerCount: 3 });

    expect(second.assets.issued).toEqual(['apiserver', 'etcd-server', 'etcd-peer']);
  });

  it('re-issues only the apiserver when the revision asks to rotate it', async () => {
    const second = await harness.run({}, ['apiserver']);

    expect(second.assets.issued).toEqual(['apiserver']);
    expect(reasonsOf(readManifest(harness, 2)).apiserver).toBe('rotation-requested');
  });

  it('re-issues everything, CAs included, when the revision asks to rotate all', async () => {
    const second = await harness.run({}, ['all']);

    expect(second.assets.issued).toEqual([...ASSET_NAMES]);
    expect(new Set(Object.values(reasonsOf(readManifest(harness, 2))))).toEqual(
      new Set(['rotation-requested']),
    );
  });

  it('re-issues every leaf of a rotated CA and nothing signed by the other CAs', async () => {
    const second = await harness.run({}, ['etcd-ca']);

    expect(second.assets.issued).toEqual([
      'etcd-ca',
      'etcd-server',
      'etcd-peer',
      'apiserver-etcd-client',
    ]);
    expect(reasonsOf(readManifest(harness, 2))['etcd-peer']).toBe('issuer-changed');
  });

  it('re-issues leaves that entered the 30-day renewal window, and keeps the CAs', async () => {
    harness.clock = new Date(START.getTime() + (365 - 30) * DAY_MS);

    const second = await harness.run();

    expect(second.assets.issued).toEqual(
      allExcept('kube-ca', 'etcd-ca', 'front-proxy-ca', 'service-account'),
    );
    expect(reasonsOf(readManifest(harness, 2)).kubelet).toBe('renewal-window');
  });

  it('keeps leaves one second before the renewal window opens', async () => {
    harness.clock = new Date(START.getTime() + (365 - 30) * DAY_MS - 1000);

    const second = await harness.run();

    expect(second.assets.issued).toEqual([]);
  });

  it('renews a short-lived certificate in the last fifth of its lifetime', async () => {
    const shortLived = await PkiHarness.create();
    try {
      await shortLived.run({ tlsCertDurationDays: 10 });
      // Lifetime is 10 days plus the 5-minute backdating, so its last fifth (2 days and 1 minute)
      // opens 1 minute before day 8.
      shortLived.clock = new Date(START.getTime() + 8 * DAY_MS - 2 * 60_000);
      expect((await shortLived.run({ tlsCertDurationDays: 10 })).assets.issued).toEqual([]);

      shortLived.clock = new Date(START.getTime() + 8 * DAY_MS - 60_000);
      const third = await shortLived.run({ tlsCertDurationDays: 10 });

      expect(third.assets.issued).toEqual(
        allExcept('kube-ca', 'etcd-ca', 'front-proxy-ca', 'service-account'),
      );
    } finally {
      await shortLived.dispose();
    }
  });
});
