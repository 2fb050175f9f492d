import * as z from 'zod';
import {
  countFindings,
  type FindingCounts,
  TOO_MANY_FINDINGS_RULE,
} from '../cluster-config/count-findings.ts';
import { escapeControlCharacters } from '../cluster-config/escape-control-characters.ts';
import {
  formatFindingLine,
  type PublicReport,
  sortFindings,
} from '../cluster-config/format-findings.ts';
import {
  type Finding,
  type PublicFinding,
  PublicReportSchema,
  type ValidationReport,
} from '../schemas/finding.ts';
import type { Revision } from '../schemas/revision.ts';
import { type BackendSession, callApi, describeApiError } from './backend-session.ts';
import { countOf } from './cli-io.ts';

/** The API's answer for a revision's stored findings. */
const StoredReportSchema = PublicReportSchema.extend({ location: z.string() });

/** Findings printed at once; a longer report ends with a line saying where the rest are. */
export const MAX_PRINTED_FINDINGS = 50;

/**
 * The findings as `validate` prints them (`file:line:column: severity: message`, in file order),
 * at most {@link MAX_PRINTED_FINDINGS}, then `... and N more findings <where>` for the rest. A
 * report the backend capped lists only its first findings: the line then says so, and the
 * entries that count the unlisted ones follow as `validate` prints them.
 */
export function formatFindingsCapped(report: ValidationReport, where: string): string {
  const findings = sortFindings(report);
  const listed = findings.filter((finding) => finding.rule !== TOO_MANY_FINDINGS_RULE);
  const counting = findings.filter((finding) => finding.rule === TOO_MANY_FINDINGS_RULE);
  const shown = listed
    .slice(0, MAX_PRINTED_FINDINGS)
    .map((finding) => `${formatFindingLine(finding)}\n`);
  const rest = listed.length - shown.length;
  let more = '';
  if (rest > 0) {
    more =
      counting.length === 0
        ? `... and ${countOf(rest, 'more finding')} ${where}\n`
        : `... and ${rest} more of the first ${listed.length} findings ${where}\n`;
  }

  return (
    shown.join('') + more + counting.map((finding) => `${formatFindingLine(finding)}\n`).join('')
  );
}

/**
 * What `up` prints for a file the backend refused at submit: the findings, capped, then
 * `<file>: not submitted (N errors)`, N counting the errors the backend did not list.
 */
/** The refusal of a file over the size limit, as the API's would read; undefined otherwise. */
export function describeOversizedInput(input: {
  displayName: string;
  tooLarge?: Finding;
}): string | undefined {
  if (input.tooLarge === undefined) return undefined;
  const { severity: _severity, ...finding } = input.tooLarge;

  return describeRefusedSubmission(
    { valid: false, errors: [finding], warnings: [] },
    input.displayName,
  );
}

export function describeRefusedSubmission(report: PublicReport, file: string): string {
  const counts = countFindings(report);
  const reported = describeCap(counts);
  const shown = escapeControlCharacters(file);

  return (
    formatFindingsCapped(relabel(report, file), `(kube-aws validate ${shown} lists them all)`) +
    `${shown}: not submitted (${countOf(counts.errors, 'error')}${reported})\n`
  );
}

/**
 * The API's public findings carry no severity (their list says it) and name the uploaded
 * document; restore the severity and show the path the user typed.
 */
export function relabel(report: PublicReport, file: string): ValidationReport {
  const label = (finding: PublicFinding) => ({
    ...finding,
    file,
    // A finding about the whole file starts its message with the name the backend gave the
    // file; the user knows it by the name they passed, as a local validate says it.
    message: finding.message.startsWith(`${finding.file} `)
      ? `${escapeControlCharacters(file)}${finding.message.slice(finding.file.length)}`
      : finding.message,
  });

  return {
    valid: report.valid,
    errors: report.errors.map((finding) => ({ ...label(finding), severity: 'error' as const })),
    warnings: report.warnings.map((finding) => ({
      ...label(finding),
      severity: 'warning' as const,
    })),
  };
}

/**
 * For a revision whose run failed the Validate state: every finding the state stored (capped),
 * read through the API, then a line counting them. Empty when the revision failed otherwise or
 * the backend stored no report (404: an older backend); the revision's error line then says
 * why. A report the API cannot serve (a changed one is refused with 500 INTEGRITY) is one line
 * saying so and why, never silence that reads as no findings.
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
  if (answer.status === 404) return '';
  const stored = StoredReportSchema.safeParse(answer.body);
  const failed = `${escapeControlCharacters(file)}: revision ${revision.revision} failed validation`;
  if (answer.status !== 200 || !stored.success) {
    const why =
      answer.status === 200
        ? 'the API answered 200 without a findings report'
        : describeApiError(answer);

    // The reason is the backend's text, shown as the findings are: control characters escaped.
    return `${failed}, but its findings could not be read: ${escapeControlCharacters(why)}\n`;
  }
  const report = relabel(stored.data, file);
  const counts = countFindings(report);
  const where = `in ${escapeControlCharacters(stored.data.location)}`;
  if (counts.errors === 0) {
    const warnings =
      counts.warnings === 0 ? 'findings' : `errors (${countOf(counts.warnings, 'warning')})`;

    return `${formatFindingsCapped(report, where)}${failed}; its stored report lists no ${warnings}\n`;
  }
  const reported = describeCap(counts);

  return (
    formatFindingsCapped(report, where) +
    `${failed} (${countOf(counts.errors, 'error')}, ${countOf(counts.warnings, 'warning')}${reported})\n`
  );
}

/** `; the first 100 findings were reported` for a capped report, nothing otherwise. */
function describeCap(counts: FindingCounts): string {
  return counts.omitted === 0
    ? ''
    : `; the first ${countOf(counts.reported, 'finding')} were reported`;
}
