import * as z from 'zod';
import { InvariantError } from '../lib/errors.ts';
import { canonicalJson } from '../lib/hash.ts';
import { logger } from '../lib/logger.ts';
import { readVerifiedText } from '../lib/read-verified-object.ts';
import { readJsonObject } from '../pki/asset-manifest.ts';
import type { ApplyProgress, ApplyRequest, ChangeSummaryEntry } from '../ports/stack-deployer.ts';
import { ClusterConfigSchema } from '../schemas/cluster-config.ts';
import type { ApplyState, TaskInput } from '../schemas/state-payloads.ts';
import { renderStackPolicy } from '../stack/template/render-stack-policy.ts';
import type { Deps } from './deps.ts';

/** The Wait state's back-off between polls, capped at the last value. */
const WAIT_SECONDS = [5, 10, 20, 30] as const;
/** Longer than any cluster stack should take; past it the run fails instead of waiting on. */
const APPLY_DEADLINE_MS = 60 * 60 * 1000;

const ResourceMapSchema = z.record(z.string(), z.array(z.string()));

/** What the revision keeps of the apply: the change list and, when it ended badly, why. */
export interface ChangeSummary {
  mode: 'cloudformation' | 'preview';
  changeSetId?: string;
  stackStatus?: string;
  changes: ChangeSummaryEntry[];
  preview?: string;
  /** A preview's changes since the last planned revision (see ApplyRequest.lastPlan). */
  sinceLastPlan?: ApplyProgress['sinceLastPlan'];
  cause?: string;
  remedy?: string;
}

/**
 * Start Apply: builds the apply request (template by URL, tags, termination protection, a token
 * per cluster and revision), starts the deployer, and records the summarised change on the
 * revision with the cluster.yaml keys behind each changed resource.
 */
export async function startApplyStep(input: TaskInput, deps: Deps): Promise<ApplyState> {
  const request = await buildApplyRequest(input, deps);
  const progress = await deps.deployer.start(request);
  const startedAt = deps.now();
  const changes = await attachConfigKeys(progress.changes, input, deps);
  await recordSummary(input, { ...progress, changes }, deps);

  return toApplyState(progress, changes.length, {
    startedAt: startedAt.toISOString(),
    deadline: new Date(startedAt.getTime() + APPLY_DEADLINE_MS).toISOString(),
    polls: 0,
  });
}

/** Check Apply: polls the deployer once; past the deadline the apply is FAILED. */
export async function checkApplyStep(input: TaskInput, deps: Deps): Promise<ApplyState> {
  const previous = input.state.apply;
  if (previous === undefined) {
    throw new InvariantError('state.apply must be set before check-apply (received none)');
  }
  const summary = await readSummary(input, deps);
  const timing = {
    startedAt: previous.startedAt,
    deadline: previous.deadline,
    polls: previous.polls + 1,
  };
  if (deps.now().toISOString() > previous.deadline) {
    const status = previous.stackStatus ?? 'in progress';
    const minutes = APPLY_DEADLINE_MS / 60_000;
    const cause = `apply deadline exceeded: stack ${input.cluster} still ${status} after ${minutes} minutes`;
    await recordSummary(input, { ...summary, state: 'FAILED', cause }, deps);
    return { ...previous, ...timing, state: 'FAILED' };
  }

  const request = await buildApplyRequest(input, deps);
  const progress = await deps.deployer.poll(request, {
    state: previous.state,
    changes: summary.changes,
    ...(previous.stackStatus === undefined ? {} : { stackStatus: previous.stackStatus }),
    ...(previous.changeSetId === undefined ? {} : { changeSetId: previous.changeSetId }),
  });
  // A poll restarts the apply when the stack was busy at start: a new change set, new changes.
  const restarted = progress.changeSetId !== previous.changeSetId;
  // Otherwise the stored summary stays the record of this change set's changes.
  const changes = restarted
    ? await attachConfigKeys(progress.changes, input, deps)
    : summary.changes;
  if (progress.state !== 'IN_PROGRESS' || restarted) {
    await recordSummary(input, { ...progress, changes }, deps);
  }

  return toApplyState(progress, changes.length, timing);
}

async function buildApplyRequest(input: TaskInput, deps: Deps): Promise<ApplyRequest> {
  const { cluster, revision } = input;
  const render = input.state.render;
  const configKey = input.state.validation?.configKey;
  if (render === undefined || configKey === undefined) {
    throw new InvariantError(
      'state.render and state.validation must be set before apply ' +
        `(received ${render === undefined ? 'no render' : 'no validation'})`,
    );
  }
  // Independent reads, made together.
  const [config, templateBody, record, previousTemplateBody] = await Promise.all([
    readJsonObject(deps.artifacts, configKey, ClusterConfigSchema),
    readVerifiedText(deps.artifacts, render.templateKey, render.templateSha256),
    deps.revisions.get(cluster, revision),
    readLastAppliedTemplate(cluster, deps),
  ]);
  // Only a preview of a cluster never applied compares with a plan: against a real stack, the
  // last applied template is the whole truth.
  const lastPlan =
    deps.deployer.mode === 'preview' && previousTemplateBody === undefined
      ? await readLastPlan(cluster, revision, deps)
      : undefined;
  // Stateful members (controllers, etcd volumes) are replaced only when the submitter said so.
  const stackPolicy = renderStackPolicy(
    JSON.parse(templateBody) as object,
    record?.allowReplace === true,
  );

  return {
    stackName: cluster,
    templateUrl: deps.artifacts.urlFor(render.templateKey),
    templateBody,
    previousTemplateBody,
    ...(lastPlan === undefined ? {} : { lastPlan }),
    stackPolicyBody: canonicalJson(stackPolicy),
    tags: { ...config.stackTags, KubernetesCluster: cluster },
    terminationProtection: config.terminationProtection,
    clientToken: `${cluster}-${revision}-apply`,
  };
}

/** The template of the cluster's `lastApplied` revision; undefined before the first apply. */
async function readLastAppliedTemplate(cluster: string, deps: Deps): Promise<string | undefined> {
  const lastApplied = (await deps.revisions.getCluster(cluster))?.lastApplied;
  if (lastApplied === undefined) return undefined;
  const record = await deps.revisions.get(cluster, lastApplied);
  if (record?.templateKey === undefined || record.templateSha256 === undefined) return undefined;

  return readVerifiedText(deps.artifacts, record.templateKey, record.templateSha256);
}

/** Revisions looked through for the last plan; an older plan says little about this edit. */
const LAST_PLAN_SEARCH = 25;

/** The newest revision before `revision` that was planned, with its template as recorded. */
async function readLastPlan(
  cluster: string,
  revision: number,
  deps: Deps,
): Promise<ApplyRequest['lastPlan']> {
  const { revisions } = await deps.revisions.listPage(cluster, {
    limit: LAST_PLAN_SEARCH,
    before: revision,
  });
  const planned = revisions.find(
    (candidate) =>
      (candidate.status === 'PLANNED' || candidate.status === 'NOOP') &&
      candidate.templateKey !== undefined &&
      candidate.templateSha256 !== undefined,
  );
  if (planned?.templateKey === undefined || planned.templateSha256 === undefined) return undefined;

  return {
    revision: planned.revision,
    templateBody: await readVerifiedText(
      deps.artifacts,
      planned.templateKey,
      planned.templateSha256,
    ),
  };
}

async function attachConfigKeys(
  changes: ChangeSummaryEntry[],
  input: TaskInput,
  deps: Deps,
): Promise<ChangeSummaryEntry[]> {
  const mapKey = input.state.render?.resourceMapKey;
  if (changes.length === 0 || mapKey === undefined) return changes;
  const resourceMap = await readJsonObject(deps.artifacts, mapKey, ResourceMapSchema);

  return changes.map((change) => ({ ...change, configKeys: resourceMap[change.logicalId] ?? [] }));
}

async function readSummary(input: TaskInput, deps: Deps): Promise<ChangeSummary> {
  const revision = await deps.revisions.get(input.cluster, input.revision);
  const stored = revision?.changeSummary as ChangeSummary | undefined;

  return stored ?? { mode: deps.deployer.mode, changes: [] };
}

async function recordSummary(
  input: TaskInput,
  progress: ApplyProgress | (ChangeSummary & { state: string }),
  deps: Deps,
): Promise<void> {
  const summary: ChangeSummary = {
    mode: deps.deployer.mode,
    changes: progress.changes,
    ...pickDefined(progress, [
      'changeSetId',
      'stackStatus',
      'preview',
      'sinceLastPlan',
      'cause',
      'remedy',
    ]),
  };
  await deps.revisions.update(input.cluster, input.revision, { changeSummary: summary });
  if (progress.state !== 'IN_PROGRESS') {
    logger.info('stack apply finished', {
      cluster_name: input.cluster,
      revision: input.revision,
      outcome: progress.state,
      stack_status: summary.stackStatus,
      change_count: summary.changes.length,
      correlation_id: input.correlationId,
    });
  }
}

function pickDefined<T extends object, K extends keyof T>(source: T, keys: K[]): Partial<T> {
  const picked: Partial<T> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];

  return picked;
}

function toApplyState(
  progress: ApplyProgress,
  changeCount: number,
  timing: { startedAt: string; deadline: string; polls: number },
): ApplyState {
  return {
    state: progress.state,
    waitSeconds: WAIT_SECONDS[Math.min(timing.polls, WAIT_SECONDS.length - 1)] ?? 30,
    ...timing,
    changeCount,
    ...(progress.stackStatus === undefined ? {} : { stackStatus: progress.stackStatus }),
    ...(progress.changeSetId === undefined ? {} : { changeSetId: progress.changeSetId }),
  };
}
