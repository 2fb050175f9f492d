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
 * the same subject, SANs and usage, was signed by an issuer that is itself reused, and is outside
 * its renewal window. Decisions come in catalogue order, issuers first.
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
  if (isInRenewalWindow(previous, input.now)) return 'renewal-window';

  return 'unchanged';
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
