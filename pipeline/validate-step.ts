import { findingFromProblem, summarise } from '../cluster-config/build-findings.ts';
import { checkAccount } from '../cluster-config/check-account.ts';
import { toPublicReport } from '../cluster-config/format-findings.ts';
import { validateClusterYamlBytes } from '../cluster-config/validate-cluster-yaml.ts';
import { createSourceLocator } from '../cluster-config/yaml-source.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { IntegrityError, InvariantError, NotFoundError, ValidationError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { readVerifiedObject } from '../lib/read-verified-object.ts';
import { type ClusterConfig, ClusterConfigSchema } from '../schemas/cluster-config.ts';
import {
  type Finding,
  type PublicReport,
  PublicReportSchema,
  type ValidationReport,
} from '../schemas/finding.ts';
import type { Revision } from '../schemas/revision.ts';
import type { TaskInput, ValidationResult } from '../schemas/state-payloads.ts';
import type { Deps } from './deps.ts';

const INPUT_FILE = 'cluster.yaml';
/** A report holds at most 101 findings of bounded length; anything far larger is not ours. */
const MAX_REPORT_BYTES = 1024 * 1024;

/**
 * The Validate state: the offline rules again (the input may have arrived by S3 without the
 * submit-time check), then the checks that need the AWS account, then the normalised config
 * stored as canonical JSON for every later step.
 */
export async function validateStep(input: TaskInput, deps: Deps): Promise<ValidationResult> {
  const { cluster, revision } = input;
  const [record, clusterRecord] = await Promise.all([
    deps.revisions.get(cluster, revision),
    deps.revisions.getCluster(cluster),
  ]);
  if (record === undefined) {
    throw new NotFoundError(`revision ${revision} of cluster ${cluster} does not exist`);
  }
  const bytes = await readVerifiedObject(deps.artifacts, record.inputKey, record.inputSha256);

  const offline = validateClusterYamlBytes(bytes, INPUT_FILE);
  if (offline.config === undefined) throw await storeFailure(input, deps, [offline.report]);
  const config = offline.config;
  const locator = createSourceLocator(new TextDecoder('utf-8').decode(bytes));
  if (config.clusterName !== cluster) {
    const mismatch = findingFromProblem(INPUT_FILE, locator, {
      severity: 'error',
      rule: 'cluster-name-mismatch',
      path: ['clusterName'],
      message:
        `clusterName must be ${cluster}, the cluster this revision belongs to ` +
        `(received "${config.clusterName}")`,
      related: [],
    });
    throw await storeFailure(input, deps, [
      offline.report,
      { valid: false, errors: [mismatch], warnings: [] },
    ]);
  }

  const problems = await checkAccount({
    config,
    inventory: deps.inventory,
    dns: deps.dns,
    isWritten: (path) => locator.has(path),
    recordMayBeOurs: clusterRecord?.lastApplied !== undefined,
  });
  const account = summarise(
    problems.map((problem) => findingFromProblem(INPUT_FILE, locator, problem)),
  );
  if (!account.report.valid) {
    throw await storeFailure(input, deps, [offline.report, account.report]);
  }

  const json = canonicalJson(config);
  const configKey = artifactKeys.config(cluster, revision);
  await deps.artifacts.put(configKey, json, 'application/json');
  const warnings = offline.report.warnings.length + account.report.warnings.length;
  logger.info('cluster config validated', { cluster_name: cluster, revision, warnings });

  return { configKey, configSha256: sha256Hex(json), warnings };
}

/** Reads back the config the Validate state stored; every later step starts here. */
export async function loadConfig(
  deps: Pick<Deps, 'artifacts'>,
  key: string,
): Promise<ClusterConfig> {
  const bytes = await deps.artifacts.get(key);
  if (bytes === undefined) throw new NotFoundError(`${key} does not exist in the artefacts bucket`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (error: unknown) {
    throw new InvariantError(`${key} is not JSON`, { cause: error });
  }
  const result = ClusterConfigSchema.safeParse(parsed);
  if (!result.success) {
    throw new InvariantError(`${key} does not match the cluster config schema`, {
      cause: result.error,
    });
  }

  return result.data;
}

/**
 * Stores every finding of a failed validation (errors and warnings, offline and account checks)
 * as the public report under the revision, then returns the error to throw: it names the first
 * error, the count and where the report is. The findings stay out of the error's message: Step
 * Functions carries it in a Cause capped at 32,768 characters, and the revision keeps 2,000.
 */
async function storeFailure(
  input: TaskInput,
  deps: Deps,
  reports: ValidationReport[],
): Promise<ValidationError> {
  const report = mergeReports(reports);
  const key = artifactKeys.validation(input.cluster, input.revision);
  const body = `${JSON.stringify(toPublicReport(report), null, 2)}\n`;
  // Both before the error reaches Record Failure: a FAILED revision names the report's hash, so
  // a reader can refuse a report planted or changed in the bucket.
  await Promise.all([
    deps.artifacts.put(key, body, 'application/json'),
    deps.revisions.update(input.cluster, input.revision, {
      validationReportSha256: sha256Hex(body),
    }),
  ]);
  const first = report.errors[0]?.message ?? 'unknown problem';
  const more = report.errors.length > 1 ? ` (and ${report.errors.length - 1} more)` : '';
  logger.info('cluster config invalid', {
    cluster_name: input.cluster,
    revision: input.revision,
    errors: report.errors.length,
    warnings: report.warnings.length,
  });

  return new ValidationError(
    `${INPUT_FILE} is invalid: ${first}${more}; every finding is in ` +
      describeValidationLocation(deps.artifacts.bucket, key),
    report.errors,
  );
}

/** Where a failed revision's report is, as the messages name it. */
function describeValidationLocation(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** One report of several, each list in file order; every report merged here holds an error. */
function mergeReports(reports: ValidationReport[]): ValidationReport {
  const inFileOrder = (a: Finding, b: Finding) => a.line - b.line || a.column - b.column;

  return {
    valid: false,
    errors: reports.flatMap((report) => report.errors).sort(inFileOrder),
    warnings: reports.flatMap((report) => report.warnings).sort(inFileOrder),
  };
}

/**
 * The report a revision's failed Validate state stored, or undefined when it stored none. Only a
 * FAILED revision is asked: any other has no findings, whatever the bucket holds. The bytes must
 * hash to the sha256 the Validate state recorded; a report of a revision from before that record
 * existed cannot be checked and is read as stored, with a warning.
 */
export async function readValidationReport(
  deps: Pick<Deps, 'artifacts'>,
  record: Pick<Revision, 'cluster' | 'revision' | 'validationReportSha256'>,
): Promise<{ report: PublicReport; location: string } | undefined> {
  const key = artifactKeys.validation(record.cluster, record.revision);
  const expected = record.validationReportSha256;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await deps.artifacts.get(key, { maxBytes: MAX_REPORT_BYTES });
  } catch (error: unknown) {
    if (!(error instanceof ValidationError)) throw error;
    throw new IntegrityError(`${error.message}; ${REPORT_REMEDY}`, { cause: error });
  }
  if (expected === undefined) {
    if (bytes === undefined) return undefined;
    logger.warn('validation report has no recorded hash', { validation_report_key: key });
  } else {
    const actual = bytes === undefined ? 'no object' : sha256Hex(bytes);
    if (bytes === undefined || actual !== expected) {
      throw new IntegrityError(
        `${key} must have the recorded sha256 ${expected} (received ${actual}); the report was ` +
          `changed outside the product: ${REPORT_REMEDY}`,
      );
    }
  }

  return {
    report: parseReport(key, bytes),
    location: describeValidationLocation(deps.artifacts.bucket, key),
  };
}

const REPORT_REMEDY = 'run kube-aws validate on the file, or submit it again';

/** The one read's bytes as the public report; anything else was not written by Validate. */
function parseReport(key: string, bytes: Uint8Array): PublicReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (error: unknown) {
    throw new IntegrityError(
      `${key} must be the JSON report Validate wrote (received no JSON); ${REPORT_REMEDY}`,
      { cause: error },
    );
  }
  const result = PublicReportSchema.safeParse(parsed);
  if (!result.success) {
    throw new IntegrityError(
      `${key} must be the JSON report Validate wrote (received another shape); ${REPORT_REMEDY}`,
    );
  }

  return result.data;
}
