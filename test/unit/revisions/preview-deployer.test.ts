import { describe, expect, it } from 'vitest';
import { PreviewDeployer } from '../../../adapters/embedded/preview-deployer.ts';
import type { ApplyRequest } from '../../../ports/stack-deployer.ts';

const before = {
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'a' } },
    Old: { Type: 'AWS::SQS::Queue' },
  },
};
const after = {
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.1.0.0/16' } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'b' } },
    New: { Type: 'AWS::SQS::Queue' },
  },
};

function requestFor(next: object, previous: object | undefined): ApplyRequest {
  return {
    stackName: 'demo',
    templateUrl: 'https://artefacts.s3.amazonaws.com/clusters/demo/templates/x.json',
    templateBody: JSON.stringify(next),
    previousTemplateBody: previous === undefined ? undefined : JSON.stringify(previous),
    stackPolicyBody: undefined,
    tags: {},
    terminationProtection: false,
    clientToken: 'demo-2-apply',
  };
}

const HEADER = 'preview only: nothing was deployed to AWS; stack demo was not created or changed';

describe('PreviewDeployer', () => {
  const deployer = new PreviewDeployer();

  it('plans additions, removals and a flagged replacement against the last applied template', async () => {
    const progress = await deployer.start(requestFor(after, before));

    expect(progress.state).toBe('PLANNED');
    expect(progress.changes).toEqual([
      {
        action: 'Remove',
        logicalId: 'Old',
        resourceType: 'AWS::SQS::Queue',
        replacement: 'N/A',
        configKeys: [],
      },
      {
        action: 'Add',
        logicalId: 'New',
        resourceType: 'AWS::SQS::Queue',
        replacement: 'N/A',
        configKeys: [],
      },
      {
        action: 'Modify',
        logicalId: 'Vpc',
        resourceType: 'AWS::EC2::VPC',
        replacement: 'True',
        configKeys: [],
      },
      {
        action: 'Modify',
        logicalId: 'Topic',
        resourceType: 'AWS::SNS::Topic',
        replacement: 'False',
        configKeys: [],
      },
    ]);
    expect(progress.preview).toBe(
      [
        HEADER,
        'Resources',
        '[-] AWS::SQS::Queue Old destroy',
        '[+] AWS::SQS::Queue New',
        '[~] AWS::EC2::VPC Vpc replace',
        ' └─ [~] CidrBlock (requires replacement)',
        '     ├─ [-] 10.0.0.0/16',
        '     └─ [+] 10.1.0.0/16',
        '[~] AWS::SNS::Topic Topic',
        ' └─ [~] DisplayName',
        '     ├─ [-] a',
        '     └─ [+] b',
        '',
      ].join('\n'),
    );
  });

  it('plans every resource as an addition when nothing was applied before', async () => {
    const progress = await deployer.start(requestFor(before, undefined));

    expect(progress.state).toBe('PLANNED');
    expect(progress.changes.map((change) => `${change.action} ${change.logicalId}`)).toEqual([
      'Add Vpc',
      'Add Topic',
      'Add Old',
    ]);
  });

  it('reports NOOP and says so when the template equals the last applied one', async () => {
    const progress = await deployer.start(requestFor(before, before));

    expect(progress).toEqual({
      state: 'NOOP',
      changes: [],
      preview: `${HEADER}\nno differences from the last applied template\n`,
    });
  });

  it('returns a finished preview unchanged when polled', async () => {
    const progress = await deployer.start(requestFor(after, before));

    expect(await deployer.poll(requestFor(after, before), progress)).toBe(progress);
  });

  it('refuses a template that is not JSON as our own bug', async () => {
    await expect(
      deployer.start({ ...requestFor(before, undefined), templateBody: '{"Resources":' }),
    ).rejects.toMatchObject({
      name: 'InvariantError',
      message: 'rendered template is not valid JSON',
    });
  });
});
