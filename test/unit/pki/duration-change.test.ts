import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ASSET_NAMES } from '../../../pki/asset-catalogue.ts';
import {
  type AssetManifest,
  AssetManifestSchema,
  type ManifestAsset,
} from '../../../pki/asset-manifest.ts';
import { ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import { baseConfig, CLUSTER, PkiHarness, START } from './pki-harness.ts';

const DAY_MS = 86_400_000;
const CAS = ['kube-ca', 'etcd-ca', 'front-proxy-ca'];
const LEAVES = ASSET_NAMES.filter((name) => !CAS.includes(name) && name !== 'service-account');
const LATER = new Date(START.getTime() + 10 * DAY_MS);

function readManifest(harness: PkiHarness, revision: number): AssetManifest {
  return AssetManifestSchema.parse(
    JSON.parse(harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, revision))),
  );
}

function assetOf(manifest: AssetManifest, name: string): ManifestAsset {
  const asset = manifest.assets.find((candidate) => candidate.name === name);
  if (asset === undefined) throw new Error(`manifest lacks ${name}`);

  return asset;
}

/** The NotAfter the certificate itself states, as an ISO string. */
function certificateNotAfter(manifest: AssetManifest, name: string): string {
  const certificate = new X509Certificate(assetOf(manifest, name).certificate ?? '');

  return new Date(certificate.validTo).toISOString();
}

function reasonsOf(manifest: AssetManifest, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, assetOf(manifest, name).reason]));
}

function sameReason(names: readonly string[], reason: string): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, reason]));
}

function daysAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * DAY_MS).toISOString();
}

describe('a change of certificate durations', () => {
  let harness: PkiHarness;

  beforeEach(async () => {
    harness = await PkiHarness.create();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('defaults to 3650 CA days and 365 leaf days', () => {
    const config = ClusterConfigSchema.parse(baseConfig);

    expect([config.tlsCADurationDays, config.tlsCertDurationDays]).toEqual([3650, 365]);
  });

  it('re-issues every leaf and no CA when tlsCertDurationDays shrinks', async () => {
    await harness.run();
    harness.clock = LATER;

    const second = await harness.run({ tlsCertDurationDays: 90 });

    expect(second.assets.issued).toEqual(LEAVES);
    expect(second.assets.reused).toEqual([...CAS, 'service-account']);
    const first = readManifest(harness, 1);
    const next = readManifest(harness, 2);
    expect(reasonsOf(next, LEAVES)).toEqual(sameReason(LEAVES, 'validity-changed'));
    for (const name of LEAVES) {
      expect(assetOf(next, name).notAfter, name).toBe(daysAfter(LATER, 90));
      expect(certificateNotAfter(next, name), name).toBe(daysAfter(LATER, 90));
      expect(assetOf(next, name).issuedAtRevision, name).toBe(2);
    }
    for (const name of CAS) {
      expect(assetOf(next, name).certificate, name).toBe(assetOf(first, name).certificate);
    }
  });

  it('re-issues the CAs and every leaf they signed when tlsCADurationDays grows', async () => {
    await harness.run();
    harness.clock = LATER;

    const second = await harness.run({ tlsCADurationDays: 7300 });

    expect(second.assets.issued).toEqual([...CAS, ...LEAVES]);
    expect(second.assets.reused).toEqual(['service-account']);
    const next = readManifest(harness, 2);
    expect(reasonsOf(next, CAS)).toEqual(sameReason(CAS, 'validity-changed'));
    expect(reasonsOf(next, LEAVES)).toEqual(sameReason(LEAVES, 'issuer-changed'));
    for (const name of CAS) {
      expect(certificateNotAfter(next, name), name).toBe(daysAfter(LATER, 7300));
    }
    for (const name of LEAVES) {
      expect(certificateNotAfter(next, name), name).toBe(daysAfter(LATER, 365));
    }
  });

  it('reuses every asset on the run after a duration change took effect', async () => {
    await harness.run();
    harness.clock = LATER;
    await harness.run({ tlsCertDurationDays: 90, tlsCADurationDays: 7300 });
    harness.clock = new Date(LATER.getTime() + DAY_MS);

    const third = await harness.run({ tlsCertDurationDays: 90, tlsCADurationDays: 7300 });

    expect(third.assets.issued).toEqual([]);
    expect(third.assets.reused).toEqual([...ASSET_NAMES]);
  });

  it('reuses every asset when the config states the default durations explicitly', async () => {
    await harness.run();
    harness.clock = LATER;

    const second = await harness.run({ tlsCADurationDays: 3650, tlsCertDurationDays: 365 });

    expect(second.assets.issued).toEqual([]);
    expect(second.assets.reused).toEqual([...ASSET_NAMES]);
  });

  describe('with leaves cut short by a 100-day CA', () => {
    const clamped = { tlsCADurationDays: 100, tlsCertDurationDays: 400 };

    beforeEach(async () => {
      await harness.run(clamped);
      harness.clock = LATER;
    });

    it('keeps every leaf, ending with its CA, when nothing changed', async () => {
      const second = await harness.run(clamped);

      expect(second.assets.issued).toEqual([]);
      expect(assetOf(readManifest(harness, 2), 'apiserver').notAfter).toBe(daysAfter(START, 100));
      expect(assetOf(readManifest(harness, 2), 'apiserver').issuedAtRevision).toBe(1);
    });

    it('keeps every leaf while the leaf days still reach the end of the CA', async () => {
      const longer = await harness.run({ ...clamped, tlsCertDurationDays: 500 });
      const equal = await harness.run({ ...clamped, tlsCertDurationDays: 100 });

      expect(longer.assets.issued).toEqual([]);
      expect(equal.assets.issued).toEqual([]);
    });

    it('re-issues every leaf once the leaf days end before the CA does', async () => {
      const second = await harness.run({ ...clamped, tlsCertDurationDays: 50 });

      expect(second.assets.issued).toEqual(LEAVES);
      const next = readManifest(harness, 2);
      expect(reasonsOf(next, LEAVES)).toEqual(sameReason(LEAVES, 'validity-changed'));
      for (const name of LEAVES) {
        expect(certificateNotAfter(next, name), name).toBe(daysAfter(LATER, 50));
      }
    });
  });
});
