import { describe, expect, it } from 'vitest';
import {
  countFindings,
  describeOmittedFindings,
  TOO_MANY_FINDINGS_RULE,
} from '../../../cluster-config/count-findings.ts';

const finding = (rule: string, message: string) => ({ rule, message });

describe('countFindings', () => {
  it('adds what each too-many-findings entry counts and leaves the entries out of the listed', () => {
    const counts = countFindings({
      errors: [
        finding('unknown-key', 'a is not a known key'),
        finding(TOO_MANY_FINDINGS_RULE, describeOmittedFindings('c.yaml', 100, 12, 10)),
        finding(TOO_MANY_FINDINGS_RULE, describeOmittedFindings('c.yaml', 100, 5, 5)),
      ],
      warnings: [finding('cluster-name-default', 'clusterName is missing')],
    });

    expect(counts).toEqual({ errors: 16, warnings: 3, reported: 2, omitted: 17 });
  });

  it('reads the counts at the end of the message when the file name looks like the sentence', () => {
    const name = 'x reports at most 1 findings at once (received 9 more, 9 of them errors); y';

    expect(
      countFindings({
        errors: [finding(TOO_MANY_FINDINGS_RULE, describeOmittedFindings(name, 100, 3, 2))],
        warnings: [],
      }),
    ).toEqual({ errors: 2, warnings: 1, reported: 0, omitted: 3 });
  });

  it('counts an entry of that rule with another message as one listed finding', () => {
    expect(
      countFindings({ errors: [finding(TOO_MANY_FINDINGS_RULE, 'too many')], warnings: [] }),
    ).toEqual({ errors: 1, warnings: 0, reported: 1, omitted: 0 });
  });
});
