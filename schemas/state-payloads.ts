import * as z from 'zod';

/**
 * What flows between Step Functions states: pointers (object keys), hashes and counts, never
 * templates or key material. The console shows every state's input and output, and a test bounds
 * each payload at 8 KiB.
 */

export const ExecutionInputSchema = z.object({
  cluster: z.string(),
  revision: z.int().min(1),
  correlationId: z.string(),
});
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

export const ValidationResultSchema = z.object({
  /** Normalised config (defaults applied) as canonical JSON in the artefacts store. */
  configKey: z.string(),
  configSha256: z.string(),
  warnings: z.int(),
});
export type ValidationResult = z.infer<typeof ValidationResultSchema>;

export const AssetsResultSchema = z.object({
  /** Asset manifest: public certificates, fingerprints, and keys of backend-sealed private keys. */
  manifestKey: z.string(),
  issued: z.array(z.string()),
  reused: z.array(z.string()),
});
export type AssetsResult = z.infer<typeof AssetsResultSchema>;

export const EncryptionResultSchema = z.object({
  /** Node bundle: per asset, the ciphertext nodes decrypt at boot. */
  nodeAssetsKey: z.string(),
  /** sha256 of the bundle's bytes; Render reads the bundle only when it still has this hash. */
  nodeAssetsSha256: z.string().optional(),
  encrypted: z.array(z.string()),
  reused: z.array(z.string()),
});
export type EncryptionResult = z.infer<typeof EncryptionResultSchema>;

export const RenderResultSchema = z.object({
  templateKey: z.string(),
  templateSha256: z.string(),
  templateBytes: z.int(),
  resourceMapKey: z.string(),
  userdataBytes: z.record(z.string(), z.int()),
});
export type RenderResult = z.infer<typeof RenderResultSchema>;

export const ApplyStateSchema = z.object({
  state: z.enum([
    'IN_PROGRESS',
    'APPLIED',
    'NOOP',
    'PLANNED',
    'ROLLED_BACK',
    'FAILED',
    'NEEDS_RECOVERY',
  ]),
  waitSeconds: z.int().min(1),
  startedAt: z.string(),
  deadline: z.string(),
  polls: z.int().min(0),
  stackStatus: z.string().optional(),
  changeSetId: z.string().optional(),
  changeCount: z.int().min(0),
});
export type ApplyState = z.infer<typeof ApplyStateSchema>;

/** Step Functions' own shape of a caught error (`ResultPath: $.error`). */
export const CaughtErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });
export type CaughtError = z.infer<typeof CaughtErrorSchema>;

/** The whole state as it accumulates through the run; each task receives it as `state`. */
export const RunStateSchema = ExecutionInputSchema.extend({
  validation: ValidationResultSchema.optional(),
  assets: AssetsResultSchema.optional(),
  encryption: EncryptionResultSchema.optional(),
  render: RenderResultSchema.optional(),
  apply: ApplyStateSchema.optional(),
  error: CaughtErrorSchema.optional(),
});
export type RunState = z.infer<typeof RunStateSchema>;

export const TaskStepSchema = z.enum([
  'validate',
  'generate-assets',
  'encrypt',
  'render',
  'start-apply',
  'check-apply',
  'record',
  'record-failure',
]);
export type TaskStep = z.infer<typeof TaskStepSchema>;

/** What every Task receives (see `Parameters` in provision.asl.json). */
export const TaskInputSchema = ExecutionInputSchema.extend({
  step: TaskStepSchema,
  state: RunStateSchema,
});
export type TaskInput = z.infer<typeof TaskInputSchema>;
