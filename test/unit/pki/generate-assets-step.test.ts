import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ValidationError } from '../../../lib/errors.ts';
import { generateAssetsStep } from '../../../pipeline/generate-assets-step.ts';
import { ASSET_NAMES } from '../../../pki/asset-catalogue.ts';
import { type AssetManifest, AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { backendEncryptionContext } from '../../../schemas/node-assets.ts';
import { requireTool } from '../../support/external-tools.ts';
import { readUsagesWithOpenssl, verifyWithOpenssl } from './certificate-checks.ts';
import { CLUSTER, PkiHarness, START } from './pki-harness.ts';

const hasOpenssl = requireTool('openssl', ['version']);
const DAY_MS = 86_400_000;
const CERTIFICATES = ASSET_NAMES.filter((name) => name !== 'service-account');

const CA = 'critical CA:TRUE';
const LEAF = 'critical CA:FALSE';
const CA_USAGE = 'critical Digital Signature, Certificate Sign, CRL Sign';
const LEAF_USAGE = 'critical Digital Signature, Key Encipherment';
const SERVER = 'TLS Web Server Authentication';
const CLIENT = 'TLS Web Client Authentication';
const BOTH = 'TLS Web Server Authentication, TLS Web Client Authentication';

/** Written from kubeadm's and kube-aws's certificate tables, not from the catalogue. */
const EXPECTED: Record<string, { subject: string; issuer: string; eku?: string; sans?: string }> = {
  'kube-ca': { subject: 'O=kube-aws\nCN=kube-ca', issuer: 'kube-ca' },
  'etcd-ca': { subject: 'O=kube-aws\nCN=etcd-ca', issuer: 'etcd-ca' },
  'front-proxy-ca': { subject: 'O=kube-aws\nCN=front-proxy-ca', issuer: 'front-proxy-ca' },
  apiserver: {
    subject: 'CN=kube-apiserver',
    issuer: 'kube-ca',
    eku: SERVER,
    sans:
      'DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, ' +
      'DNS:kubernetes.default.svc.cluster.local, DNS:k8s.example.com, IP Address:10.3.0.1, ' +
      'IP Address:10.0.0.50, IP Address:10.0.0.51, IP Address:127.0.0.1',
  },
  'apiserver-kubelet-client': {
    subject: 'O=system:masters\nCN=kube-apiserver-kubelet-client',
    issuer: 'kube-ca',
    eku: CLIENT,
  },
  kubelet: {
    subject: 'O=system:nodes\nCN=kube-worker',
    issuer: 'kube-ca',
    eku: BOTH,
    sans: 'DNS:*.eu-west-1.compute.internal, DNS:*.ec2.internal',
  },
  admin: { subject: 'O=system:masters\nCN=kube-admin', issuer: 'kube-ca', eku: CLIENT },
  'controller-manager': {
    subject: 'CN=system:kube-controller-manager',
    issuer: 'kube-ca',
    eku: CLIENT,
  },
  scheduler: { subject: 'CN=system:kube-scheduler', issuer: 'kube-ca', eku: CLIENT },
  'etcd-server': {
    subject: 'CN=kube-etcd',
    issuer: 'etcd-ca',
    eku: BOTH,
    sans:
      'DNS:localhost, DNS:*.eu-west-1.compute.internal, DNS:*.ec2.internal, ' +
      'IP Address:127.0.0.1, IP Address:10.0.0.50, IP Address:10.0.0.51',
  },
  'etcd-peer': {
    subject: 'CN=kube-etcd-peer',
    issuer: 'etcd-ca',
    eku: BOTH,
    sans:
      'DNS:*.eu-west-1.compute.internal, DNS:*.ec2.internal, ' +
      'IP Address:10.0.0.50, IP Address:10.0.0.51',
  },
  'apiserver-etcd-client': {
    subject: 'CN=kube-apiserver-etcd-client',
    issuer: 'etcd-ca',
    eku: CLIENT,
  },
  'front-proxy-client': { subject: 'CN=front-proxy-client', issuer: 'front-proxy-ca', eku: CLIENT },
};

function readManifest(harness: PkiHarness, revision: number): AssetManifest {
  const text = harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, revision));

  return AssetManifestSchema.parse(JSON.parse(text));
}

function assetOf(manifest: AssetManifest, name: string) {
  const asset = manifest.assets.find((candidate) => candidate.name === name);
  if (asset === undefined) throw new Error(`manifest lacks ${name}`);

  return asset;
}

function certificateOf(manifest: AssetManifest, name: string): X509Certificate {
  return new X509Certificate(assetOf(manifest, name).certificate ?? '');
}

describe('generateAssetsStep', () => {
  let harness: PkiHarness;

  beforeEach(async () => {
    harness = await PkiHarness.create();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  describe('on a cluster without assets', () => {
    let manifest: AssetManifest;
    let fresh: PkiHarness;

    beforeAll(async () => {
      fresh = await PkiHarness.create();
      const outcome = await fresh.run();
      expect(outcome.assets).toEqual({
        manifestKey: artifactKeys.assetManifest(CLUSTER, 1),
        issued: [...ASSET_NAMES],
        reused: [],
      });
      manifest = readManifest(fresh, 1);
    });
    afterAll(async () => {
      await fresh.dispose();
    });

    it('issues every certificate with the subject, issuer and SANs of its role', () => {
      for (const name of CERTIFICATES) {
        const expected = EXPECTED[name];
        const certificate = certificateOf(manifest, name);
        const issuer = certificateOf(manifest, expected?.issuer ?? '');

        expect(certificate.subject, name).toBe(expected?.subject);
        expect(certificate.issuer, name).toBe(issuer.subject);
        expect(certificate.subjectAltName, name).toBe(expected?.sans);
        expect(certificate.checkIssued(issuer), name).toBe(true);
        expect(certificate.verify(issuer.publicKey), name).toBe(true);
      }
    });

    it('dates certificates from the clock, 5 minutes early, for the configured durations', () => {
      const notBefore = new Date(START.getTime() - 5 * 60_000);
      for (const name of CERTIFICATES) {
        const certificate = certificateOf(manifest, name);
        const days = name.endsWith('-ca') ? 3650 : 365;

        expect(new Date(certificate.validFrom), name).toEqual(notBefore);
        expect(new Date(certificate.validTo), name).toEqual(
          new Date(START.getTime() + days * DAY_MS),
        );
        expect(assetOf(manifest, name).notAfter).toBe(new Date(certificate.validTo).toISOString());
      }
    });

    it('gives every certificate a distinct positive 128-bit serial', () => {
      const serials = CERTIFICATES.map((name) => certificateOf(manifest, name).serialNumber);

      expect(new Set(serials).size).toBe(CERTIFICATES.length);
      for (const serial of serials) expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    });

    it.skipIf(!hasOpenssl)('passes openssl verify against its CA for every certificate', () => {
      for (const name of CERTIFICATES) {
        const ca = assetOf(manifest, EXPECTED[name]?.issuer ?? '').certificate ?? '';
        const leaf = assetOf(manifest, name).certificate ?? '';

        expect(verifyWithOpenssl(ca, leaf, START), name).toBe('leaf.pem: OK');
      }
    });

    it.skipIf(!hasOpenssl)('sets basic constraints, key usage and EKU per role', () => {
      for (const name of CERTIFICATES) {
        const isCa = name.endsWith('-ca');

        expect(
          readUsagesWithOpenssl(assetOf(manifest, name).certificate ?? ''),
          name,
        ).toMatchObject({
          basicConstraints: isCa ? CA : LEAF,
          keyUsage: isCa ? CA_USAGE : LEAF_USAGE,
          extendedKeyUsage: EXPECTED[name]?.eku,
        });
      }
    });

    it.skipIf(!hasOpenssl)('links each certificate to its CA by key identifiers', () => {
      for (const name of CERTIFICATES) {
        const own = readUsagesWithOpenssl(assetOf(manifest, name).certificate ?? '');
        const issuer = readUsagesWithOpenssl(
          assetOf(manifest, EXPECTED[name]?.issuer ?? '').certificate ?? '',
        );

        expect(own.subjectKeyId, name).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
        expect(own.authorityKeyId, name).toBe(issuer.subjectKeyId);
      }
    });

    it('seals each private key under its backend context, matching its public key', async () => {
      for (const name of ASSET_NAMES) {
        const asset = assetOf(manifest, name);
        const plaintext = await fresh.keys.decrypt(
          Buffer.from(asset.sealedKey, 'base64'),
          backendEncryptionContext(CLUSTER, name),
        );
        const text = Buffer.from(plaintext).toString('utf8');
        const derived = createPublicKey(createPrivateKey(text)).export({
          type: 'spki',
          format: 'pem',
        });

        // Only the PEM header is written here, to check the key this test decrypted; this file holds
        // no key, and the decrypted one lives in memory for the length of the test.
        expect(text.startsWith('-----BEGIN RSA PRIVATE KEY-----\n'), name).toBe(true);
        expect(derived, name).toBe(asset.publicKey);
        expect(asset.keyId).toBe(fresh.keys.keyId);
      }
    });

    it('records the asset fingerprints on the revision', async () => {
      const revision = await fresh.revisions.get(CLUSTER, 1);

      expect(revision?.assetFingerprints).toEqual(
        Object.fromEntries(manifest.assets.map((asset) => [asset.name, asset.fingerprint])),
      );
    });
  });

  it('never lets a leaf outlive its CA', async () => {
    await harness.run({ tlsCADurationDays: 100, tlsCertDurationDays: 400 });
    const manifest = readManifest(harness, 1);

    const caEnd = certificateOf(manifest, 'kube-ca').validTo;
    expect(certificateOf(manifest, 'apiserver').validTo).toBe(caEnd);
    expect(certificateOf(manifest, 'etcd-server').validTo).toBe(
      certificateOf(manifest, 'etcd-ca').validTo,
    );
  });

  it('rejects a rotation request naming an unknown asset', async () => {
    await harness.run();

    const attempt = harness.run({}, ['apiserver', 'apisrever']);

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(
      `rotate[1] must name an asset or all (received apisrever); assets are ${ASSET_NAMES.join(', ')}`,
    );
  });

  it('refuses to run before Validate stored the config', async () => {
    const input = {
      cluster: CLUSTER,
      revision: 1,
      correlationId: 'c',
      step: 'generate-assets' as const,
      state: { cluster: CLUSTER, revision: 1, correlationId: 'c' },
    };

    await expect(generateAssetsStep(input, harness.deps)).rejects.toThrow(
      'state.validation.configKey must be set before generate-assets (received none)',
    );
  });

  it('rejects a certificate duration of zero days', async () => {
    await expect(harness.run({ tlsCertDurationDays: 0 })).rejects.toThrow(
      'tlsCertDurationDays must be greater than 0 (received 0)',
    );
  });
});
