import { createHash } from 'node:crypto';
import { listNodeFiles } from '../../../pki/asset-catalogue.ts';
import { type ClusterConfig, ClusterConfigSchema } from '../../../schemas/cluster-config.ts';
import {
  type NodeAsset,
  type NodeAssets,
  nodeEncryptionContext,
} from '../../../schemas/node-assets.ts';

/** examples/cluster.yaml as parsed config (with three controllers to exercise etcd membership). */
export function exampleConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
  return ClusterConfigSchema.parse({
    clusterName: 'demo',
    externalDNSName: 'demo.k8s.example.com',
    createRecordSet: true,
    hostedZoneId: 'Z0EXAMPLE1234567890AB',
    keyName: 'demo-admin',
    region: 'us-east-1',
    availabilityZone: 'us-east-1a',
    kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    workerCount: 2,
    vpcCIDR: '10.0.0.0/16',
    instanceCIDR: '10.0.0.0/24',
    controllerIP: '10.0.0.50',
    podCIDR: '10.2.0.0/16',
    serviceCIDR: '10.3.0.0/24',
    dnsServiceIP: '10.3.0.10',
    ...overrides,
  });
}

/** Deterministic bytes that compress like real key material (not at all). */
function pseudoRandomBytes(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < length; i += 1) {
    chunks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  }

  return Buffer.concat(chunks).subarray(0, length);
}

function fakePem(label: string, seed: string, derBytes: number): string {
  const body = pseudoRandomBytes(seed, derBytes)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');

  return `-----BEGIN ${label}-----\n${body.trimEnd()}\n-----END ${label}-----\n`;
}

/**
 * Node assets of every catalogue file, sized like the real ones: ~1 KB certificate DER, RSA-2048
 * private keys whose KMS ciphertext is ~1.9 KB. `ciphertextOf` replaces the dummy ciphertext.
 */
export function buildNodeAssets(
  cluster: string,
  ciphertextOf: (asset: string, path: string) => string = (asset, path) =>
    pseudoRandomBytes(`${asset}:${path}`, 1900).toString('base64'),
): NodeAssets {
  const byPath = new Map<string, NodeAsset>();
  for (const role of ['controller', 'worker'] as const) {
    for (const { asset, file } of listNodeFiles(role)) {
      const existing = byPath.get(file.path);
      if (existing !== undefined) {
        if (!existing.roles.includes(role)) existing.roles.push(role);
        continue;
      }
      const isKey = file.kind === 'private-key';
      byPath.set(file.path, {
        name: asset,
        kind: file.kind,
        roles: [role],
        path: file.path,
        content: isKey
          ? ciphertextOf(asset, file.path)
          : fakePem(file.kind === 'certificate' ? 'CERTIFICATE' : 'PUBLIC KEY', file.path, 1000),
        ...(isKey ? { encryptionContext: nodeEncryptionContext(cluster, asset) } : {}),
        fingerprint: createHash('sha256').update(file.path).digest('hex'),
      });
    }
  }

  return { cluster, keyId: 'alias/demo', assets: [...byPath.values()] };
}
