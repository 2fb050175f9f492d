import * as z from 'zod';
import { InvariantError } from '../lib/errors.ts';
import { readVerifiedObject } from '../lib/read-verified-object.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * The asset manifest of one revision: public certificates and keys, fingerprints, and private keys
 * sealed under the backend encryption context. Nothing in it opens without the key service, so it
 * is safe to store, diff and keep in version control.
 */

export const IssueReasonSchema = z.enum([
  'new',
  'rotation-requested',
  'request-changed',
  'issuer-changed',
  'validity-changed',
  'renewal-window',
  'unchanged',
]);
export type IssueReason = z.infer<typeof IssueReasonSchema>;

export const CertificateRequestSchema = z.object({
  commonName: z.string(),
  organization: z.string().optional(),
  dns: z.array(z.string()),
  ip: z.array(z.string()),
  profile: z.enum(['ca', 'server', 'client', 'server-client']),
});

export const ManifestAssetSchema = z.object({
  name: z.string(),
  kind: z.enum(['ca', 'leaf', 'key-pair']),
  action: z.enum(['issued', 'reused']),
  reason: IssueReasonSchema,
  /** The revision that issued what this entry holds; unchanged while the asset is reused. */
  issuedAtRevision: z.int().min(1),
  /** sha256 of the certificate PEM, or of the public key's DER for a bare key pair. */
  fingerprint: z.string(),
  publicKey: z.string(),
  publicKeyFingerprint: z.string(),
  /** The key service's key that sealed `sealedKey`. */
  keyId: z.string(),
  /** Base64 ciphertext of the PKCS#1 PEM, under the asset's backend encryption context. */
  sealedKey: z.string(),
  request: CertificateRequestSchema.optional(),
  certificate: z.string().optional(),
  serialNumber: z.string().optional(),
  notBefore: z.string().optional(),
  notAfter: z.string().optional(),
  issuer: z.string().optional(),
  /** Fingerprint of the issuer's certificate when this one was signed. */
  issuerFingerprint: z.string().optional(),
});
export type ManifestAsset = z.infer<typeof ManifestAssetSchema>;

export const AssetManifestSchema = z.object({
  formatVersion: z.literal(1),
  cluster: z.string(),
  revision: z.int().min(1),
  generatedAt: z.string(),
  assets: z.array(ManifestAssetSchema),
});
export type AssetManifest = z.infer<typeof AssetManifestSchema>;

/** What `latestAssets` points at: the newest revision whose assets reached the node bundle. */
export const LatestAssetsPointerSchema = z.object({
  revision: z.int().min(1),
  manifestKey: z.string(),
  nodeAssetsKey: z.string(),
});
export type LatestAssetsPointer = z.infer<typeof LatestAssetsPointerSchema>;

/**
 * Reads and parses a JSON object the pipeline wrote earlier; a missing or malformed one is our
 * invariant broken, not the user's input.
 */
export async function readJsonObject<T>(
  store: ObjectStore,
  key: string,
  schema: z.ZodType<T>,
): Promise<T> {
  const value = await readOptionalJsonObject(store, key, schema);
  if (value === undefined) {
    throw new InvariantError(`${key} must exist in the artefacts store (received no object)`);
  }

  return value;
}

/** Like `readJsonObject`, but a missing object is a normal answer (a cluster's first run). */
export async function readOptionalJsonObject<T>(
  store: ObjectStore,
  key: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  const body = await store.get(key);
  if (body === undefined) return undefined;

  return parseJsonObject(key, body, schema);
}

/** Parses the bytes read from `key`; malformed content is our invariant broken. */
export function parseJsonObject<T>(key: string, body: Uint8Array, schema: z.ZodType<T>): T {
  try {
    return schema.parse(JSON.parse(Buffer.from(body).toString('utf8')));
  } catch (error: unknown) {
    throw new InvariantError(`${key} must hold a valid document (received unparsable content)`, {
      cause: error,
    });
  }
}

/**
 * Reads a JSON object whose sha256 the product recorded, refusing it when the bytes changed since
 * (see `readVerifiedObject`).
 */
export async function readVerifiedJsonObject<T>(
  store: ObjectStore,
  key: string,
  sha256: string,
  schema: z.ZodType<T>,
): Promise<T> {
  return parseJsonObject(key, await readVerifiedObject(store, key, sha256), schema);
}
