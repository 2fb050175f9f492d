import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveExecutionArn, SfnWorkflow } from '../../../adapters/aws/sfn-workflow.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);

describe.skipIf(!hasMoto)('SfnWorkflow against moto Step Functions', () => {
  let moto: MotoServer;
  let workflow: SfnWorkflow;
  let stateMachineArn: string;

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const sfn = new SFNClient(config);
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'provision',
        roleArn: 'arn:aws:iam::123456789012:role/provision',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    sfn.destroy();
    stateMachineArn = created.stateMachineArn ?? '';
    workflow = new SfnWorkflow({ ...config, stateMachineArn });
  });
  afterAll(async () => {
    workflow?.destroy();
    await moto?.stop();
  });

  it('starts an execution named after the revision at the derived ARN', async () => {
    const { executionArn } = await workflow.start('demo-1', { cluster: 'demo', revision: 1 });

    expect(executionArn).toBe(deriveExecutionArn(stateMachineArn, 'demo-1'));
    expect(await workflow.describe(executionArn)).toMatchObject({ executionArn });
  });

  it('answers a second start of the same name with the first ARN', async () => {
    const first = await workflow.start('demo-2', { cluster: 'demo', revision: 2 });
    const second = await workflow.start('demo-2', { cluster: 'demo', revision: 2 });

    expect(second.executionArn).toBe(first.executionArn);
  });

  it('describes an unknown execution as undefined', async () => {
    expect(await workflow.describe(deriveExecutionArn(stateMachineArn, 'nope-9'))).toBeUndefined();
  });
});
