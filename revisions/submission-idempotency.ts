import type { RevisionStore } from '../ports/revision-store.ts';
import type { Revision, SubmissionSource } from '../schemas/revision.ts';

export interface IdempotencyClaim {
  scope: 'api' | 's3';
  key: string;
  /**
   * Whether a repeat must carry the same document and options (an API key reused for another
   * body, or another rotation or replacement request, is an error).
   */
  requiresSameInput: boolean;
}

/** What an upload to an unversioned bucket is measured against; see {@link readUnversionedUpload}. */
export interface UnversionedUpload {
  /** The cluster's latest revision when the upload was read; part of the claim key. */
  after: number;
  /** Set when that latest revision is already this upload: same bucket, key and content. */
  repeatOf?: number;
}

/**
 * What makes two deliveries "the same submission". An S3 object version is delivered once per
 * event but events can repeat, so bucket/key/versionId identifies it. An unversioned bucket has no
 * such id: the content hash plus the revision it follows stands in (see
 * {@link readUnversionedUpload}). An API caller's Idempotency-Key is scoped by submitter and
 * cluster, so two callers' keys never collide. Without either, every submission is new.
 */
export function deriveIdempotencyClaim(input: {
  source: SubmissionSource;
  idempotencyKey: string | undefined;
  submitter: string;
  cluster: string;
  inputSha256: string;
  unversioned?: UnversionedUpload;
}): IdempotencyClaim | undefined {
  const { source } = input;
  if (source.kind === 's3' && source.bucket !== undefined && source.key !== undefined) {
    const version =
      source.versionId === undefined
        ? `sha256=${input.inputSha256}&after=${input.unversioned?.after ?? 0}`
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

/**
 * Without object versions, content alone cannot tell a repeated event from a new upload that
 * restores earlier content (A, then B, then A again must end on A). So an upload is a repeat only
 * of the cluster's latest revision, when that came from the same bucket and key with the same
 * content; otherwise it claims "this content after revision N", which concurrent deliveries of
 * one event share, so they still make one revision. Undefined for any other source.
 */
export async function readUnversionedUpload(
  source: SubmissionSource,
  cluster: string,
  inputSha256: string,
  revisions: Pick<RevisionStore, 'get' | 'getCluster'>,
): Promise<UnversionedUpload | undefined> {
  if (source.kind !== 's3' || source.versionId !== undefined) return undefined;
  const after = (await revisions.getCluster(cluster))?.latestRevision ?? 0;
  if (after === 0) return { after };
  const latest = await revisions.get(cluster, after);
  const repeat =
    latest !== undefined &&
    latest.inputSha256 === inputSha256 &&
    latest.source.kind === 's3' &&
    latest.source.bucket === source.bucket &&
    latest.source.key === source.key;

  return repeat ? { after, repeatOf: after } : { after };
}

/** What an API submission asks for beside its document; a repeat must ask for the same. */
export interface SubmissionOptions {
  rotate?: string[];
  allowReplace?: boolean;
}

/**
 * Describes how a retried submission's options differ from the revision its key already named,
 * or undefined when they agree. Rotation names are compared as a set.
 */
export function describeOptionChange(
  earlier: Revision,
  requested: SubmissionOptions,
): string | undefined {
  const before = describeOptions(earlier);
  const now = describeOptions(requested);

  return before === now ? undefined : `received ${now}; revision ${earlier.revision} has ${before}`;
}

function describeOptions(options: SubmissionOptions): string {
  const rotate = [...new Set(options.rotate ?? [])].sort();
  const names = rotate.length === 0 ? 'none' : rotate.join(',');

  return `rotate ${names}, allowReplace ${options.allowReplace === true}`;
}
