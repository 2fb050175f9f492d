import type { Finding, PublicFinding, PublicReport, ValidationReport } from '../schemas/finding.ts';
import { escapeControlCharacters } from './escape-control-characters.ts';

/** The public shapes of validation output (DESIGN.md: CLI text, CLI/API JSON). */

export type { PublicFinding, PublicReport } from '../schemas/finding.ts';

/**
 * One line per finding, errors and warnings merged in file order:
 * `cluster.yaml:12:3: error: <message>`; a finding about the whole file has no line or column.
 * Empty string when there is nothing to report; otherwise every line ends with a newline.
 */
export function formatFindingsText(report: ValidationReport): string {
  return sortFindings(report)
    .map((finding) => `${formatFindingLine(finding)}\n`)
    .join('');
}

/** Errors and warnings merged in file order, as the text output lists them. */
export function sortFindings(report: ValidationReport): Finding[] {
  return [...report.errors, ...report.warnings].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
}

export function formatFindingLine(finding: Finding): string {
  const where =
    finding.line === 0 ? finding.file : `${finding.file}:${finding.line}:${finding.column}`;

  // Messages escape what they quote already; escaping the whole line covers the file name too.
  return escapeControlCharacters(`${where}: ${finding.severity}: ${finding.message}`);
}

/** The JSON report: `{valid, errors, warnings}`, each finding `{file, line, column, path, rule, message}`. */
export function toPublicReport(report: ValidationReport): PublicReport {
  return {
    valid: report.valid,
    errors: report.errors.map(toPublicFinding),
    warnings: report.warnings.map(toPublicFinding),
  };
}

export function formatFindingsJson(report: ValidationReport): string {
  return `${JSON.stringify(toPublicReport(report), null, 2)}\n`;
}

function toPublicFinding({ file, line, column, path, rule, message }: Finding): PublicFinding {
  return { file, line, column, path, rule, message };
}
