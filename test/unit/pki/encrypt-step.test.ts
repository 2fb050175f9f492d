import { createPrivateKey, createPublicKey } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { InvariantError } from '../../../lib/errors.ts';
import { sha256Hex } from '../../../lib/hash.ts';
import { encryptStep } from '../../../pipeline/encrypt-step.ts';
import { type AssetManifest, AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import {
  backendEncryptionContext,
  type NodeAssets,
  NodeAssetsSchema,
  nodeEncryptionContext,
} from '../../../schemas/node-assets.ts';
import { CLUSTER, PkiHarness } from './pki-harness.ts';

const PRIVATE_KEY_ASSETS = [
  'apiserver',
  'apiserver-kubelet-client',
  'kubelet',
  'controller-manager',
  'scheduler',
  'etcd-server',
  'etcd-peer',
  'apiserver-etcd-client',
  'front-proxy-client',
  'service-account',
];

function readBundle(harness: PkiHarness, revision: number): NodeAssets {
  return NodeAssetsSchema.parse(
    JSON.parse(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, revision))),
  );
}

function readManifest(harness: PkiHarness, revision: number): AssetManifest {
  return AssetManifestSchema.parse(
    JSON.parse(harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, revision))),
  );
}

function privateKeyOf(bundle: NodeAssets, name: string) {
  const found = bundle.assets.find((asset) => asset.name === name && asset.kind === 'private-key');
  if (found === undefined) throw new Error(`bundle lacks the private key of ${name}`);

  return found;
}

describe('encryptStep', () => {
  let harness: PkiHarness;

  beforeEach(async () => {
    harness = await PkiHarness.create();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('re-encrypts every node private key for the node context and points latest at it', async () => {
    const outcome = await harness.run();

    expect(outcome.encryption).toEqual({
      nodeAssetsKey: artifactKeys.nodeAssets(CLUSTER, 1),
      nodeAssetsSha256: sha256Hex(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 1))),
      encrypted: PRIVATE_KEY_ASSETS,
      reused: [],
    });
    expect(JSON.parse(harness.artifacts.text(artifactKeys.latestAssets(CLUSTER)))).toEqual({
      revision: 1,
      manifestKey: artifactKeys.assetManifest(CLUSTER, 1),
      nodeAssetsKey: artifactKeys.nodeAssets(CLUSTER, 1),
    });
  });

  it('gives nodes keys that open only with the node context and match their certificates', async () => {
    await harness.run();
    const bundle = readBundle(harness, 1);
    const manifest = readManifest(harness, 1);

    for (const name of PRIVATE_KEY_ASSETS) {
      const entry = privateKeyOf(bundle, name);
      const ciphertext = Buffer.from(entry.content, 'base64');
      const pem = Buffer.from(
        await harness.keys.decrypt(ciphertext, nodeEncryptionContext(CLUSTER, name)),
      ).toString('utf8');
      const publicKey = createPublicKey(createPrivateKey(pem)).export({
        type: 'spki',
        format: 'pem',
      });

      expect(entry.encryptionContext).toEqual(nodeEncryptionContext(CLUSTER, name));
      expect(publicKey, name).toBe(manifest.assets.find((asset) => asset.name === name)?.publicKey);
      await expect(
        harness.keys.decrypt(ciphertext, backendEncryptionContext(CLUSTER, name)),
      ).rejects.toThrow(InvariantError);
    }
  });

  it('ships no CA private key and nothing of the admin credential', async () => {
    await harness.run();
    const bundle = readBundle(harness, 1);

    const shipped = bundle.assets.map((asset) => `${asset.name}:${asset.kind}`);

    expect(shipped.filter((entry) => entry.endsWith('-ca:private-key'))).toEqual([]);
    expect(shipped.filter((entry) => entry.startsWith('admin:'))).toEqual([]);
    expect(bundle.keyId).toBe(harness.keys.keyId);
  });

  it('keeps the ciphertext of unchanged keys byte for byte across revisions', async () => {
    await harness.run();

    const second = await harness.run({ externalDNSName: 'api.example.org' });

    expect(second.encryption.encrypted).toEqual(['apiserver']);
    expect(second.encryption.reused).toEqual(PRIVATE_KEY_ASSETS.filter((n) => n !== 'apiserver'));
    const first = readBundle(harness, 1);
    const next = readBundle(harness, 2);
    for (const name of PRIVATE_KEY_ASSETS) {
      const same = privateKeyOf(next, name).content === privateKeyOf(first, name).content;
      expect(same, name).toBe(name !== 'apiserver');
    }
    const publicOf = (bundle: NodeAssets) => bundle.assets.filter((a) => a.name !== 'apiserver');
    expect(publicOf(next)).toEqual(publicOf(first));
  });

  it('writes a byte-identical bundle when nothing changed', async () => {
    await harness.run();

    await harness.run();

    expect(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 2))).toBe(
      harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 1)),
    );
  });

  it('leaves the latest pointer on the newer revision when an older one is re-run', async () => {
    const first = await harness.run();
    await harness.run();

    await encryptStep(
      {
        cluster: CLUSTER,
        revision: 1,
        correlationId: 'c',
        step: 'encrypt',
        state: { cluster: CLUSTER, revision: 1, correlationId: 'c', assets: first.assets },
      },
      harness.deps,
    );

    expect(JSON.parse(harness.artifacts.text(artifactKeys.latestAssets(CLUSTER))).revision).toBe(2);
  });

  it('refuses to run without the manifest pointer from generate-assets', async () => {
    const input = {
      cluster: CLUSTER,
      revision: 1,
      correlationId: 'c',
      step: 'encrypt' as const,
      state: { cluster: CLUSTER, revision: 1, correlationId: 'c' },
    };
    await expect(encryptStep(input, harness.deps)).rejects.toThrow(
      'state.assets.manifestKey must be set before encrypt (received none)',
    );
  });
});
