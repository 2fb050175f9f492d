import * as z from 'zod';

export const RevisionStatusSchema = z.enum([
  'QUEUED',
  'RUNNING',
  'PLANNED',
  'APPLIED',
  'NOOP',
  'ROLLED_BACK',
  'FAILED',
  'NEEDS_RECOVERY',
]);
export type RevisionStatus = z.infer<typeof RevisionStatusSchema>;

export const TERMINAL_STATUSES: readonly RevisionStatus[] = [
  'PLANNED',
  'APPLIED',
  'NOOP',
  'ROLLED_BACK',
  'FAILED',
  'NEEDS_RECOVERY',
];

export const TransitionSchema = z.object({
  status: RevisionStatusSchema,
  at: z.string(),
  /** The workflow state that caused the transition, when there was one. */
  state: z.string().optional(),
  detail: z.string().optional(),
});
export type Transition = z.infer<typeof TransitionSchema>;

export const SubmissionSourceSchema = z.object({
  /** `export`: `kube-aws render --export`, a run that only planned, to write the template. */
  kind: z.enum(['api', 's3', 'cli', 'export']),
  bucket: z.string().optional(),
  key: z.string().optional(),
  versionId: z.string().optional(),
  idempotencyKey: z.string().optional(),
});
export type SubmissionSource = z.infer<typeof SubmissionSourceSchema>;

export const RevisionSchema = z.object({
  cluster: z.string(),
  revision: z.int().min(1),
  status: RevisionStatusSchema,
  transitions: z.array(TransitionSchema),
  source: SubmissionSourceSchema,
  submitter: z.string(),
  correlationId: z.string(),
  inputKey: z.string(),
  inputSha256: z.string(),
  executionName: z.string(),
  executionArn: z.string().optional(),
  templateKey: z.string().optional(),
  templateSha256: z.string().optional(),
  assetFingerprints: z.record(z.string(), z.string()).optional(),
  /**
   * Per asset, sha256 of its manifest entry as Generate Assets wrote it; a later run reuses an
   * entry only while it still has this hash.
   */
  assetEntrySha256: z.record(z.string(), z.string()).optional(),
  /** sha256 of the node bundle Encrypt wrote, so a later run reuses its ciphertext only intact. */
  nodeAssetsSha256: z.string().optional(),
  /**
   * sha256 of the findings report a failed Validate state stored, so the API serves that report
   * only intact. Absent on revisions that passed validation and on those from before it existed.
   */
  validationReportSha256: z.string().optional(),
  rotate: z.array(z.string()).optional(),
  /** The submitter allowed this revision to replace controllers and etcd volumes. */
  allowReplace: z.boolean().optional(),
  changeSummary: z.unknown().optional(),
  error: z.object({ name: z.string(), message: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Revision = z.infer<typeof RevisionSchema>;

export const ClusterRecordSchema = z.object({
  cluster: z.string(),
  latestRevision: z.int().min(0),
  lastApplied: z.int().min(1).optional(),
  lock: z.object({ revision: z.int(), expiresAt: z.string() }).optional(),
});
export type ClusterRecord = z.infer<typeof ClusterRecordSchema>;
