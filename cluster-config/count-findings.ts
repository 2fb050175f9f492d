/**
 * A report keeps at most MAX_FINDINGS findings; one `too-many-findings` entry then counts the
 * rest. The entry is a finding like any other (the API and the JSON output carry no other field
 * for it), so its counts travel in its message: this module writes that message and reads it
 * back, keeping the format in one place.
 */

export const TOO_MANY_FINDINGS_RULE = 'too-many-findings';

/** `cluster.yaml reports at most 100 findings at once (received 2904 more, 2904 of them errors)`. */
export function describeOmittedFindings(
  file: string,
  limit: number,
  omitted: number,
  omittedErrors: number,
): string {
  return (
    `${file} reports at most ${limit} findings at once (received ${omitted} more, ` +
    `${omittedErrors} of them errors); fix the findings above and validate again`
  );
}

/** Greedy from the start: a file name that looks like the sentence cannot stand in for it. */
const OMITTED = new RegExp(
  '^.* reports at most (\\d+) findings at once \\(received (\\d+) more, (\\d+) of them errors\\); ' +
    'fix the findings above and validate again$',
  's',
);

export interface FindingCounts {
  /** Every error the file has, the unreported ones included. */
  errors: number;
  warnings: number;
  /** The findings the report lists, its `too-many-findings` entries left out. */
  reported: number;
  /** Findings the report counts but does not list. */
  omitted: number;
}

interface CountableFinding {
  rule: string;
  message: string;
}

/** The true counts of a report, whose `too-many-findings` entries stand for what they count. */
export function countFindings(report: {
  errors: readonly CountableFinding[];
  warnings: readonly CountableFinding[];
}): FindingCounts {
  const counts: FindingCounts = { errors: 0, warnings: 0, reported: 0, omitted: 0 };
  const add = (finding: CountableFinding, severity: 'errors' | 'warnings') => {
    const match = finding.rule === TOO_MANY_FINDINGS_RULE ? OMITTED.exec(finding.message) : null;
    if (match === null) {
      counts[severity] += 1;
      counts.reported += 1;
      return;
    }
    const omitted = Number(match[2]);
    const omittedErrors = Number(match[3]);
    counts.errors += omittedErrors;
    counts.warnings += omitted - omittedErrors;
    counts.omitted += omitted;
  };
  for (const finding of report.errors) add(finding, 'errors');
  for (const finding of report.warnings) add(finding, 'warnings');

  return counts;
}
