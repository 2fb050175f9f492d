import type { SubmissionSource } from '../schemas/revision.ts';

export interface IdempotencyClaim {
  scope: 'api' | 's3';
  key: string;
  /** Whether a repeat must carry the same document (an API key reused for another body is an error). */
  requiresSameInput: boolean;
}

/**
 * What makes two deliveries "the same submission". An S3 object version is delivered once per
 * event but events can repeat, so bucket/key/versionId identifies it (the content hash stands in
 * for an unversioned bucket). An API caller's Idempotency-Key is scoped by submitter and cluster,
 * so two callers' keys never collide. Without either, every submission is new.
 */
export function deriveIdempotencyClaim(input: {
  source: SubmissionSource;
  idempotencyKey: string | undefined;
  submitter: string;
  cluster: string;
  inputSha256: string;
}): IdempotencyClaim | undefined {
  const { source } = input;
  if (source.kind === 's3' && source.bucket !== undefined && source.key !== undefined) {
    const version =
      source.versionId === undefined
        ? `sha256=${input.inputSha256}`
        : `versionId=${source.versionId}`;
    return {
      scope: 's3',
      key: `${source.bucket}/${source.key}?${version}`,
      requiresSameInput: false,
    };
  }
  if (input.idempotencyKey !== undefined && input.idempotencyKey !== '') {
    return {
      scope: 'api',
      key: `${input.cluster}#${input.submitter}#${input.idempotencyKey}`,
      requiresSameInput: true,
    };
  }

  return undefined;
}
