import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { IntegrityError } from '../../../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import { type AssetManifest, AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import {
  exportPublicKeyPem,
  fingerprintPublicKey,
  generateRsaKeyPair,
  issueCertificate,
} from '../../../pki/issue-certificate.ts';
import { CLUSTER, PkiHarness, START } from './pki-harness.ts';

const POINTER = artifactKeys.latestAssets(CLUSTER);
const MANIFEST_1 = artifactKeys.assetManifest(CLUSTER, 1);
const FORGED = 'clusters/demo/revisions/000099/assets.json';
const KUBE_CA_LEAVES = [
  'apiserver',
  'apiserver-kubelet-client',
  'kubelet',
  'admin',
  'controller-manager',
  'scheduler',
];

interface AttackerCa {
  certificate: string;
  publicKey: string;
  publicKeyFingerprint: string;
}

/** The tester's CA: self-signed `/O=kube-aws/CN=kube-ca`, with CRLF line ends. */
async function forgeKubeCa(): Promise<AttackerCa> {
  const pair = await generateRsaKeyPair();
  const certificate = issueCertificate({
    request: { commonName: 'kube-ca', organization: 'kube-aws', dns: [], ip: [], profile: 'ca' },
    publicKey: pair.publicKey,
    signingKey: pair.privateKey,
    notBefore: START,
    notAfter: new Date(START.getTime() + 365 * 86_400_000),
  }).replace(/\r?\n/g, '\r\n');

  return {
    certificate,
    publicKey: exportPublicKeyPem(pair.publicKey),
    publicKeyFingerprint: fingerprintPublicKey(pair.publicKey),
  };
}

function readManifest(harness: PkiHarness, key: string): AssetManifest {
  return AssetManifestSchema.parse(JSON.parse(harness.artifacts.text(key)));
}

function replaceEntry(
  manifest: AssetManifest,
  name: string,
  patch: Partial<AssetManifest['assets'][number]>,
): AssetManifest {
  return {
    ...manifest,
    assets: manifest.assets.map((asset) => (asset.name === name ? { ...asset, ...patch } : asset)),
  };
}

async function writeJson(harness: PkiHarness, key: string, value: unknown): Promise<void> {
  await harness.artifacts.put(key, canonicalJson(value, 2), 'application/json');
}

/** Every stored object, other than the forged one itself, that holds the attacker's text. */
function findObjectsHolding(harness: PkiHarness, text: string, except: string[]): string[] {
  const needle = text.replace(/\r\n/g, '\n');
  return [...harness.artifacts.objects.keys()].filter((key) => {
    if (except.includes(key)) return false;
    const body = harness.artifacts.text(key);
    return body.includes(needle) || body.includes(JSON.stringify(text).slice(1, -1));
  });
}

describe('stored artefacts tampered with between runs', () => {
  let harness: PkiHarness;
  let attacker: AttackerCa;

  beforeEach(async () => {
    harness = await PkiHarness.create();
    attacker = await forgeKubeCa();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('refuses a latest pointer moved to a forged manifest and writes nothing of it', async () => {
    await harness.run();
    const copy = replaceEntry(readManifest(harness, MANIFEST_1), 'kube-ca', {
      certificate: attacker.certificate,
    });
    await writeJson(harness, FORGED, copy);
    const pointer = JSON.parse(harness.artifacts.text(POINTER));
    await writeJson(harness, POINTER, { ...pointer, manifestKey: FORGED });

    const run = harness.run({ workerCount: 3 });

    await expect(run).rejects.toThrow(IntegrityError);
    await expect(run).rejects.toThrow(
      `${POINTER} manifestKey must be ${MANIFEST_1}, the manifest of its revision 1 ` +
        `(received ${FORGED}); restore ${POINTER} or re-issue every asset with up --rotate all`,
    );
    expect(await harness.artifacts.list('clusters/demo/revisions/000002/')).toEqual([
      artifactKeys.config(CLUSTER, 2),
    ]);
    expect(findObjectsHolding(harness, attacker.certificate, [FORGED])).toEqual([]);
    expect((await harness.revisions.get(CLUSTER, 2))?.assetFingerprints).toBeUndefined();
  });

  it('refuses a forged manifest that names a revision the table never recorded', async () => {
    await harness.run();
    const copy = replaceEntry(readManifest(harness, MANIFEST_1), 'kube-ca', {
      certificate: attacker.certificate,
    });
    await writeJson(harness, FORGED, { ...copy, revision: 99 });
    const pointer = JSON.parse(harness.artifacts.text(POINTER));
    await writeJson(harness, POINTER, { ...pointer, revision: 99, manifestKey: FORGED });

    await expect(harness.run({ workerCount: 3 })).rejects.toThrow(
      `${FORGED} must belong to a revision with recorded asset fingerprints ` +
        `(received revision 99 with none); restore ${POINTER} or re-issue every asset with ` +
        'up --rotate all',
    );
  });

  it('names the CA whose certificate was swapped in the stored manifest', async () => {
    await harness.run();
    const original = readManifest(harness, MANIFEST_1);
    const kubeCa = original.assets.find((asset) => asset.name === 'kube-ca');
    await writeJson(
      harness,
      MANIFEST_1,
      replaceEntry(original, 'kube-ca', { certificate: attacker.certificate }),
    );

    const run = harness.run({ workerCount: 3 });

    await expect(run).rejects.toThrow(
      `${MANIFEST_1} asset kube-ca certificate public key must be its publicKey ` +
        `${kubeCa?.publicKeyFingerprint} (received ${attacker.publicKeyFingerprint}); ` +
        're-issue it with up --rotate kube-ca',
    );
    expect(findObjectsHolding(harness, attacker.certificate, [MANIFEST_1])).toEqual([]);
  });

  it('names the CA of a self-consistent forgery by the fingerprint the revision recorded', async () => {
    await harness.run();
    const original = readManifest(harness, MANIFEST_1);
    const recorded = (await harness.revisions.get(CLUSTER, 1))?.assetFingerprints?.['kube-ca'];
    const forged = replaceEntry(original, 'kube-ca', {
      ...attacker,
      fingerprint: sha256Hex(attacker.certificate),
    });
    await writeJson(harness, MANIFEST_1, forged);

    await expect(harness.run({ workerCount: 3 })).rejects.toThrow(
      `${MANIFEST_1} asset kube-ca fingerprint must be the one revision 1 recorded ${recorded} ` +
        `(received ${sha256Hex(attacker.certificate)}); re-issue it with up --rotate kube-ca`,
    );
  });

  it('re-issues the named CA and its leaves when the run asks to rotate it', async () => {
    await harness.run();
    const original = readManifest(harness, MANIFEST_1);
    await writeJson(
      harness,
      MANIFEST_1,
      replaceEntry(original, 'kube-ca', {
        ...attacker,
        fingerprint: sha256Hex(attacker.certificate),
      }),
    );

    const rotated = await harness.run({ workerCount: 3 }, ['kube-ca']);

    expect(rotated.assets.issued).toEqual(['kube-ca', ...KUBE_CA_LEAVES]);
    expect(findObjectsHolding(harness, attacker.certificate, [MANIFEST_1])).toEqual([]);
  });

  it('refuses a reused leaf whose sealed key was swapped for another asset of the manifest', async () => {
    await harness.run();
    const original = readManifest(harness, MANIFEST_1);
    const scheduler = original.assets.find((asset) => asset.name === 'scheduler');
    const forged = replaceEntry(original, 'admin', { sealedKey: scheduler?.sealedKey ?? '' });
    const admin = forged.assets.find((asset) => asset.name === 'admin');
    await writeJson(harness, MANIFEST_1, forged);
    const recorded = (await harness.revisions.get(CLUSTER, 1))?.assetEntrySha256?.admin;

    await expect(harness.run()).rejects.toThrow(
      `${MANIFEST_1} asset admin entry must have the sha256 revision 1 recorded ${recorded} ` +
        `(received ${sha256Hex(canonicalJson(admin))}); re-issue it with up --rotate admin`,
    );
  });

  it('refuses a leaf that its CA in the same manifest did not sign', async () => {
    await harness.run();
    const original = readManifest(harness, MANIFEST_1);
    const etcdCa = original.assets.find((asset) => asset.name === 'etcd-ca');
    // The etcd CA's own certificate in the apiserver's place: consistent, but kube-ca never signed it.
    const forged = replaceEntry(original, 'apiserver', {
      certificate: etcdCa?.certificate ?? '',
      publicKey: etcdCa?.publicKey ?? '',
      publicKeyFingerprint: etcdCa?.publicKeyFingerprint ?? '',
      fingerprint: etcdCa?.fingerprint ?? '',
    });
    await writeJson(harness, MANIFEST_1, forged);

    await expect(harness.run()).rejects.toThrow(
      `${MANIFEST_1} asset apiserver certificate must be signed by the kube-ca certificate of ` +
        'the same manifest (received a signature that does not verify); ' +
        're-issue it with up --rotate apiserver',
    );
  });

  it('refuses a rewritten node bundle of the latest revision', async () => {
    await harness.run();
    const bundleKey = artifactKeys.nodeAssets(CLUSTER, 1);
    const recorded = (await harness.revisions.get(CLUSTER, 1))?.nodeAssetsSha256;
    const rewritten = harness.artifacts
      .text(bundleKey)
      .replace(/"content": "[^"]*"/, '"content": "AAAA"');
    await harness.artifacts.put(bundleKey, rewritten, 'application/json');

    await expect(harness.run()).rejects.toThrow(
      `${bundleKey} must have the recorded sha256 ${recorded} (received ${sha256Hex(rewritten)}); ` +
        'the bundle was changed outside the product: re-issue every asset with up --rotate all',
    );
  });

  it('sets a forged pointer aside when every asset is to rotate', async () => {
    await harness.run();
    await writeJson(harness, FORGED, readManifest(harness, MANIFEST_1));
    const pointer = JSON.parse(harness.artifacts.text(POINTER));
    await writeJson(harness, POINTER, { ...pointer, manifestKey: FORGED });

    const rotated = await harness.run({}, ['all']);

    expect(rotated.assets.reused).toEqual([]);
    expect(rotated.encryption.reused).toEqual([]);
  });

  it('reuses every asset and ciphertext byte for byte when nothing was touched', async () => {
    await harness.run();

    const second = await harness.run();

    expect(second.assets.issued).toEqual([]);
    expect(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 2))).toBe(
      harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 1)),
    );
  });
});
