/** Outcome of one apply, as recorded on the revision. */
export type ApplyOutcome =
  | 'APPLIED'
  | 'NOOP'
  | 'PLANNED'
  | 'ROLLED_BACK'
  | 'FAILED'
  | 'NEEDS_RECOVERY';

export interface ChangeSummaryEntry {
  action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  logicalId: string;
  resourceType: string;
  replacement: 'True' | 'False' | 'Conditional' | 'N/A';
  /** The cluster.yaml keys behind this resource, from the render's resource-to-keys map. */
  configKeys: string[];
}

export interface ApplyRequest {
  stackName: string;
  /** Where CloudFormation reads the template; always a URL, never an inline body. */
  templateUrl: string;
  /** The same template's bytes, for deployers that compute the change locally. */
  templateBody: string;
  /** The last applied template's bytes, or undefined for a first apply. */
  previousTemplateBody: string | undefined;
  /**
   * For a preview of a cluster never applied: the newest earlier planned revision and its
   * template, so a local edit shows what it changes since then, not only the whole stack.
   */
  lastPlan?: { revision: number; templateBody: string };
  stackPolicyBody: string | undefined;
  tags: Record<string, string>;
  terminationProtection: boolean;
  /** Unique per cluster, revision and step; makes a repeated call a no-op in CloudFormation. */
  clientToken: string;
}

export interface ApplyProgress {
  /** IN_PROGRESS means call `poll` again after a wait. */
  state: 'IN_PROGRESS' | ApplyOutcome;
  stackStatus?: string;
  changeSetId?: string;
  changes: ChangeSummaryEntry[];
  /** Human-readable summary of the change (the embedded deployer's preview text). */
  preview?: string;
  /** A preview's changes since the request's `lastPlan`, beside those since the last apply. */
  sinceLastPlan?: { revision: number; changes: ChangeSummaryEntry[] };
  /** The first real cause of a failure, from the stack events of this request. */
  cause?: string;
  /** What an operator must do for NEEDS_RECOVERY. */
  remedy?: string;
}

/** CloudFormation in AWS; preview-only when embedded (records PLANNED, deploys nothing). */
export interface StackDeployer {
  readonly mode: 'cloudformation' | 'preview';
  start(request: ApplyRequest): Promise<ApplyProgress>;
  poll(request: ApplyRequest, progress: ApplyProgress): Promise<ApplyProgress>;
}
