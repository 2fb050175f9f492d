import type { Finding, ValidationReport } from '../schemas/finding.ts';
import { describeOmittedFindings, TOO_MANY_FINDINGS_RULE } from './count-findings.ts';
import { escapeControlCharacters } from './escape-control-characters.ts';
import type { RuleProblem } from './rules/rule-context.ts';
import {
  type ConfigPath,
  formatPath,
  MAX_FINDINGS,
  type Position,
  type SourceLocator,
} from './yaml-source.ts';

/** Shared by the offline validation and the AWS checks: positions, findings, the report. */

export const WHOLE_FILE: Position = { line: 0, column: 0 };

/** The path's own position, else a related key's, else the nearest written ancestor's. */
export function locateNear(
  locator: SourceLocator,
  path: ConfigPath,
  target: 'key' | 'value',
  related: ConfigPath[],
): Position {
  const own = locator.locate(path, target);
  if (own) return own;
  for (const other of related) {
    const position = locator.locate(other, 'key');
    if (position) return position;
  }
  for (let length = path.length - 1; length > 0; length -= 1) {
    const position = locator.locate(path.slice(0, length), 'key');
    if (position) return position;
  }

  return WHOLE_FILE;
}

/** Where a missing key belongs when neither it nor any ancestor is written: the file's start. */
export const START_OF_FILE: Position = { line: 1, column: 1 };

/** As {@link locateNear}, but a required key that is nowhere in the file goes to its start. */
export function locateProblem(
  locator: SourceLocator,
  rule: string,
  path: ConfigPath,
  target: 'key' | 'value',
  related: ConfigPath[],
): Position {
  const position = locateNear(locator, path, target, related);

  return rule === 'required-key' && position === WHOLE_FILE ? START_OF_FILE : position;
}

export function findingFromProblem(
  file: string,
  locator: SourceLocator,
  problem: RuleProblem,
): Finding {
  const position = locateProblem(locator, problem.rule, problem.path, 'key', problem.related);

  return makeFinding(file, problem.severity, problem.rule, problem.path, position, problem.message);
}

export function makeFinding(
  file: string,
  severity: Finding['severity'],
  rule: string,
  path: ConfigPath,
  position: Position,
  message: string,
): Finding {
  return {
    severity,
    file,
    line: position.line,
    column: position.column,
    path: formatPath(path),
    rule,
    message,
  };
}

/**
 * Sorts the findings by position and keeps the first {@link MAX_FINDINGS}; the rest become one
 * `too-many-findings` finding, so a hostile file cannot inflate the report. Validity counts them all.
 */
export function summarise(findings: Finding[]): { report: ValidationReport } {
  const sorted = [...findings].sort((a, b) => a.line - b.line || a.column - b.column);
  const valid = !sorted.some((finding) => finding.severity === 'error');
  const shown = sorted.slice(0, MAX_FINDINGS);
  const omitted = sorted.slice(MAX_FINDINGS);
  const firstOmitted = omitted[0];
  if (firstOmitted !== undefined) {
    const omittedErrors = omitted.filter((finding) => finding.severity === 'error').length;
    shown.push({
      ...firstOmitted,
      severity: omittedErrors > 0 ? 'error' : 'warning',
      path: '',
      rule: TOO_MANY_FINDINGS_RULE,
      message: describeOmittedFindings(
        escapeControlCharacters(firstOmitted.file),
        MAX_FINDINGS,
        omitted.length,
        omittedErrors,
      ),
    });
  }
  const errors = shown.filter((finding) => finding.severity === 'error');
  const warnings = shown.filter((finding) => finding.severity === 'warning');

  return { report: { valid, errors, warnings } };
}
