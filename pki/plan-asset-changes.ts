import { ValidationError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/hash.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
import {
  ASSET_CATALOGUE,
  ASSET_NAMES,
  type AssetSpec,
  type CertificateRequest,
} from './asset-catalogue.ts';
import type { IssueReason, ManifestAsset } from './asset-manifest.ts';

const DAY_MS = 86_400_000;
const MAX_RENEWAL_WINDOW_MS = 30 * DAY_MS;
/**
 * How far Generate Assets dates a certificate's NotBefore before its issue time, so that a node
 * whose clock runs a little behind still accepts it; the plan reads an earlier certificate's issue
 * time back from its NotBefore with it, so both must use the same amount.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;
// Certificate times have whole seconds; a minute absorbs rounding and never hides a change of days.
const VALIDITY_TOLERANCE_MS = 60_000;

export interface AssetDecision {
  spec: AssetSpec;
  request?: CertificateRequest;
  action: 'issue' | 'reuse';
  reason: IssueReason;
  previous?: ManifestAsset;
}

export interface PlanAssetChangesInput {
  config: ClusterConfig;
  previous: readonly ManifestAsset[];
  /** Asset names, or `all`, from the revision's rotation request. */
  rotate: readonly string[];
  now: Date;
}

/**
 * Decides, per catalogue asset, whether the earlier one is reused byte for byte or a new one is
 * issued, and why. An asset is reused only when it exists, was not named for rotation, asks for
 * the same subject, SANs and usage, was signed by an issuer that is itself reused, has the
 * validity the configured durations give it, and is outside its renewal window. Decisions come in
 * catalogue order, issuers first, so a re-issued CA re-issues every leaf it signs.
 */
export function planAssetChanges(input: PlanAssetChangesInput): AssetDecision[] {
  const rotateAll = checkRotationNames(input.rotate);
  const previousByName = new Map(input.previous.map((asset) => [asset.name, asset]));
  const decisions = new Map<string, AssetDecision>();

  for (const spec of ASSET_CATALOGUE) {
    const request = spec.request?.(input.config);
    const previous = previousByName.get(spec.name);
    const issuerDecision = spec.issuer === undefined ? undefined : decisions.get(spec.issuer);
    const reason = chooseIssueReason({
      previous,
      request,
      rotate: rotateAll || input.rotate.includes(spec.name),
      issuerReissued: issuerDecision?.action === 'issue',
      issuerFingerprint: issuerDecision?.previous?.fingerprint,
      issuerNotAfter: issuerDecision?.previous?.notAfter,
      durations: {
        caDays: input.config.tlsCADurationDays,
        certDays: input.config.tlsCertDurationDays,
      },
      now: input.now,
    });
    decisions.set(spec.name, {
      spec,
      request,
      action: reason === 'unchanged' ? 'reuse' : 'issue',
      reason,
      previous,
    });
  }

  return [...decisions.values()];
}

interface ReasonInput {
  previous: ManifestAsset | undefined;
  request: CertificateRequest | undefined;
  rotate: boolean;
  issuerReissued: boolean;
  issuerFingerprint: string | undefined;
  issuerNotAfter: string | undefined;
  durations: Durations;
  now: Date;
}

function chooseIssueReason(input: ReasonInput): IssueReason {
  const { previous } = input;
  if (previous === undefined) return 'new';
  if (input.rotate) return 'rotation-requested';
  if (canonicalJson(previous.request) !== canonicalJson(input.request)) return 'request-changed';
  if (input.issuerReissued || previous.issuerFingerprint !== input.issuerFingerprint) {
    return 'issuer-changed';
  }
  if (hasValidityChanged(previous, input.durations, input.issuerNotAfter)) {
    return 'validity-changed';
  }
  if (isInRenewalWindow(previous, input.now)) return 'renewal-window';

  return 'unchanged';
}

export interface Durations {
  /** `tlsCADurationDays`: a CA's validity. */
  caDays: number;
  /** `tlsCertDurationDays`: a leaf's validity, cut short where its CA expires first. */
  certDays: number;
}

/**
 * Returns whether a certificate's NotAfter is more than a minute away from the one that issuing it
 * again at its own issue time, with the current durations, would give. A leaf that its CA cut
 * short keeps its NotAfter as long as the configured days still reach past that CA. An asset
 * without certificate dates (a bare key pair) never changes validity.
 */
export function hasValidityChanged(
  asset: ManifestAsset,
  durations: Durations,
  issuerNotAfter: string | undefined,
): boolean {
  if (asset.notBefore === undefined || asset.notAfter === undefined) return false;

  const issuedAt = Date.parse(asset.notBefore) + CLOCK_SKEW_MS;
  const days = asset.kind === 'ca' ? durations.caDays : durations.certDays;
  const unclamped = issuedAt + days * DAY_MS;
  const expected =
    issuerNotAfter === undefined ? unclamped : Math.min(unclamped, Date.parse(issuerNotAfter));

  return Math.abs(Date.parse(asset.notAfter) - expected) > VALIDITY_TOLERANCE_MS;
}

/**
 * A certificate is renewed from 30 days before it expires, or from the last fifth of its lifetime
 * when that is shorter, so a short-lived test certificate is not renewed on every run.
 */
export function isInRenewalWindow(asset: ManifestAsset, now: Date): boolean {
  if (asset.notBefore === undefined || asset.notAfter === undefined) return false;

  const notBefore = Date.parse(asset.notBefore);
  const notAfter = Date.parse(asset.notAfter);
  const window = Math.min(MAX_RENEWAL_WINDOW_MS, (notAfter - notBefore) / 5);

  return now.getTime() >= notAfter - window;
}

/** Returns whether every asset is to rotate; rejects names the catalogue does not know. */
export function checkRotationNames(rotate: readonly string[]): boolean {
  const known = new Set<string>(ASSET_NAMES);
  for (const [index, name] of rotate.entries()) {
    if (name === 'all' || known.has(name)) continue;
    throw new ValidationError(
      `rotate[${index}] must name an asset or all (received ${name}); ` +
        `assets are ${ASSET_NAMES.join(', ')}`,
    );
  }

  return rotate.includes('all');
}
