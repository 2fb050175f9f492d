import { toPublicReport } from '../cluster-config/format-findings.ts';
import { findTooLarge } from '../cluster-config/validate-cluster-yaml.ts';
import { MAX_FILE_BYTES } from '../cluster-config/yaml-source.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { describeError, isProductError, ValidationError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import { type ObjectStore, ObjectTooLargeError } from '../ports/object-store.ts';
import type { Finding } from '../schemas/finding.ts';
import type { Deps } from './deps.ts';
import { submitClusterYaml } from './submit.ts';

const SUBMISSION_KEY = /^clusters\/([a-zA-Z][-a-zA-Z0-9]*)\/cluster\.yaml$/;
/**
 * A folder under `clusters/` whose name is not a valid clusterName but is safe to write beside:
 * plain characters only (no `/`, `%`, `\\`), never `..`, so the answer stays inside its folder.
 */
const ANSWERABLE_FOLDER = /^clusters\/([A-Za-z0-9._-]{1,128})\/cluster\.yaml$/;
/** What this handler writes itself; its own events are not uploads. */
const VALIDATION_KEY = /^clusters\/[^/]+\/validation\.json$/;

export interface S3Upload {
  bucket: string;
  key: string;
  versionId?: string;
  /** The principal that made the upload, as S3 or EventBridge reports it. */
  submitter: string;
  correlationId: string;
}

export type S3UploadOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'submitted'; cluster: string; revision: number; executionArn?: string }
  | { outcome: 'rejected'; cluster: string; code: string };

/**
 * Submits an upload of `clusters/<name>/cluster.yaml` and writes the answer beside it as
 * `validation.json`, so an uploader who cannot see the console still learns what happened.
 * Errors the uploader caused end in that file; a dependency failure is rethrown for a retry.
 */
export async function handleS3Upload(
  upload: S3Upload,
  deps: Deps & { submissions: ObjectStore },
): Promise<S3UploadOutcome> {
  const match = SUBMISSION_KEY.exec(upload.key);
  if (match?.[1] === undefined) return ignoreUpload(upload, deps.submissions);
  const pathCluster = match[1];

  try {
    const body = await deps.submissions.get(upload.key, {
      ...(upload.versionId === undefined ? {} : { versionId: upload.versionId }),
      maxBytes: MAX_FILE_BYTES,
    });
    if (body === undefined) return { outcome: 'ignored', reason: 'object no longer exists' };
    const submitted = await submitClusterYaml(
      {
        body,
        file: 'cluster.yaml',
        expectedCluster: pathCluster,
        source: {
          kind: 's3',
          bucket: upload.bucket,
          key: upload.key,
          ...(upload.versionId === undefined ? {} : { versionId: upload.versionId }),
        },
        submitter: upload.submitter,
        correlationId: upload.correlationId,
      },
      deps,
    );
    const report = toPublicReport({ valid: true, errors: [], warnings: submitted.warnings });
    await writeValidation(deps.submissions, pathCluster, {
      ...report,
      cluster: submitted.cluster,
      revision: submitted.revision,
      outcome: submitted.outcome,
      ...(submitted.executionArn === undefined ? {} : { executionArn: submitted.executionArn }),
      links: { revision: `/clusters/${submitted.cluster}/revisions/${submitted.revision}` },
    });
    logger.info('s3 submission accepted', {
      cluster_name: submitted.cluster,
      revision: submitted.revision,
    });

    return {
      outcome: 'submitted',
      cluster: submitted.cluster,
      revision: submitted.revision,
      ...(submitted.executionArn === undefined ? {} : { executionArn: submitted.executionArn }),
    };
  } catch (error: unknown) {
    if (!isProductError(error) || error.status >= 500) throw error;
    const findings = error instanceof ValidationError ? findingsOf(error) : [];
    const report = toPublicReport({
      valid: false,
      errors: findings.filter((finding) => finding.severity === 'error'),
      warnings: findings.filter((finding) => finding.severity === 'warning'),
    });
    await writeValidation(deps.submissions, pathCluster, {
      ...report,
      error: { code: error.code, message: error.message },
    });
    logger.info('s3 submission rejected', {
      cluster_name: pathCluster,
      error: describeError(error),
    });

    return { outcome: 'rejected', cluster: pathCluster, code: error.code };
  }
}

/**
 * A refusal's findings. An upload too large to read gets the validator's finding about the whole
 * file, as the uploader reads `errors` first and an empty list there looks like a success.
 */
function findingsOf(error: ValidationError): Finding[] {
  if (error instanceof ObjectTooLargeError) return [findTooLarge('cluster.yaml', error.size)];

  return error.findings as Finding[];
}

/**
 * An upload that is not `clusters/<valid name>/cluster.yaml`: answered with validation.json when
 * only the folder name is wrong (and it is safe to write beside), logged as a WARN otherwise.
 */
async function ignoreUpload(upload: S3Upload, submissions: ObjectStore): Promise<S3UploadOutcome> {
  if (VALIDATION_KEY.test(upload.key)) return { outcome: 'ignored', reason: 'own answer file' };
  const folder = ANSWERABLE_FOLDER.exec(upload.key)?.[1];
  if (folder !== undefined && folder !== '.' && !folder.includes('..')) {
    const message = `clusters/${folder}/ must be named after a valid clusterName: a letter, then letters, digits and hyphens (received ${folder}); upload to clusters/<clusterName>/cluster.yaml`;
    const finding = {
      file: 'cluster.yaml',
      line: 0,
      column: 0,
      path: 'clusterName',
      rule: 'invalid-upload-folder',
      message,
    };
    await writeValidation(submissions, folder, {
      valid: false,
      errors: [finding],
      warnings: [],
      error: { code: 'VALIDATION', message },
    });
    logger.warn('s3 upload to an invalid cluster folder', { key: upload.key.slice(0, 256) });

    return { outcome: 'rejected', cluster: folder, code: 'VALIDATION' };
  }
  logger.warn('s3 upload ignored', {
    reason: 'key is not clusters/<clusterName>/cluster.yaml',
    key: upload.key.slice(0, 256),
  });

  return { outcome: 'ignored', reason: 'not a cluster.yaml key' };
}

async function writeValidation(
  store: ObjectStore,
  cluster: string,
  content: unknown,
): Promise<void> {
  await store.put(
    artifactKeys.submissionValidation(cluster),
    `${JSON.stringify(content, null, 2)}\n`,
    'application/json',
  );
}
