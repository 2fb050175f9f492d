import * as z from 'zod';

/** One validation finding, the unit of the CLI's text and JSON output and of the API's 400 body. */
export const FindingSchema = z.object({
  severity: z.enum(['error', 'warning']),
  file: z.string(),
  /** 1-based; 0 when the finding is about the file as a whole. */
  line: z.int().min(0),
  column: z.int().min(0),
  /** Dotted config path with indexes, e.g. `subnets[1].instanceCIDR`; '' for the whole file. */
  path: z.string(),
  /** Stable rule id, e.g. `unknown-key`, `cidr-overlap`; scripts match on it. */
  rule: z.string(),
  message: z.string(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const ValidationReportSchema = z.object({
  valid: z.boolean(),
  errors: z.array(FindingSchema),
  warnings: z.array(FindingSchema),
});
export type ValidationReport = z.infer<typeof ValidationReportSchema>;

/** A finding as the API and the JSON output show it: the list it is in says its severity. */
export const PublicFindingSchema = FindingSchema.omit({ severity: true });
export type PublicFinding = z.infer<typeof PublicFindingSchema>;

export const PublicReportSchema = z.object({
  valid: z.boolean(),
  errors: z.array(PublicFindingSchema),
  warnings: z.array(PublicFindingSchema),
});
export type PublicReport = z.infer<typeof PublicReportSchema>;
