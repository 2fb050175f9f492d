import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { requireTool } from './external-tools.ts';

export const hasCfnLint = requireTool('cfn-lint');

export interface CfnLintFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
}

/** Rule ids listed in the exceptions table of `stack/cfn-lint-exceptions.md`. */
export function readAcceptedRules(
  path = new URL('../../stack/cfn-lint-exceptions.md', import.meta.url),
): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^\|\s*([EWI]\d{4})\s*\|/.exec(line)?.[1])
    .filter((rule): rule is string => rule !== undefined);
}

/**
 * Runs `cfn-lint --format parseable` once over template files (one process: its start-up costs
 * more than linting) and returns the findings, minus those of the `ignore` rules. Exit codes: 0
 * clean, 2 errors, 4 warnings, 6 both; anything else is a crash.
 */
export function runCfnLint(files: string[], ignore: string[] = []): CfnLintFinding[] {
  const run = spawnSync('cfn-lint', ['--format', 'parseable', ...files], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status === null || ![0, 2, 4, 6].includes(run.status)) {
    throw new Error(`cfn-lint failed (status ${run.status}): ${run.stderr}`);
  }

  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // <file>:<line>:<col>:<endLine>:<endCol>:<rule>:<message>
      const match = /^(.*?):(\d+):(\d+):\d+:\d+:([EWI]\d{4}):(.*)$/.exec(line);
      if (match === null) throw new Error(`cfn-lint printed an unparseable line: ${line}`);

      return {
        file: match[1] ?? '',
        line: Number(match[2]),
        column: Number(match[3]),
        rule: match[4] ?? '',
        message: match[5] ?? '',
      };
    })
    .filter((finding) => !ignore.includes(finding.rule));
}
