import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRuns } from '../../../embedded/list-local-runs.ts';
import { createStackStatusReader } from '../../../embedded/read-stack-status.ts';
import { describeInterruption } from '../../../embedded/recover-aws-runs.ts';
import { readAwsModeConfig } from '../../../embedded/start-aws-backend.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const STOPPED = 'the process running this revision stopped before it finished';

describe('the cause recorded for a run cut off in AWS mode', () => {
  it('names a stack still changing and how to watch it settle', () => {
    expect(describeInterruption('demo', { status: 'UPDATE_ROLLBACK_IN_PROGRESS' })).toBe(
      `${STOPPED}; stack demo is still UPDATE_ROLLBACK_IN_PROGRESS, so it may still be changing: wait until aws cloudformation describe-stacks --stack-name demo shows it settled, then submit the file again`,
    );
  });

  it('names a settled stack and its status', () => {
    expect(describeInterruption('demo', { status: 'UPDATE_COMPLETE' })).toBe(
      `${STOPPED}; stack demo is UPDATE_COMPLETE now; submit the file again`,
    );
  });

  it('says when the stack does not exist', () => {
    expect(describeInterruption('demo', { status: undefined })).toBe(
      `${STOPPED}; stack demo does not exist; submit the file again`,
    );
  });

  it('warns that an unreadable stack may still be changing', () => {
    expect(describeInterruption('demo', { unreadable: true })).toBe(
      `${STOPPED}, and stack demo could not be read; the stack may still be changing: check it with aws cloudformation describe-stacks --stack-name demo, then submit the file again`,
    );
  });

  it('names no stack when the execution input names no cluster', () => {
    expect(describeInterruption(undefined, undefined)).toBe(`${STOPPED}; submit the file again`);
  });
});

describe('the runs serve names while it stops', () => {
  it('joins one, two and three runs the way the CLI names revisions', () => {
    const demo = (revision: number) => ({ cluster: 'demo', revision });

    expect(describeRuns([])).toBe('');
    expect(describeRuns([demo(4)])).toBe('revision 4 of cluster demo');
    expect(describeRuns([demo(4), { cluster: 'web', revision: 2 }])).toBe(
      'revision 4 of cluster demo and revision 2 of cluster web',
    );
    expect(describeRuns([demo(1), demo(2), demo(3)])).toBe(
      'revision 1 of cluster demo, revision 2 of cluster demo and revision 3 of cluster demo',
    );
  });
});

describe.skipIf(!hasMoto)('the stack status reader against moto', () => {
  let moto: MotoServer;

  beforeAll(async () => {
    moto = await startMoto();
    // The reader builds its client the SDK's way, from the environment, as the CLI does.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    const cloudFormation = new CloudFormationClient(motoClientConfig(moto.endpoint));
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'demo',
        TemplateBody: JSON.stringify({
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        }),
      }),
    );
    cloudFormation.destroy();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  const reader = () => {
    const config = readAwsModeConfig({
      AWS_REGION: 'us-east-1',
      KUBE_AWS_SUBMISSIONS_BUCKET: 'submissions',
      KUBE_AWS_ARTIFACTS_BUCKET: 'artifacts',
      KUBE_AWS_REVISIONS_TABLE: 'revisions',
      KUBE_AWS_ASSET_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/assets',
    });
    if (config === undefined) throw new Error('the AWS mode variables are not set');

    return createStackStatusReader(config);
  };

  it('reads the status of a stack that exists', async () => {
    expect(await reader()('demo')).toBe('CREATE_COMPLETE');
  });

  it('answers undefined for a stack that does not exist', async () => {
    expect(await reader()('absent')).toBeUndefined();
  });
});
