import type * as SfnSdk from '@aws-sdk/client-sfn';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionDescription, ExecutionEvent, Workflow } from '../../ports/workflow.ts';
import { rethrowSdkError } from './classify-sdk-error.ts';
import { LazyClient, loadOnce } from './load-once.ts';

export interface SfnWorkflowOptions {
  stateMachineArn: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const loadSfnSdk = loadOnce(() => import('@aws-sdk/client-sfn'));

/** Bounded history reads: 1,000 events a page, at most 100 pages (the run is ~30 states). */
const MAX_HISTORY_PAGES = 100;

/** Step Functions as the workflow: execution names make a repeated start a no-op. */
export class SfnWorkflow implements Workflow {
  private readonly client: LazyClient<typeof SfnSdk, SFNClient>;

  constructor(private readonly options: SfnWorkflowOptions) {
    this.client = new LazyClient(
      loadSfnSdk,
      (sdk) =>
        new sdk.SFNClient({
          region: options.region,
          endpoint: options.endpoint,
          credentials: options.credentials,
        }),
    );
  }

  destroy(): void {
    this.client.destroy();
  }

  async start(name: string, input: unknown): Promise<{ executionArn: string }> {
    const { sdk, client } = await this.client.get();
    try {
      const started = await client.send(
        new sdk.StartExecutionCommand({
          stateMachineArn: this.options.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );

      return {
        executionArn:
          started.executionArn ?? deriveExecutionArn(this.options.stateMachineArn, name),
      };
    } catch (error: unknown) {
      if (!(error instanceof sdk.ExecutionAlreadyExists))
        rethrowSdkError(error, 'sfn', 'StartExecution');
    }

    // A duplicate delivery: the first start won, and its ARN follows from the name.
    const executionArn = deriveExecutionArn(this.options.stateMachineArn, name);
    await this.describe(executionArn);

    return { executionArn };
  }

  async describe(executionArn: string): Promise<ExecutionDescription | undefined> {
    const { sdk, client } = await this.client.get();
    try {
      const found = await client.send(new sdk.DescribeExecutionCommand({ executionArn }));
      const status = (found.status ?? 'RUNNING') as ExecutionDescription['status'];

      return {
        executionArn,
        status: status === ('PENDING_REDRIVE' as string) ? 'FAILED' : status,
        startedAt: (found.startDate ?? new Date(0)).toISOString(),
        ...(found.stopDate ? { stoppedAt: found.stopDate.toISOString() } : {}),
      };
    } catch (error: unknown) {
      if (error instanceof sdk.ExecutionDoesNotExist) return undefined;
      rethrowSdkError(error, 'sfn', 'DescribeExecution');
    }
  }

  async history(executionArn: string): Promise<ExecutionEvent[]> {
    const { sdk, client } = await this.client.get();
    const raw: HistoryEvent[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      try {
        const answer = await client.send(
          new sdk.GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
        );
        raw.push(...(answer.events ?? []));
        nextToken = answer.nextToken;
      } catch (error: unknown) {
        if (error instanceof sdk.ExecutionDoesNotExist) return [];
        rethrowSdkError(error, 'sfn', 'GetExecutionHistory');
      }
      if (nextToken === undefined) break;
    }

    return mapHistory(raw);
  }
}

/** `arn:aws:states:R:A:stateMachine:M` and name N give `arn:aws:states:R:A:execution:M:N`. */
export function deriveExecutionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Maps Step Functions history to the shape the local runner records, state names included. */
export function mapHistory(events: HistoryEvent[]): ExecutionEvent[] {
  const mapped: ExecutionEvent[] = [];
  let currentState: string | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    const timestamp = (event.timestamp ?? new Date(0)).toISOString();
    if (type.endsWith('StateEntered')) {
      currentState = event.stateEnteredEventDetails?.name;
      mapped.push({
        type: 'StateEntered',
        timestamp,
        state: currentState,
        input: parseJson(event.stateEnteredEventDetails?.input),
      });
    } else if (type.endsWith('StateExited')) {
      mapped.push({
        type: 'StateExited',
        timestamp,
        state: event.stateExitedEventDetails?.name,
        output: parseJson(event.stateExitedEventDetails?.output),
      });
    } else if (type === 'ExecutionStarted') {
      mapped.push({ type, timestamp, input: parseJson(event.executionStartedEventDetails?.input) });
    } else if (type === 'ExecutionSucceeded') {
      mapped.push({
        type,
        timestamp,
        output: parseJson(event.executionSucceededEventDetails?.output),
      });
    } else if (type === 'ExecutionFailed') {
      mapped.push({
        type,
        timestamp,
        error: event.executionFailedEventDetails?.error,
        cause: event.executionFailedEventDetails?.cause,
      });
    } else if (type === 'LambdaFunctionFailed' || type === 'TaskFailed') {
      const details = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails;
      mapped.push({
        type: 'StateFailed',
        timestamp,
        state: currentState,
        error: details?.error,
        cause: details?.cause,
      });
    } else if (type === 'LambdaFunctionTimedOut' || type === 'TaskTimedOut') {
      mapped.push({ type: 'StateFailed', timestamp, state: currentState, error: 'States.Timeout' });
    } else if (type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      mapped.push({ type, timestamp });
    }
  }

  return mapped;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Step Functions truncates very large payloads; show them as the text they are.
    return text;
  }
}
