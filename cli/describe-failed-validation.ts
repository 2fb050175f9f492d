import * as z from 'zod';
import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
import {
  formatFindingLine,
  type PublicReport,
  sortFindings,
} from '../cluster-config/format-findings.ts';
import { PublicReportSchema, type ValidationReport } from '../schemas/finding.ts';
import type { Revision } from '../schemas/revision.ts';
import { type BackendSession, callApi } from './backend-session.ts';
import { countOf } from './cli-io.ts';

/** The API's answer for a revision's stored findings. */
const StoredReportSchema = PublicReportSchema.extend({ location: z.string() });

/** Findings printed at once; a longer report ends with a line saying where the rest are. */
export const MAX_PRINTED_FINDINGS = 50;

/**
 * The findings as `validate` prints them (`file:line:column: severity: message`, in file order),
 * at most {@link MAX_PRINTED_FINDINGS}, then `... and N more findings <where>` for the rest.
 */
export function formatFindingsCapped(report: ValidationReport, where: string): string {
  const findings = sortFindings(report);
  const shown = findings
    .slice(0, MAX_PRINTED_FINDINGS)
    .map((finding) => `${formatFindingLine(finding)}\n`);
  const rest = findings.length - shown.length;

  return rest > 0
    ? `${shown.join('')}... and ${countOf(rest, 'more finding')} ${where}\n`
    : shown.join('');
}

/**
 * The API's public findings carry no severity (their list says it) and name the uploaded
 * document; restore the severity and show the path the user typed.
 */
export function relabel(report: PublicReport, file: string): ValidationReport {
  return {
    valid: report.valid,
    errors: report.errors.map((finding) => ({ ...finding, file, severity: 'error' as const })),
    warnings: report.warnings.map((finding) => ({
      ...finding,
      file,
      severity: 'warning' as const,
    })),
  };
}

/**
 * For a revision whose run failed the Validate state: every finding the state stored (capped),
 * read through the API, then a line counting them. Empty when the revision failed otherwise or
 * the backend stored no report (an older backend); the revision's error line then says why.
 */
export async function describeFailedValidation(
  session: BackendSession,
  revision: Pick<Revision, 'cluster' | 'revision' | 'status' | 'error'>,
  file: string,
): Promise<string> {
  if (revision.status !== 'FAILED' || revision.error?.name !== 'ValidationError') return '';
  const answer = await callApi(
    session,
    'GET',
    `/clusters/${encodeURIComponent(revision.cluster)}/revisions/${revision.revision}/validation`,
  );
  const stored = StoredReportSchema.safeParse(answer.body);
  if (answer.status !== 200 || !stored.success) return '';
  const report = relabel(stored.data, file);

  return (
    // The location is the backend's text, shown as the findings are: control characters escaped.
    formatFindingsCapped(report, `in ${escapeControlCharacters(stored.data.location)}`) +
    `${file}: revision ${revision.revision} failed validation (${countOf(report.errors.length, 'error')}, ` +
    `${countOf(report.warnings.length, 'warning')})\n`
  );
}
