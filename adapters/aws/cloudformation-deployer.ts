import type {
  Capability,
  Change,
  CloudFormationClientConfig,
  CreateChangeSetCommandOutput,
  DescribeChangeSetCommandOutput,
  DescribeStacksCommandOutput,
  Stack,
} from '@aws-sdk/client-cloudformation';
import { sha256Hex } from '../../lib/hash.ts';
import { logger } from '../../lib/logger.ts';
import type {
  ApplyProgress,
  ApplyRequest,
  ChangeSummaryEntry,
  StackDeployer,
} from '../../ports/stack-deployer.ts';
import { decidePreflight, mapExecutedStackStatus } from '../../revisions/stack-status-outcome.ts';
import { isRetryableSdkError, rethrowSdkError } from './classify-sdk-error.ts';
import {
  type BuildCloudFormationCommand,
  describeRecovery,
  findFailureCause,
} from './cloudformation-diagnosis.ts';
import { LazyClient, loadOnce } from './load-once.ts';
import { waitForChangeSet } from './wait-for-change-set.ts';

const loadCloudFormationSdk = loadOnce(() => import('@aws-sdk/client-cloudformation'));

/** CloudFormation's way of saying a change set would change nothing. */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;

const CAPABILITIES: Capability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

/** Change sets that have run (or are running); executing them again is never right. */
const EXECUTED = new Set(['EXECUTE_IN_PROGRESS', 'EXECUTE_COMPLETE', 'EXECUTE_FAILED']);

export interface CloudFormationDeployerOptions {
  region?: string;
  endpoint?: string;
  credentials?: CloudFormationClientConfig['credentials'];
  /** Replaces the SDK client; tests pass a fake that replays recorded responses. */
  send?: (command: object) => Promise<unknown>;
  /**
   * How long change set creation may take before the step gives up and is retried (the retry
   * finds the same change set by name). Below Check Apply's 120 s task timeout, because a poll
   * restarts the apply when the stack was busy at Start Apply.
   */
  changeSetDeadlineMs?: number;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Service role CloudFormation assumes to create the cluster's resources; the backend's own
   * role may only pass this one, so stack access and resource permissions stay separate grants.
   */
  roleArn?: string;
}

/**
 * Applies a template through a change set: preflight on the stack status, CreateChangeSet with
 * a client token, describe and summarise, execute with a request token, then poll the stack.
 * Every call is safe to repeat: the change set name derives from the request's token, and a
 * change set that already ran is followed rather than executed again.
 */
export class CloudFormationDeployer implements StackDeployer {
  readonly mode = 'cloudformation' as const;
  private readonly send: (command: object) => Promise<unknown>;
  private readonly changeSetDeadlineMs: number;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly roleArn: string | undefined;

  constructor(options: CloudFormationDeployerOptions = {}) {
    if (options.send === undefined) {
      const client = new LazyClient(
        loadCloudFormationSdk,
        (sdk) =>
          new sdk.CloudFormationClient({
            region: options.region,
            endpoint: options.endpoint,
            credentials: options.credentials,
          }),
      );
      this.send = async (command) => (await client.get()).client.send(command as never);
    } else {
      this.send = options.send;
    }
    this.changeSetDeadlineMs = options.changeSetDeadlineMs ?? 90_000;
    this.roleArn = options.roleArn;
    this.pollIntervalMs = options.pollIntervalMs ?? 3_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async start(request: ApplyRequest): Promise<ApplyProgress> {
    const changeSetName = deriveChangeSetName(request.clientToken);
    const stack = await this.describeStack(request.stackName);
    const existing =
      stack === undefined ? undefined : await this.findChangeSet(request, changeSetName);
    if (existing?.ExecutionStatus !== undefined && EXECUTED.has(existing.ExecutionStatus)) {
      // A repeated start after our change set already ran: follow it instead of starting again.
      return this.poll(request, {
        state: 'IN_PROGRESS',
        changeSetId: existing.ChangeSetId,
        changes: summariseChanges(existing.Changes ?? []),
      });
    }

    const decision = decidePreflight(stack?.StackStatus);
    switch (decision.kind) {
      case 'wait':
        return { state: 'IN_PROGRESS', stackStatus: stack?.StackStatus, changes: [] };
      case 'needs-recovery':
        return this.reportRecovery(request.stackName, stack?.StackStatus ?? 'UNKNOWN');
      case 'delete-then-create':
        await this.call(
          'DeleteStack',
          (sdk) =>
            new sdk.DeleteStackCommand({
              StackName: request.stackName,
              ClientRequestToken: `${request.clientToken}-delete`,
            }),
        );
        logger.warn('failed stack deleted before create', {
          stack_name: request.stackName,
          stack_status: stack?.StackStatus,
        });
        // No changeSetId: the next poll starts over and creates once the delete has finished.
        return { state: 'IN_PROGRESS', stackStatus: 'DELETE_IN_PROGRESS', changes: [] };
      default:
        return this.createAndExecute(request, changeSetName, decision.kind, stack);
    }
  }

  async poll(request: ApplyRequest, progress: ApplyProgress): Promise<ApplyProgress> {
    if (progress.changeSetId === undefined) return this.start(request);

    const stack = await this.describeStack(request.stackName);
    if (stack?.StackStatus === undefined) {
      return {
        ...progress,
        state: 'FAILED',
        cause: `stack ${request.stackName} no longer exists`,
      };
    }
    const outcome = mapExecutedStackStatus(stack.StackStatus);
    const current = { ...progress, state: outcome, stackStatus: stack.StackStatus };
    if (outcome === 'IN_PROGRESS') return current;
    if (outcome === 'APPLIED') {
      await this.syncTerminationProtection(request, stack);
      return current;
    }
    if (outcome === 'NEEDS_RECOVERY') {
      return {
        ...current,
        ...(await describeRecovery(this.call, request.stackName, stack.StackStatus)),
      };
    }
    const cause =
      (await findFailureCause(this.call, request.stackName, request.clientToken)) ??
      stack.StackStatusReason ??
      `stack ${request.stackName} ended in ${stack.StackStatus}`;

    return { ...current, cause };
  }

  private async createAndExecute(
    request: ApplyRequest,
    changeSetName: string,
    type: 'create' | 'update',
    stack: Stack | undefined,
  ): Promise<ApplyProgress> {
    const created = await this.call<CreateChangeSetCommandOutput>(
      'CreateChangeSet',
      (sdk) =>
        new sdk.CreateChangeSetCommand({
          StackName: request.stackName,
          ChangeSetName: changeSetName,
          ChangeSetType: type === 'create' ? 'CREATE' : 'UPDATE',
          TemplateURL: request.templateUrl,
          Capabilities: CAPABILITIES,
          ...(this.roleArn === undefined ? {} : { RoleARN: this.roleArn }),
          Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })),
          ClientToken: request.clientToken,
          Description: `kube-aws-serverless ${request.clientToken}`,
        }),
    );
    const changeSetId = created.Id ?? changeSetName;
    const described = await waitForChangeSet(this.call, {
      stackName: request.stackName,
      changeSetId,
      deadlineMs: this.changeSetDeadlineMs,
      intervalMs: this.pollIntervalMs,
      sleep: this.sleep,
    });

    if (described.Status === 'FAILED') {
      const reason = described.StatusReason ?? 'no reason given';
      if (!NO_CHANGES.test(reason)) {
        return { state: 'FAILED', changeSetId, changes: [], cause: `change set failed: ${reason}` };
      }
      await this.call(
        'DeleteChangeSet',
        (sdk) =>
          new sdk.DeleteChangeSetCommand({
            StackName: request.stackName,
            ChangeSetName: changeSetId,
          }),
      );

      // Termination protection lives outside the template, so a no-op may still change it.
      await this.syncTerminationProtection(request, stack);

      return { state: 'NOOP', changeSetId, stackStatus: stack?.StackStatus, changes: [] };
    }

    const changes = summariseChanges(described.Changes ?? []);
    if (request.stackPolicyBody !== undefined) {
      await this.call(
        'SetStackPolicy',
        (sdk) =>
          new sdk.SetStackPolicyCommand({
            StackName: request.stackName,
            StackPolicyBody: request.stackPolicyBody,
          }),
      );
    }
    const executed = await this.execute(request, changeSetId);
    if (executed !== undefined) return { state: 'FAILED', changeSetId, changes, cause: executed };

    return { state: 'IN_PROGRESS', changeSetId, stackStatus: stack?.StackStatus, changes };
  }

  /**
   * Returns the failure message when execution was refused. moto executes synchronously and
   * raises a failing resource's error here; CloudFormation reports such failures through the
   * stack status instead, which `poll` reads.
   */
  private async execute(request: ApplyRequest, changeSetId: string): Promise<string | undefined> {
    const sdk = await loadCloudFormationSdk();
    try {
      await this.send(
        new sdk.ExecuteChangeSetCommand({
          StackName: request.stackName,
          ChangeSetName: changeSetId,
          ClientRequestToken: request.clientToken,
        }),
      );

      return undefined;
    } catch (error: unknown) {
      if (isRetryableSdkError(error) || !(error instanceof Error)) {
        return rethrowSdkError(error, 'CloudFormation', 'ExecuteChangeSet');
      }
      return `change set execution failed: ${error.message}`;
    }
  }

  /**
   * Sets termination protection to the cluster's setting once the stack is in a stable state;
   * done after the apply rather than before it so that a retried start, which follows the
   * already executed change set, still reaches this point.
   */
  private async syncTerminationProtection(
    request: ApplyRequest,
    stack: Stack | undefined,
  ): Promise<void> {
    if ((stack?.EnableTerminationProtection ?? false) === request.terminationProtection) return;
    await this.call(
      'UpdateTerminationProtection',
      (sdk) =>
        new sdk.UpdateTerminationProtectionCommand({
          StackName: request.stackName,
          EnableTerminationProtection: request.terminationProtection,
        }),
    );
  }

  private async reportRecovery(stackName: string, status: string): Promise<ApplyProgress> {
    const recovery = await describeRecovery(this.call, stackName, status);

    return { state: 'NEEDS_RECOVERY', stackStatus: status, changes: [], ...recovery };
  }

  private async describeStack(stackName: string): Promise<Stack | undefined> {
    try {
      const output = await this.call<DescribeStacksCommandOutput>(
        'DescribeStacks',
        (sdk) => new sdk.DescribeStacksCommand({ StackName: stackName }),
      );

      return output.Stacks?.[0];
    } catch (error: unknown) {
      if (isMissingStack(error)) return undefined;
      throw error;
    }
  }

  private async findChangeSet(
    request: ApplyRequest,
    changeSetName: string,
  ): Promise<DescribeChangeSetCommandOutput | undefined> {
    try {
      return await this.call<DescribeChangeSetCommandOutput>(
        'DescribeChangeSet',
        (sdk) =>
          new sdk.DescribeChangeSetCommand({
            StackName: request.stackName,
            ChangeSetName: changeSetName,
          }),
      );
    } catch (error: unknown) {
      if ((error as { name?: unknown }).name === 'ChangeSetNotFoundException') return undefined;
      if (isMissingStack(error)) return undefined;
      throw error;
    }
  }

  /** Sends one command; throttling, 5xx and network faults become DependencyError. */
  private readonly call = async <O>(
    operation: string,
    build: BuildCloudFormationCommand,
  ): Promise<O> => {
    const command = build(await loadCloudFormationSdk());
    try {
      return (await this.send(command)) as O;
    } catch (error: unknown) {
      return rethrowSdkError(error, 'CloudFormation', operation);
    }
  };
}

/**
 * Change set names allow `[a-zA-Z][-a-zA-Z0-9]*` up to 128 characters; the token of a stack step
 * (`<cluster>-<revision>-apply`) already fits, anything else is hashed into shape.
 */
export function deriveChangeSetName(clientToken: string): string {
  const name = `kube-aws-${clientToken}`;
  if (/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name)) return name;

  return `kube-aws-${sha256Hex(clientToken).slice(0, 40)}`;
}

export function summariseChanges(changes: Change[]): ChangeSummaryEntry[] {
  return changes.flatMap((change) => {
    const resource = change.ResourceChange;
    if (resource === undefined) return [];

    return [
      {
        action: (resource.Action ?? 'Dynamic') as ChangeSummaryEntry['action'],
        logicalId: resource.LogicalResourceId ?? '',
        resourceType: resource.ResourceType ?? '',
        replacement: (resource.Replacement ?? 'N/A') as ChangeSummaryEntry['replacement'],
        configKeys: [],
      },
    ];
  });
}

function isMissingStack(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };

  return (
    name === 'ValidationError' && typeof message === 'string' && /does not exist/.test(message)
  );
}
