import { createPublicKey, X509Certificate } from 'node:crypto';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { IntegrityError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import type { Revision } from '../schemas/revision.ts';
import { type AssetSpec, findAssetSpec, type NodeFileKind } from './asset-catalogue.ts';
import type { AssetManifest, LatestAssetsPointer, ManifestAsset } from './asset-manifest.ts';

/**
 * The checks a stored asset manifest passes before anything in it is trusted again. The bucket is
 * writable by more principals than the key and the revision table are, so a manifest is believed
 * only where it agrees with itself and with the fingerprints the revision table recorded when the
 * product wrote it.
 */

export interface ManifestOriginInput {
  cluster: string;
  /** The key the pointer was read from, for messages. */
  pointerKey: string;
  pointer: LatestAssetsPointer;
}

/**
 * Checks, before anything is read through it, that a latest pointer names the cluster's own
 * manifest of the pointer's revision.
 */
export function checkPointerKey(input: ManifestOriginInput): void {
  const { cluster, pointer } = input;
  const expectedKey = artifactKeys.assetManifest(cluster, pointer.revision);
  if (pointer.manifestKey !== expectedKey) {
    throw new IntegrityError(
      `${input.pointerKey} manifestKey must be ${expectedKey}, the manifest of its revision ` +
        `${pointer.revision} (received ${pointer.manifestKey})${describeOriginRemedy(input)}`,
    );
  }
}

/**
 * Checks that the manifest a latest pointer leads to is this cluster's manifest of a recorded
 * revision, and returns that revision's record with the fingerprints it recorded.
 */
export function checkManifestOrigin(
  input: ManifestOriginInput & {
    manifest: AssetManifest;
    /** The revision table's record of `pointer.revision`. */
    record: Revision | undefined;
  },
): { record: Revision; recorded: Record<string, string> } {
  const { cluster, pointer, manifest, record } = input;
  checkPointerKey(input);
  const remedy = describeOriginRemedy(input);
  if (manifest.cluster !== cluster) {
    throw new IntegrityError(
      `${pointer.manifestKey} cluster must be ${cluster} (received ${manifest.cluster})${remedy}`,
    );
  }
  if (manifest.revision !== pointer.revision) {
    throw new IntegrityError(
      `${pointer.manifestKey} revision must be ${pointer.revision} ` +
        `(received ${manifest.revision})${remedy}`,
    );
  }
  const recorded = record?.assetFingerprints;
  if (record === undefined || recorded === undefined) {
    throw new IntegrityError(
      `${pointer.manifestKey} must belong to a revision with recorded asset fingerprints ` +
        `(received revision ${pointer.revision} with none)${remedy}`,
    );
  }

  return { record, recorded };
}

/** The hash Generate Assets records per entry, and a later run checks before reusing it. */
export function hashManifestEntry(entry: ManifestAsset): string {
  return sha256Hex(canonicalJson(entry));
}

function describeOriginRemedy(input: ManifestOriginInput): string {
  return `; restore ${input.pointerKey} or re-issue every asset with up --rotate all`;
}

export interface ReusedAssetsInput {
  manifestKey: string;
  manifest: AssetManifest;
  /** Names of the assets the plan reuses from `manifest`; only these are relied on. */
  names: readonly string[];
  /** What the revision table recorded for `manifest.revision`. */
  recorded: Readonly<Record<string, string>>;
  /** Entry hashes recorded for `manifest.revision`; absent for a revision written before them. */
  entryHashes: Readonly<Record<string, string>> | undefined;
}

/**
 * Throws an IntegrityError naming each named asset that is not self-consistent, does not chain to
 * its issuer in the same manifest, or differs from its recorded fingerprint or entry hash. A leaf
 * whose issuer already failed is not reported on its own: re-issuing the CA re-issues it.
 */
export function checkReusedAssets(input: ReusedAssetsInput): void {
  const byName = new Map(input.manifest.assets.map((asset) => [asset.name, asset]));
  const failed = new Map<string, string>();
  for (const name of input.names) {
    const entry = byName.get(name);
    const spec = findAssetSpec(name);
    if (entry === undefined || spec === undefined) {
      failed.set(name, 'must be listed in the manifest and the catalogue (received none)');
      continue;
    }
    if (spec.issuer !== undefined && failed.has(spec.issuer)) continue;
    const issuer = spec.issuer === undefined ? undefined : byName.get(spec.issuer);
    const problem =
      findConsistencyProblem(entry, spec.kind, spec.issuer, issuer) ??
      findRecordProblem(entry, spec, input.manifest.revision, input.recorded) ??
      findEntryHashProblem(entry, input.manifest.revision, input.entryHashes);
    if (problem !== undefined) failed.set(name, problem);
  }

  const [first] = failed;
  if (first === undefined) return;
  const names = [...failed.keys()];
  const others = names.length > 1 ? `; ${names.slice(1).join(', ')} also failed` : '';
  throw new IntegrityError(
    `${input.manifestKey} asset ${first[0]} ${first[1]}${others}; ` +
      `re-issue ${names.length > 1 ? 'them' : 'it'} with up --rotate ${names.join(',')}`,
  );
}

/**
 * The first way an entry disagrees with itself or with its issuer, as `<rule> (received <value>)`;
 * undefined when it holds together. Kind and issuer come from the catalogue, never the entry.
 */
export function findConsistencyProblem(
  entry: ManifestAsset,
  kind: ManifestAsset['kind'],
  issuerName: string | undefined,
  issuer: ManifestAsset | undefined,
): string | undefined {
  if (entry.kind !== kind) return `kind must be ${kind} (received ${entry.kind})`;
  const keyDer = exportPublicKeyDer(entry.publicKey);
  if (keyDer === undefined) return 'publicKey must be a PEM public key (received unparsable text)';
  const keyFingerprint = sha256Hex(keyDer);
  if (entry.publicKeyFingerprint !== keyFingerprint) {
    return (
      `publicKeyFingerprint must be the sha256 of its publicKey ${keyFingerprint} ` +
      `(received ${entry.publicKeyFingerprint})`
    );
  }
  if (kind === 'key-pair') {
    return entry.fingerprint === keyFingerprint
      ? undefined
      : `fingerprint must be its publicKeyFingerprint ${keyFingerprint} (received ${entry.fingerprint})`;
  }

  const certificate = parseCertificate(entry.certificate);
  if (certificate === undefined) {
    return 'certificate must be a PEM certificate (received none or unparsable text)';
  }
  const certificateKeyFingerprint = sha256Hex(exportDer(certificate));
  if (certificateKeyFingerprint !== keyFingerprint) {
    return (
      `certificate public key must be its publicKey ${keyFingerprint} ` +
      `(received ${certificateKeyFingerprint})`
    );
  }
  const certificateFingerprint = sha256Hex(entry.certificate ?? '');
  if (entry.fingerprint !== certificateFingerprint) {
    return (
      `fingerprint must be the sha256 of its certificate ${certificateFingerprint} ` +
      `(received ${entry.fingerprint})`
    );
  }

  return findChainProblem(certificate, issuerName, issuer);
}

function findChainProblem(
  certificate: X509Certificate,
  issuerName: string | undefined,
  issuer: ManifestAsset | undefined,
): string | undefined {
  if (issuerName === undefined) {
    return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey)
      ? undefined
      : 'certificate must be self-signed by its own key (received a signature that does not verify)';
  }
  const rule = `certificate must be signed by the ${issuerName} certificate of the same manifest`;
  const issuerCertificate = parseCertificate(issuer?.certificate);
  if (issuerCertificate === undefined) return `${rule} (received no ${issuerName} certificate)`;

  return certificate.checkIssued(issuerCertificate) &&
    certificate.verify(issuerCertificate.publicKey)
    ? undefined
    : `${rule} (received a signature that does not verify)`;
}

/**
 * Generate Assets records each asset's fingerprint. Revisions finished before Record stopped
 * overwriting it hold, per asset, the fingerprint of its last node file instead (none for an
 * asset no node holds); state dirs and tables keep those, so both forms are accepted. Either
 * binds the entry once it is self-consistent and chains to a checked issuer.
 */
function findRecordProblem(
  entry: ManifestAsset,
  spec: AssetSpec,
  revision: number,
  recorded: Readonly<Record<string, string>>,
): string | undefined {
  const expected = recorded[entry.name];
  if (expected === entry.fingerprint) return undefined;
  const lastFile = spec.files.at(-1);
  if (lastFile === undefined && expected === undefined) return undefined;
  if (lastFile !== undefined && expected === fingerprintNodeFile(entry, lastFile.kind)) {
    return undefined;
  }

  return (
    `fingerprint must be the one revision ${revision} recorded ${expected ?? 'none'} ` +
    `(received ${entry.fingerprint})`
  );
}

/**
 * Covers the fields the other checks cannot tie to the certificate: a sealed key swapped for an
 * older one of the same asset, or dates and requests that steer the next plan.
 */
function findEntryHashProblem(
  entry: ManifestAsset,
  revision: number,
  entryHashes: Readonly<Record<string, string>> | undefined,
): string | undefined {
  if (entryHashes === undefined) return undefined;
  const expected = entryHashes[entry.name];
  const actual = hashManifestEntry(entry);
  if (expected === actual) return undefined;

  return `entry must have the sha256 revision ${revision} recorded ${expected ?? 'none'} (received ${actual})`;
}

function fingerprintNodeFile(entry: ManifestAsset, kind: NodeFileKind): string {
  if (kind === 'private-key') return entry.publicKeyFingerprint;

  return sha256Hex((kind === 'certificate' ? entry.certificate : entry.publicKey) ?? '');
}

function exportPublicKeyDer(pem: string): Buffer | undefined {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch {
    // An unparsable key is reported by the caller as a failed check, with no key text in it.
    return undefined;
  }
}

function exportDer(certificate: X509Certificate): Buffer {
  return certificate.publicKey.export({ type: 'spki', format: 'der' });
}

function parseCertificate(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined) return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    // An unparsable certificate is reported by the caller as a failed check.
    return undefined;
  }
}
