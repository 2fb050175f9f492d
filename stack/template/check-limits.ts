import { ValidationError } from '../../lib/errors.ts';
import { canonicalJson } from '../../lib/hash.ts';

/** Largest template CloudFormation reads from S3 through `TemplateURL`. */
export const TEMPLATE_URL_LIMIT_BYTES = 1_000_000;

export interface Contributor {
  logicalId: string;
  bytes: number;
}

/** The `n` resources with the largest canonical serialisation, largest first, ties by id. */
export function largestContributors(template: object, n: number): Contributor[] {
  const resources = (template as { Resources?: Record<string, unknown> }).Resources ?? {};

  return Object.entries(resources)
    .map(([logicalId, resource]) => ({
      logicalId,
      bytes: Buffer.byteLength(canonicalJson(resource), 'utf8'),
    }))
    .sort((a, b) => b.bytes - a.bytes || a.logicalId.localeCompare(b.logicalId))
    .slice(0, n);
}

/** Fails before CloudFormation would, naming the size and the five biggest resources. */
export function checkTemplateSize(template: object, serialised = canonicalJson(template)): number {
  const bytes = Buffer.byteLength(serialised, 'utf8');
  if (bytes <= TEMPLATE_URL_LIMIT_BYTES) return bytes;

  const largest = largestContributors(template, 5)
    .map((entry) => `${entry.logicalId} ${entry.bytes}`)
    .join(', ');
  throw new ValidationError(
    `stack template must be at most ${TEMPLATE_URL_LIMIT_BYTES} bytes (received ${bytes} bytes; ` +
      `largest resources: ${largest}); use fewer node pools or offload userdata`,
  );
}
