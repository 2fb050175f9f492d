import { sha256Hex } from '../lib/hash.ts';

/**
 * Key layout of the single revisions table (`pk`, `sk`, both strings). One partition per cluster
 * holds its record (`sk=meta`) and every revision (`sk=rev#<10 digits>`, so a descending query on
 * the sort key lists newest first); idempotency claims live in partitions of their own.
 */
export const META_SK = 'meta';
export const IDEMPOTENCY_SK = 'idem';
export const REVISION_SK_PREFIX = 'rev#';

const REVISION_DIGITS = 10;
/** The highest revision number a sort key can hold in order. */
export const MAX_REVISION = 10 ** REVISION_DIGITS - 1;
/** DynamoDB allows 2,048 bytes of partition key; longer idempotency keys are stored hashed. */
const MAX_IDEMPOTENCY_KEY_CHARS = 512;

export function buildClusterPk(cluster: string): string {
  return `cluster#${cluster}`;
}

export function buildRevisionSk(revision: number): string {
  return `${REVISION_SK_PREFIX}${String(revision).padStart(REVISION_DIGITS, '0')}`;
}

export function buildIdempotencyPk(scope: string, key: string): string {
  const stored = key.length > MAX_IDEMPOTENCY_KEY_CHARS ? `sha256:${sha256Hex(key)}` : key;

  return `idem#${scope}#${stored}`;
}
