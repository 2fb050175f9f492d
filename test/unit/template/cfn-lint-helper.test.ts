import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasCfnLint, runCfnLint } from '../../support/cfn-lint.ts';

const workDir = mkdtempSync(join(tmpdir(), 'cfn-lint-helper-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe.skipIf(!hasCfnLint)('runCfnLint', () => {
  it('reports an unknown property as an error with its file and rule', () => {
    const file = join(workDir, 'broken.json');
    const template = {
      Resources: {
        VPC: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16', Colour: 'red' } },
      },
    };
    writeFileSync(file, JSON.stringify(template, null, 1));

    expect(runCfnLint([file]).map(({ file: path, rule }) => ({ path, rule }))).toEqual([
      { path: file, rule: 'E3002' },
    ]);
  });

  it('drops findings of ignored rules', () => {
    const file = join(workDir, 'zone.json');
    const template = {
      Resources: {
        VPC: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
        Subnet: {
          Type: 'AWS::EC2::Subnet',
          Properties: {
            VpcId: { Ref: 'VPC' },
            CidrBlock: '10.0.0.0/24',
            AvailabilityZone: 'us-east-1a',
          },
        },
      },
    };
    writeFileSync(file, JSON.stringify(template, null, 1));

    expect(runCfnLint([file]).map((finding) => finding.rule)).toEqual(['W3010']);
    expect(runCfnLint([file], ['W3010'])).toEqual([]);
  });
});
