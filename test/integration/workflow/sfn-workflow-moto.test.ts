import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveExecutionArn, mapHistory, SfnWorkflow } from '../../../adapters/aws/sfn-workflow.ts';
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

describe('mapHistory', () => {
  it('maps Step Functions history to the shape the local runner records', () => {
    const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, second));
    const events = mapHistory([
      {
        id: 1,
        type: 'ExecutionStarted',
        timestamp: at(0),
        executionStartedEventDetails: { input: '{"revision":1}' },
      },
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: at(1),
        stateEnteredEventDetails: { name: 'Validate Cluster', input: '{"revision":1}' },
      },
      { id: 3, type: 'LambdaFunctionScheduled', timestamp: at(1) },
      {
        id: 4,
        type: 'LambdaFunctionFailed',
        timestamp: at(2),
        lambdaFunctionFailedEventDetails: { error: 'DependencyError', cause: 'throttled' },
      },
      {
        id: 5,
        type: 'TaskStateExited',
        timestamp: at(3),
        stateExitedEventDetails: { name: 'Validate Cluster', output: 'not json' },
      },
      {
        id: 6,
        type: 'ExecutionFailed',
        timestamp: at(4),
        executionFailedEventDetails: { error: 'DependencyError', cause: 'throttled' },
      },
    ]);

    expect(events).toEqual([
      { type: 'ExecutionStarted', timestamp: '2026-12-04T12:00:00.000Z', input: { revision: 1 } },
      {
        type: 'StateEntered',
        timestamp: '2026-12-04T12:00:01.000Z',
        state: 'Validate Cluster',
        input: { revision: 1 },
      },
      {
        type: 'StateFailed',
        timestamp: '2026-12-04T12:00:02.000Z',
        state: 'Validate Cluster',
        error: 'DependencyError',
        cause: 'throttled',
      },
      {
        type: 'StateExited',
        timestamp: '2026-12-04T12:00:03.000Z',
        state: 'Validate Cluster',
        output: 'not json',
      },
      {
        type: 'ExecutionFailed',
        timestamp: '2026-12-04T12:00:04.000Z',
        error: 'DependencyError',
        cause: 'throttled',
      },
    ]);
  });
});
