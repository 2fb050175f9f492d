import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { InvariantError, ValidationError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { KeyService } from '../ports/key-service.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
import { backendEncryptionContext } from '../schemas/node-assets.ts';
import type { CertificateRequest } from './asset-catalogue.ts';
import type { ManifestAsset } from './asset-manifest.ts';
import {
  exportPrivateKeyPem,
  exportPublicKeyPem,
  fingerprintPublicKey,
  generateRsaKeyPair,
  issueCertificate,
  type RsaKeyPair,
} from './issue-certificate.ts';
import { type AssetDecision, CLOCK_SKEW_MS } from './plan-asset-changes.ts';

const DAY_MS = 86_400_000;

export interface BuildAssetEntriesInput {
  cluster: string;
  revision: number;
  config: ClusterConfig;
  decisions: readonly AssetDecision[];
  keys: KeyService;
  now: Date;
}

/**
 * Turns decisions into manifest entries: reused entries are copied unchanged, issued ones get a
 * fresh key pair, sealed at once under the backend context, and a certificate signed by their CA.
 * Private keys exist in plaintext only inside this call; a reused CA key is unsealed here, in
 * memory, only to sign.
 */
export async function buildAssetEntries(input: BuildAssetEntriesInput): Promise<ManifestAsset[]> {
  const validity = describeValidity(input.config, input.now);
  // Every key is requested at once, in catalogue order (CAs first), and each entry is sealed and
  // signed as soon as its own key is ready, so that work overlaps the generation of the others.
  const freshKeys = new Map<string, Promise<RsaKeyPair>>();
  for (const decision of input.decisions) {
    if (decision.action !== 'issue') continue;
    const pair = generateRsaKeyPair();
    // Awaited in the loop below. If the loop stops at an earlier error, that error is what the
    // caller sees, and a later key's failure must not crash the process as an unhandled rejection.
    pair.catch(() => undefined);
    freshKeys.set(decision.spec.name, pair);
  }
  const signingKeys = new Map<string, KeyObject>();
  const entries = new Map<string, ManifestAsset>();

  for (const decision of input.decisions) {
    const { spec, previous } = decision;
    if (decision.action === 'reuse' && previous !== undefined) {
      const sealed = await resealUnderCurrentKey(input, previous);
      entries.set(spec.name, { ...previous, ...sealed, action: 'reused', reason: 'unchanged' });
      continue;
    }

    const pending = freshKeys.get(spec.name);
    if (pending === undefined) {
      throw new InvariantError(`asset ${spec.name} must have a fresh key pair (received none)`);
    }
    const pair = await pending;
    if (spec.kind === 'ca') signingKeys.set(spec.name, pair.privateKey);
    const sealed = await sealFreshKey(input, decision, pair);
    if (decision.request === undefined) {
      entries.set(spec.name, sealed);
      continue;
    }

    const issuer = spec.issuer === undefined ? undefined : entries.get(spec.issuer);
    const signingKey =
      issuer === undefined ? pair.privateKey : await unsealSigningKey(input, issuer, signingKeys);
    const certificate = signEntry({
      decision,
      request: decision.request,
      pair,
      issuer,
      signingKey,
      validity,
    });
    entries.set(spec.name, { ...sealed, ...certificate });
  }

  return [...entries.values()];
}

/** The manifest entry of a new key pair, its private half sealed under the backend context. */
async function sealFreshKey(
  input: BuildAssetEntriesInput,
  decision: AssetDecision,
  pair: RsaKeyPair,
): Promise<ManifestAsset> {
  const { spec } = decision;
  const sealed = await input.keys.encrypt(
    Buffer.from(exportPrivateKeyPem(pair.privateKey), 'utf8'),
    backendEncryptionContext(input.cluster, spec.name),
  );
  const publicKeyFingerprint = fingerprintPublicKey(pair.publicKey);

  return {
    name: spec.name,
    kind: spec.kind,
    action: 'issued',
    reason: decision.reason,
    issuedAtRevision: input.revision,
    fingerprint: publicKeyFingerprint,
    publicKey: exportPublicKeyPem(pair.publicKey),
    publicKeyFingerprint,
    keyId: input.keys.keyId,
    sealedKey: Buffer.from(sealed).toString('base64'),
  };
}

interface SignEntryInput {
  decision: AssetDecision;
  request: CertificateRequest;
  pair: RsaKeyPair;
  issuer: ManifestAsset | undefined;
  /** The CA's key; for a self-signed CA, its own. */
  signingKey: KeyObject;
  validity: Validity;
}

/** The certificate fields of an entry. A leaf never outlives its CA: NotAfter is clamped. */
function signEntry(input: SignEntryInput): Partial<ManifestAsset> {
  const { decision, issuer, validity } = input;
  const issuerName = decision.spec.issuer;
  if (issuerName !== undefined && issuer?.certificate === undefined) {
    throw new InvariantError(
      `asset ${decision.spec.name} must follow its issuer ${issuerName} (received no certificate)`,
    );
  }
  const notAfter =
    issuer?.notAfter === undefined
      ? new Date(validity.issuedAt + validity.caDays * DAY_MS)
      : new Date(
          Math.min(validity.issuedAt + validity.certDays * DAY_MS, Date.parse(issuer.notAfter)),
        );

  const certificate = issueCertificate({
    request: input.request,
    publicKey: input.pair.publicKey,
    signingKey: input.signingKey,
    issuerCertificatePem: issuer?.certificate,
    notBefore: validity.notBefore,
    notAfter,
  });

  return {
    fingerprint: sha256Hex(certificate),
    request: input.request,
    certificate,
    serialNumber: new X509Certificate(certificate).serialNumber,
    notBefore: validity.notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    issuer: issuerName,
    issuerFingerprint: issuer?.fingerprint,
  };
}

/**
 * Moves a reused sealed key to the key service's current key when the cluster changed keys (a new
 * kmsKeyArn); the key material, and so the certificate, stays the same.
 */
async function resealUnderCurrentKey(
  input: BuildAssetEntriesInput,
  previous: ManifestAsset,
): Promise<Pick<ManifestAsset, 'keyId' | 'sealedKey'>> {
  if (previous.keyId === input.keys.keyId) {
    return { keyId: previous.keyId, sealedKey: previous.sealedKey };
  }

  // Decrypt and encrypt rather than ReEncrypt: this function already holds kms:Decrypt and
  // kms:Encrypt for the backend context, and no ReEncrypt grant.
  const context = backendEncryptionContext(input.cluster, previous.name);
  const plaintext = await input.keys.decrypt(Buffer.from(previous.sealedKey, 'base64'), context);
  try {
    const resealed = await input.keys.encrypt(plaintext, context);

    return { keyId: input.keys.keyId, sealedKey: Buffer.from(resealed).toString('base64') };
  } finally {
    plaintext.fill(0);
  }
}

/** The CA key that signs a leaf: fresh in memory, or unsealed once per run from the manifest. */
async function unsealSigningKey(
  input: BuildAssetEntriesInput,
  issuer: ManifestAsset,
  cache: Map<string, KeyObject>,
): Promise<KeyObject> {
  const cached = cache.get(issuer.name);
  if (cached !== undefined) return cached;

  const plaintext = await input.keys.decrypt(
    Buffer.from(issuer.sealedKey, 'base64'),
    backendEncryptionContext(input.cluster, issuer.name),
  );
  try {
    const key = createPrivateKey({ key: Buffer.from(plaintext), format: 'pem' });
    cache.set(issuer.name, key);

    return key;
  } finally {
    plaintext.fill(0);
  }
}

interface Validity {
  issuedAt: number;
  notBefore: Date;
  caDays: number;
  certDays: number;
}

function describeValidity(config: ClusterConfig, now: Date): Validity {
  for (const field of ['tlsCADurationDays', 'tlsCertDurationDays'] as const) {
    if (config[field] <= 0) {
      throw new ValidationError(`${field} must be greater than 0 (received ${config[field]})`);
    }
  }

  // X.509 times have whole seconds; the manifest must state exactly what the certificate says.
  const issuedAt = Math.floor(now.getTime() / 1000) * 1000;

  return {
    issuedAt,
    notBefore: new Date(issuedAt - CLOCK_SKEW_MS),
    caDays: config.tlsCADurationDays,
    certDays: config.tlsCertDurationDays,
  };
}
