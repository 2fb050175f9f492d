import { randomUUID } from 'node:crypto';
import { START_OF_FILE } from '../cluster-config/build-findings.ts';
import { locateTopLevelKey } from '../cluster-config/locate-top-level-key.ts';
import {
  type ClusterYamlResult,
  validateClusterYamlBytes,
} from '../cluster-config/validate-cluster-yaml.ts';
import { artifactKeys } from '../lib/artifact-keys.ts';
import { acceptCorrelationId } from '../lib/correlation-id.ts';
import { ConflictError, DependencyError, ValidationError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { checkRotationNames } from '../pki/plan-asset-changes.ts';
import { listQueued, startExecution, startNextQueued } from '../revisions/start-next-queued.ts';
import {
  deriveIdempotencyClaim,
  describeOptionChange,
  type IdempotencyClaim,
  readUnversionedUpload,
  type SubmissionOptions,
} from '../revisions/submission-idempotency.ts';
import type { ClusterConfig } from '../schemas/cluster-config.ts';
import type { Finding } from '../schemas/finding.ts';
import type { Revision, SubmissionSource } from '../schemas/revision.ts';
import type { Deps } from './deps.ts';

export { startNextQueued } from '../revisions/start-next-queued.ts';

export interface SubmitRequest {
  /** The document as received; bytes are checked for valid UTF-8. */
  body?: string | Uint8Array;
  /** The document as text (what the HTTP edge decoded); used when `body` is absent. */
  text?: string;
  /** The file name findings carry; `cluster.yaml` by default. */
  file?: string;
  /** When the upload path names the cluster (S3), the document's clusterName must agree. */
  expectedCluster?: string;
  source: SubmissionSource;
  submitter: string;
  /** An API caller's Idempotency-Key; `source.idempotencyKey` is read when this is absent. */
  idempotencyKey?: string;
  /** Asset names whose rotation the submitter asks for. */
  rotate?: string[];
  /** Lets this revision replace controllers and etcd volumes despite the stack policy. */
  allowReplace?: boolean;
  /** Kept when it is a short token (see {@link acceptCorrelationId}); otherwise a new one is made. */
  correlationId?: string;
}

export interface SubmitResult {
  outcome: 'started' | 'queued' | 'duplicate';
  cluster: string;
  revision: number;
  executionArn?: string;
  /** 1 = runs next; present while the revision waits for the cluster lock. */
  queuePosition?: number;
  warnings: Finding[];
}

/** Waits for a concurrent duplicate to finish allocating: 50 × 200 ms. */
const PENDING_CLAIM_POLLS = 50;
const PENDING_CLAIM_INTERVAL_MS = 200;
/** The transition detail of a revision refused in reject mode; a repeat gets the same 409. */
const REJECTED_DETAIL = 'rejected: cluster busy';

/**
 * Accepts a cluster.yaml: offline validation (findings with line and column), de-duplication of
 * repeated deliveries, the input stored by content hash, a revision allocated as QUEUED, then the
 * oldest queued revision of the cluster started if the cluster's lock is free. The order leaves
 * nothing half-written: an allocated revision always points at a stored input.
 */
export async function submitClusterYaml(request: SubmitRequest, deps: Deps): Promise<SubmitResult> {
  const file = request.file ?? 'cluster.yaml';
  const bytes = readBody(request);
  const { config, warnings } = requireValid(validateClusterYamlBytes(bytes, file), file);
  const cluster = config.clusterName;
  checkClusterName(cluster, request.expectedCluster, file, bytes);
  // An unknown asset name is the submitter's mistake: answer it now, not in Generate Assets.
  checkRotationNames(request.rotate ?? []);

  const inputSha256 = sha256Hex(bytes);
  const idempotencyKey = request.idempotencyKey ?? request.source.idempotencyKey;
  const unversioned = await readUnversionedUpload(
    request.source,
    cluster,
    inputSha256,
    deps.revisions,
  );
  const claim = deriveIdempotencyClaim({
    source: request.source,
    idempotencyKey,
    submitter: request.submitter,
    cluster,
    inputSha256,
    ...(unversioned === undefined ? {} : { unversioned }),
  });
  const options: SubmissionOptions = {
    ...(request.rotate === undefined ? {} : { rotate: request.rotate }),
    ...(request.allowReplace === true ? { allowReplace: true } : {}),
  };
  const context = { cluster, inputSha256, options, warnings, deps };
  if (claim !== undefined && unversioned?.repeatOf !== undefined) {
    return answerDuplicate(claim, unversioned.repeatOf, context);
  }
  if (claim !== undefined) {
    const earlier = await deps.revisions.lookupIdempotencyKey(claim.scope, claim.key);
    if (earlier !== undefined && earlier > 0) return answerDuplicate(claim, earlier, context);
  }
  if (deps.queueMode === 'reject') await refuseWhenBusy(cluster, deps);
  if (claim !== undefined && deps.revisions.settleIdempotencyKey !== undefined) {
    const taken = await deps.revisions.claimIdempotencyKey(claim.scope, claim.key, 0);
    if (taken !== undefined) {
      return answerDuplicate(claim, await waitForSettledClaim(claim, taken, deps), context);
    }
  }

  const inputKey = artifactKeys.submittedInput(cluster, inputSha256);
  await deps.artifacts.put(inputKey, bytes, 'application/yaml');
  const correlationId = acceptCorrelationId(request.correlationId) ?? randomUUID();
  const allocated = await deps.revisions.allocate({
    cluster,
    source: {
      ...request.source,
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    },
    submitter: request.submitter,
    correlationId,
    inputKey,
    inputSha256,
    ...options,
  });
  if (claim !== undefined) {
    const duplicateOf = await recordClaim(claim, allocated, deps);
    if (duplicateOf !== undefined) return answerDuplicate(claim, duplicateOf, context);
  }
  logger.info('revision allocated', {
    cluster_name: cluster,
    revision: allocated.revision,
    correlation_id: correlationId,
    source: request.source.kind,
  });

  await startNextQueued(cluster, deps);

  return describeOutcome(allocated.revision, context, 'new');
}

type SubmitContext = {
  cluster: string;
  inputSha256: string;
  options: SubmissionOptions;
  warnings: Finding[];
  deps: Deps;
};

function readBody(request: SubmitRequest): Uint8Array {
  if (request.body instanceof Uint8Array) return request.body;
  const text = request.body ?? request.text;
  if (text === undefined) throw new ValidationError('body is required (received nothing)');

  return Buffer.from(text, 'utf8');
}

function requireValid(
  result: ClusterYamlResult,
  file: string,
): { config: ClusterConfig; warnings: Finding[] } {
  const { report, config } = result;
  const first = report.errors[0];
  if (first !== undefined || config === undefined) {
    const count = report.errors.length;
    const more = count > 1 ? ` (and ${count - 1} more)` : '';
    throw new ValidationError(`${first?.message ?? `${file} is invalid`}${more}`, [
      ...report.errors,
      ...report.warnings,
    ]);
  }

  return { config, warnings: report.warnings };
}

/** An S3 upload's folder names its cluster; the file must agree (clusterName's own length and
 * form are validation rules, checked before this). */
function checkClusterName(
  cluster: string,
  expected: string | undefined,
  file: string,
  bytes: Uint8Array,
): void {
  if (expected === undefined || cluster === expected) return;

  const message =
    `clusterName must equal the upload folder clusters/${expected}/ (received ${cluster}); ` +
    'move the file or change clusterName';
  const { line, column } = locateTopLevelKey(bytes, 'clusterName') ?? START_OF_FILE;
  const finding: Finding = {
    severity: 'error',
    file,
    line,
    column,
    path: 'clusterName',
    rule: 'cluster-name-mismatch',
    message,
  };
  throw new ValidationError(message, [finding]);
}

async function refuseWhenBusy(cluster: string, deps: Deps): Promise<void> {
  const lock = (await deps.revisions.getCluster(cluster))?.lock;
  if (lock !== undefined && lock.expiresAt >= deps.now().toISOString()) {
    throw busyError(cluster, lock.revision);
  }
}

function busyError(cluster: string, holder: number | undefined): ConflictError {
  const by = holder === undefined ? 'another run' : `revision ${holder}`;

  return new ConflictError(
    `cluster ${cluster} is busy with ${by} and queueing is off; submit again when it finishes`,
  );
}

/** A concurrent duplicate holds a pending claim (0): wait, bounded, until it names its revision. */
async function waitForSettledClaim(
  claim: IdempotencyClaim,
  taken: number,
  deps: Deps,
): Promise<number> {
  let current: number | undefined = taken;
  for (let poll = 0; poll < PENDING_CLAIM_POLLS && (current ?? 0) === 0; poll++) {
    await new Promise((resolve) => setTimeout(resolve, PENDING_CLAIM_INTERVAL_MS));
    current = await deps.revisions.lookupIdempotencyKey(claim.scope, claim.key);
  }
  if (current === undefined || current === 0) {
    throw new DependencyError(
      `submission ${claim.key} is still being allocated by a concurrent delivery (received pending claim); retry later`,
    );
  }

  return current;
}

/**
 * Settles our pending claim, or (for a store without pending claims) claims now and reports the
 * earlier revision when a concurrent duplicate won; our own revision then records why it stops.
 */
async function recordClaim(
  claim: IdempotencyClaim,
  allocated: Revision,
  deps: Deps,
): Promise<number | undefined> {
  if (deps.revisions.settleIdempotencyKey !== undefined) {
    await deps.revisions.settleIdempotencyKey(claim.scope, claim.key, allocated.revision);
    return undefined;
  }
  const earlier = await deps.revisions.claimIdempotencyKey(
    claim.scope,
    claim.key,
    allocated.revision,
  );
  if (earlier === undefined) return undefined;
  await deps.revisions.transition(allocated.cluster, allocated.revision, 'FAILED', {
    detail: `duplicate delivery of revision ${earlier}`,
  });

  return earlier;
}

async function answerDuplicate(
  claim: IdempotencyClaim,
  revision: number,
  context: SubmitContext,
): Promise<SubmitResult> {
  const earlier = await context.deps.revisions.get(context.cluster, revision);
  if (earlier === undefined) {
    throw new ConflictError(
      `idempotency key ${claim.key} belongs to another cluster (received ${context.cluster}); use a new key`,
    );
  }
  if (claim.requiresSameInput && earlier.inputSha256 !== context.inputSha256) {
    throw new ConflictError(
      `Idempotency-Key was already used for revision ${revision} with a different document ` +
        `(received sha256 ${context.inputSha256}); use a new key`,
    );
  }
  const optionChange = claim.requiresSameInput
    ? describeOptionChange(earlier, context.options)
    : undefined;
  if (optionChange !== undefined) {
    throw new ConflictError(
      `Idempotency-Key was already used for revision ${revision} with other options ` +
        `(${optionChange}); use a new key`,
    );
  }
  if (earlier.status === 'FAILED' && earlier.transitions.at(-1)?.detail === REJECTED_DETAIL) {
    throw new ConflictError(earlier.error?.message ?? REJECTED_DETAIL);
  }
  // Finish what a crashed first delivery left undone; both calls are safe to repeat.
  if (earlier.status === 'RUNNING' && earlier.executionArn === undefined) {
    await startExecution(earlier, context.deps);
  } else if (earlier.status === 'QUEUED') {
    await startNextQueued(context.cluster, context.deps);
  }

  return describeOutcome(revision, context, 'duplicate');
}

async function describeOutcome(
  revision: number,
  context: SubmitContext,
  kind: 'new' | 'duplicate',
): Promise<SubmitResult> {
  const { cluster, deps, warnings } = context;
  const current = await deps.revisions.get(cluster, revision);
  const base = { cluster, revision, warnings };
  if (current?.status === 'QUEUED') {
    if (kind === 'new' && deps.queueMode === 'reject') return rejectQueued(current, context);
    const queued = await listQueued(cluster, deps);
    const position = queued.findIndex((entry) => entry.revision === revision) + 1;
    return {
      ...base,
      outcome: kind === 'new' ? 'queued' : 'duplicate',
      ...(position > 0 ? { queuePosition: position } : {}),
    };
  }

  return {
    ...base,
    outcome: kind === 'new' ? 'started' : 'duplicate',
    ...(current?.executionArn === undefined ? {} : { executionArn: current.executionArn }),
  };
}

/**
 * Reject mode lost the race for the lock after allocating: the revision records the refusal.
 * Guarded on QUEUED, so a revision that was started meanwhile is answered as started instead.
 */
async function rejectQueued(revision: Revision, context: SubmitContext): Promise<SubmitResult> {
  const { deps } = context;
  const holder = (await deps.revisions.getCluster(revision.cluster))?.lock?.revision;
  const error = busyError(revision.cluster, holder);
  try {
    await deps.revisions.transition(
      revision.cluster,
      revision.revision,
      'FAILED',
      { detail: REJECTED_DETAIL },
      { error: { name: error.name, message: error.message } },
      { from: ['QUEUED'] },
    );
  } catch (transitionError: unknown) {
    if (!(transitionError instanceof ConflictError)) throw transitionError;
    return describeOutcome(revision.revision, context, 'new');
  }
  throw error;
}
