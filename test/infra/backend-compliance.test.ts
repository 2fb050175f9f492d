import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../support/external-tools.ts';
import { type SynthesisedBackend, synthesiseBackend } from './synthesise-backend.ts';

const hasCfnLint = requireTool('cfn-lint');

let backend: SynthesisedBackend;

beforeAll(() => {
  // Synthesis runs cdk-nag's AwsSolutions pack and throws on any unacknowledged finding.
  backend = synthesiseBackend({ bundle: false });
}, 120_000);

describe('cdk-nag acknowledgements', () => {
  it('passes the AwsSolutions pack with every finding acknowledged', () => {
    const app = backend.stack.node.root;
    const report = new AwsSolutionsChecks(app).validateScope(app);

    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges each wildcard finding by its resource and gives every reason in words', () => {
    const acknowledgements = backend.stack.node
      .findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
      )
      .map(([key, reason]) => ({ id: key.replace(/^Annotation::/, ''), reason }));

    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const { id, reason } of acknowledgements) {
      expect({ id, blanketWildcard: id === 'AwsSolutions-IAM5' }).toEqual({
        id,
        blanketWildcard: false,
      });
      expect({ id, longEnough: reason.length >= 60 }).toEqual({ id, longEnough: true });
    }
  });
});

describe.skipIf(!hasCfnLint)('cfn-lint', () => {
  it('reports no errors on the synthesised template', () => {
    const templatePath = join(backend.outdir, `${backend.stack.stackName}.template.json`);
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', templatePath], {
      encoding: 'utf8',
      // cfn-lint loads every resource specification first: ~16 s alone, minutes under load.
      timeout: 230_000,
    });
    const errors = lint.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));

    expect(errors).toEqual([]);
    // 0 is clean, 4 is warnings only; 2 and 6 mean errors.
    expect([0, 4]).toContain(lint.status);
  }, 240_000);
});
