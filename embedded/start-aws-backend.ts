import { rm } from 'node:fs/promises';
import { createAwsDeps } from '../adapters/aws/create-aws-deps.ts';
import { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { PreviewDeployer } from '../adapters/embedded/preview-deployer.ts';
import { ENV } from '../lib/env-names.ts';
import { type RuntimeConfig, readRuntimeConfig } from '../lib/runtime-config.ts';
import type { Deps } from '../pipeline/deps.ts';
import { runTask } from '../pipeline/run-task.ts';
import { createStackStatusReader, type ReadStackStatus } from './read-stack-status.ts';
import { type RecoveryReport, recordRunsFailed } from './record-interrupted-runs.ts';
import { recoverAwsRuns } from './recover-aws-runs.ts';
import { startApiServer } from './start-api-server.ts';
import { openStateDir, openStateSubdirectory } from './state-dir.ts';
import { lockStateDir } from './state-dir-lock.ts';

/** The variables whose presence means "AWS is configured" for the CLI and `serve`. */
const AWS_MODE_VARIABLES = [
  ENV.artifactsBucket,
  ENV.submissionsBucket,
  ENV.revisionsTable,
  ENV.assetKeyArn,
] as const;

/**
 * The runtime config when the environment names the product's AWS resources, else undefined
 * (embedded mode). The state machine runs in this process, so its ARN may be absent: a clearly
 * local placeholder stands in, and nothing ever calls it.
 */
export function readAwsModeConfig(env: NodeJS.ProcessEnv): Readonly<RuntimeConfig> | undefined {
  if (!AWS_MODE_VARIABLES.some((name) => env[name] !== undefined)) return undefined;
  const region = env[ENV.region] ?? 'us-east-1';

  return readRuntimeConfig({
    [ENV.stateMachineArn]: `arn:aws:states:${region}:000000000000:stateMachine:kube-aws-provision-in-process`,
    ...env,
  });
}

export interface AwsBackend {
  apiUrl: string;
  /** The HTTP API's bearer token (see EmbeddedBackend.apiBearerToken). Never print it. */
  apiBearerToken: string;
  deps: Deps;
  workflow: LocalWorkflow;
  config: Readonly<RuntimeConfig>;
  /**
   * What the start recovered from a previous process that stopped mid-run, the same report the
   * embedded backend gives; empty for a read-only backend, which neither locks nor recovers.
   */
  recovery: RecoveryReport;
  waitForIdle(): Promise<void>;
  /** The HTTP API answers every submission 503 from now on; reads go on (a stop has begun). */
  refuseSubmissions(): void;
  interrupt(cause: string): Promise<Array<{ cluster: string; revision: number }>>;
  stop(): Promise<void>;
}

/**
 * The HTTP API on 127.0.0.1 over the AWS adapters (S3, DynamoDB, KMS, CloudFormation, Route 53,
 * EC2; the SDK honours AWS_ENDPOINT_URL), with the provision definition run in this process by
 * aws-local-stepfunctions: runs apply for real. Execution histories stay in the state dir.
 */
export async function startAwsBackend(options: {
  stateDir: string;
  apiPort: number;
  config: Readonly<RuntimeConfig>;
  /**
   * Keep the real KMS key and buckets but only preview the stack change (PLANNED): what
   * `render --export` needs, so an export never deploys anything by itself.
   */
  previewOnly?: boolean;
  /**
   * Only answer reads (status, history): the state in AWS is all they need, so the local state
   * dir is neither created nor locked, and runs are never started here.
   */
  readOnly?: boolean;
  /** Milliseconds the Wait state pauses (tests); the definition's back-off otherwise. */
  waitOverrideMs?: number;
  /** How recovery reads a stack's status (tests); CloudFormation otherwise. */
  readStackStatus?: ReadStackStatus;
}): Promise<AwsBackend> {
  const readOnly = options.readOnly === true;
  const created = readOnly ? undefined : await openStateDir(options.stateDir);
  const unlock = readOnly ? async () => {} : await lockStateDir(options.stateDir);
  if (!readOnly) await openStateSubdirectory(options.stateDir, 'executions');
  const aws = createAwsDeps(options.config);
  const workflow: LocalWorkflow = new LocalWorkflow({
    stateDir: options.stateDir,
    runTask: (input) => runTask(input, deps),
    ...(options.waitOverrideMs === undefined ? {} : { waitOverrideMs: options.waitOverrideMs }),
  });
  if (readOnly) workflow.deferNewStarts();
  const deps: Deps = {
    ...aws,
    workflow,
    ...(options.previewOnly === true ? { deployer: new PreviewDeployer() } : {}),
  };
  const destroyClients = () => {
    for (const part of Object.values(aws)) {
      const destroy = (part as { destroy?: () => void } | undefined)?.destroy;
      if (typeof destroy === 'function') destroy.call(part);
    }
  };
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let recovery: RecoveryReport = { failed: [], resumed: [], started: [] };
  try {
    // A reader holds no lock on the state dir, so a run it found RUNNING may be live elsewhere.
    if (!readOnly) {
      recovery = await recoverAwsRuns(
        workflow,
        deps,
        options.readStackStatus ?? createStackStatusReader(options.config),
      );
    }
    api = await startApiServer({ port: options.apiPort, deps });
  } catch (error: unknown) {
    // A queued run recovery started must not outlive the clients it uses.
    workflow.deferNewStarts();
    await workflow.abortRunning();
    destroyClients();
    await unlock();
    if (created !== undefined) await rm(created, { recursive: true, force: true });
    throw error;
  }

  return {
    apiUrl: api.url,
    apiBearerToken: api.bearerToken,
    deps,
    workflow,
    config: options.config,
    recovery,
    waitForIdle: () => workflow.waitForIdle(),
    refuseSubmissions: () => api.refuseSubmissions(),
    interrupt: async (cause) => {
      workflow.deferNewStarts();
      const reason = { Error: 'States.Aborted', Cause: cause };

      return recordRunsFailed(await workflow.abortRunning(reason), reason, deps);
    },
    stop: async () => {
      await api.stop();
      await workflow.waitForIdle();
      destroyClients();
      await unlock();
    },
  };
}

/**
 * What a command does with AWS: `apply` submits and applies (`up`, `serve`), `preview` submits
 * and previews the change (`render --export`), `read` only reads (`history`, `status`).
 */
export type AwsModeUse = 'apply' | 'preview' | 'read';

const AWS_MODE_USES: Record<AwsModeUse, string> = {
  apply: 'runs apply for real',
  preview: 'the stack change is previewed, not applied',
  read: 'reads only',
};

/** One line naming the mode and the resources, printed by every command that runs it. */
export function describeAwsMode(
  config: Readonly<RuntimeConfig>,
  env: NodeJS.ProcessEnv,
  use: AwsModeUse = 'apply',
): string {
  const endpoint = env.AWS_ENDPOINT_URL === undefined ? '' : ` via ${env.AWS_ENDPOINT_URL}`;
  const applies = AWS_MODE_USES[use];

  return `AWS mode in this process (${applies}): buckets ${config.submissionsBucket} and ${config.artifactsBucket}, table ${config.revisionsTable}, key ${config.assetKeyArn}, region ${config.region}${endpoint}`;
}
