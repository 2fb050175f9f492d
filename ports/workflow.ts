/** One entry of an execution's history, as the Step Functions console shows it. */
export interface ExecutionEvent {
  type: string;
  timestamp: string;
  state?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface ExecutionDescription {
  executionArn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startedAt: string;
  stoppedAt?: string;
}

/** Step Functions in AWS; aws-local-stepfunctions running the same ASL file when embedded. */
export interface Workflow {
  /** Starts `name`; a second start of the same name is a no-op returning the first ARN. */
  start(name: string, input: unknown): Promise<{ executionArn: string }>;
  describe(executionArn: string): Promise<ExecutionDescription | undefined>;
  history(executionArn: string): Promise<ExecutionEvent[]>;
}
