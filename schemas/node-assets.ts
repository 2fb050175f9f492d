import * as z from 'zod';

export const NodeRoleSchema = z.enum(['controller', 'worker']);
export type NodeRole = z.infer<typeof NodeRoleSchema>;

/** Context every node-bound ciphertext is encrypted with; instance roles may decrypt only these. */
export function nodeEncryptionContext(cluster: string, asset: string): Record<string, string> {
  return { 'kube-aws:cluster': cluster, 'kube-aws:asset': asset, 'kube-aws:purpose': 'node' };
}

/** Context of backend-sealed private keys (CA keys among them); no instance role may decrypt it. */
export function backendEncryptionContext(cluster: string, asset: string): Record<string, string> {
  return { 'kube-aws:cluster': cluster, 'kube-aws:asset': asset, 'kube-aws:purpose': 'backend' };
}

/**
 * One file a node needs. Public material (certificates, public keys) travels as PEM; private keys
 * travel only as base64 KMS ciphertext that the node decrypts at boot with `encryptionContext`.
 */
export const NodeAssetSchema = z.object({
  /** Asset id, e.g. `apiserver`; also the `kube-aws:asset` value of its encryption context. */
  name: z.string(),
  kind: z.enum(['certificate', 'public-key', 'private-key']),
  roles: z.array(NodeRoleSchema),
  /** Absolute path of the decrypted or plain file on the node. */
  path: z.string(),
  /** PEM for public material; base64 ciphertext for private keys. */
  content: z.string(),
  encryptionContext: z.record(z.string(), z.string()).optional(),
  /** sha256 of the plaintext (public) or of the public key (private), to spot changes. */
  fingerprint: z.string(),
});
export type NodeAsset = z.infer<typeof NodeAssetSchema>;

export const NodeAssetsSchema = z.object({
  cluster: z.string(),
  keyId: z.string(),
  assets: z.array(NodeAssetSchema),
});
export type NodeAssets = z.infer<typeof NodeAssetsSchema>;
