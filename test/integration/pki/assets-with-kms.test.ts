import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyService } from '../../../adapters/aws/kms-key-service.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { ASSET_NAMES } from '../../../pki/asset-catalogue.ts';
import { AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import { NodeAssetsSchema, nodeEncryptionContext } from '../../../schemas/node-assets.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { CLUSTER, PkiHarness } from '../../unit/pki/pki-harness.ts';

const hasMoto = requireTool('moto_server', ['--help']);

describe.skipIf(!hasMoto)('generate-assets and encrypt with KMS on moto', () => {
  let moto: MotoServer;
  let kms: KMSClient;
  let harness: PkiHarness;

  async function createKeyService(): Promise<KmsKeyService> {
    const created = await kms.send(new CreateKeyCommand({}));

    return new KmsKeyService({
      ...motoClientConfig(moto.endpoint),
      keyId: created.KeyMetadata?.Arn ?? '',
    });
  }

  beforeAll(async () => {
    moto = await startMoto();
    kms = new KMSClient(motoClientConfig(moto.endpoint));
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    harness = await PkiHarness.create(await createKeyService());
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('seals, re-encrypts and reuses node keys across revisions under one KMS key', async () => {
    const first = await harness.run();
    const second = await harness.run();

    expect(first.encryption.encrypted).toHaveLength(10);
    expect(second.assets.reused).toEqual([...ASSET_NAMES]);
    expect(second.encryption.reused).toEqual(first.encryption.encrypted);
    expect(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 2))).toBe(
      harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 1)),
    );
  });

  it('moves every sealed key to a new KMS key without re-issuing any certificate', async () => {
    await harness.run();
    const before = AssetManifestSchema.parse(
      JSON.parse(harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, 1))),
    );
    harness.keys = await createKeyService();

    const second = await harness.run();

    expect(second.assets.issued).toEqual([]);
    expect(second.encryption.reused).toEqual([]);
    const after = AssetManifestSchema.parse(
      JSON.parse(harness.artifacts.text(artifactKeys.assetManifest(CLUSTER, 2))),
    );
    expect(after.assets.map((asset) => asset.certificate)).toEqual(
      before.assets.map((asset) => asset.certificate),
    );
    expect(new Set(after.assets.map((asset) => asset.keyId))).toEqual(
      new Set([harness.keys.keyId]),
    );
    const bundle = NodeAssetsSchema.parse(
      JSON.parse(harness.artifacts.text(artifactKeys.nodeAssets(CLUSTER, 2))),
    );
    expect(bundle.keyId).toBe(harness.keys.keyId);
    const apiserverKey = bundle.assets.find(
      (asset) => asset.name === 'apiserver' && asset.kind === 'private-key',
    );
    const plaintext = await harness.keys.decrypt(
      Buffer.from(apiserverKey?.content ?? '', 'base64'),
      nodeEncryptionContext(CLUSTER, 'apiserver'),
    );
    // Only the PEM header is written here, to check the key this test decrypted; this file holds
    // no key, and the decrypted one lives in memory for the length of the test.
    expect(Buffer.from(plaintext).toString('utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });
});
