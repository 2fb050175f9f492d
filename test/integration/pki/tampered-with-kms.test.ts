import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsKeyService } from '../../../adapters/aws/kms-key-service.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson } from '../../../lib/hash.ts';
import { AssetManifestSchema } from '../../../pki/asset-manifest.ts';
import {
  fingerprintPublicKey,
  generateRsaKeyPair,
  issueCertificate,
} from '../../../pki/issue-certificate.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { CLUSTER, PkiHarness, START } from '../../unit/pki/pki-harness.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const MANIFEST_1 = artifactKeys.assetManifest(CLUSTER, 1);

/** AWS mode: the revision's own manifest overwritten in the bucket, the keys sealed by KMS. */
describe.skipIf(!hasMoto)('a run with KMS on moto after its manifest was overwritten', () => {
  let moto: MotoServer;
  let harness: PkiHarness;

  beforeAll(async () => {
    moto = await startMoto();
    const kms = new KMSClient(motoClientConfig(moto.endpoint));
    const created = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    harness = await PkiHarness.create(
      new KmsKeyService({
        ...motoClientConfig(moto.endpoint),
        keyId: created.KeyMetadata?.Arn ?? '',
      }),
    );
  });
  afterAll(async () => {
    await harness?.dispose();
    await moto?.stop();
  });

  it('refuses the forged kube-ca and leaves the latest pointer on revision 1', async () => {
    await harness.run();
    const pair = await generateRsaKeyPair();
    const forgedCa = issueCertificate({
      request: { commonName: 'kube-ca', organization: 'kube-aws', dns: [], ip: [], profile: 'ca' },
      publicKey: pair.publicKey,
      signingKey: pair.privateKey,
      notBefore: START,
      notAfter: new Date(START.getTime() + 86_400_000),
    }).replace(/\n/g, '\r\n');
    const original = AssetManifestSchema.parse(JSON.parse(harness.artifacts.text(MANIFEST_1)));
    const kubeCa = original.assets.find((asset) => asset.name === 'kube-ca');
    const forged = {
      ...original,
      assets: original.assets.map((asset) =>
        asset.name === 'kube-ca' ? { ...asset, certificate: forgedCa } : asset,
      ),
    };
    await harness.artifacts.put(MANIFEST_1, canonicalJson(forged, 2), 'application/json');

    await expect(harness.run({ workerCount: 3 })).rejects.toThrow(
      `${MANIFEST_1} asset kube-ca certificate public key must be its publicKey ` +
        `${kubeCa?.publicKeyFingerprint} (received ${fingerprintPublicKey(pair.publicKey)}); ` +
        're-issue it with up --rotate kube-ca',
    );
    expect(JSON.parse(harness.artifacts.text(artifactKeys.latestAssets(CLUSTER))).revision).toBe(1);
  });
});
