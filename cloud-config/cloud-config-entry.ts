import * as z from 'zod';

/** One finding of the cloud-config validator, as coreos-cloudinit reports it. */
export const CloudConfigEntrySchema = z.object({
  /** 1-based line in the validated text; 0 when the entry concerns no particular line. */
  line: z.int().min(0),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
});
export type CloudConfigEntry = z.infer<typeof CloudConfigEntrySchema>;
