import { findingFromProblem, summarise } from '../cluster-config/build-findings.ts';
import { checkAccount } from '../cluster-config/check-account.ts';
import { validateClusterYamlBytes } from '../cluster-config/validate-cluster-yaml.ts';
import { createSourceLocator } from '../cluster-config/yaml-source.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { InvariantError, NotFoundError, ValidationError } from '../lib/errors.ts';
import { canonicalJson, sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { readVerifiedObject } from '../lib/read-verified-object.ts';
import { type ClusterConfig, ClusterConfigSchema } from '../schemas/cluster-config.ts';
import type { Finding } from '../schemas/finding.ts';
import type { TaskInput, ValidationResult } from '../schemas/state-payloads.ts';
import type { Deps } from './deps.ts';

const INPUT_FILE = 'cluster.yaml';

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
  if (offline.config === undefined) throw toValidationError(offline.report.errors);
  const config = offline.config;
  const locator = createSourceLocator(new TextDecoder('utf-8').decode(bytes));
  if (config.clusterName !== cluster) {
    throw toValidationError([
      findingFromProblem(INPUT_FILE, locator, {
        severity: 'error',
        rule: 'cluster-name-mismatch',
        path: ['clusterName'],
        message:
          `clusterName must be ${cluster}, the cluster this revision belongs to ` +
          `(received "${config.clusterName}")`,
        related: [],
      }),
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
  if (!account.report.valid) throw toValidationError(account.report.errors);

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

function toValidationError(errors: Finding[]): ValidationError {
  const first = errors[0]?.message ?? 'unknown problem';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';

  return new ValidationError(`${INPUT_FILE} is invalid: ${first}${more}`, errors);
}
