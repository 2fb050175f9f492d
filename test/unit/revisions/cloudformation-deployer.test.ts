import { describe, expect, it } from 'vitest';
import {
  CloudFormationDeployer,
  deriveChangeSetName,
} from '../../../adapters/aws/cloudformation-deployer.ts';
import type { ApplyRequest } from '../../../ports/stack-deployer.ts';
import { type RecordedCall, replayCloudFormation } from './recorded-cloudformation.ts';

const STACK_ARN = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/demo/abc';
const CHANGE_SET_ARN =
  'arn:aws:cloudformation:eu-west-1:111122223333:changeSet/kube-aws-demo-7-apply/def';
const POLICY =
  '{"Statement":[{"Effect":"Deny","Action":"Update:Replace","Principal":"*","Resource":"LogicalResourceId/Etcd0"}]}';

const request: ApplyRequest = {
  stackName: 'demo',
  templateUrl: 'https://artefacts.s3.eu-west-1.amazonaws.com/clusters/demo/templates/aa.json',
  templateBody: '{}',
  previousTemplateBody: undefined,
  stackPolicyBody: POLICY,
  tags: { KubernetesCluster: 'demo', team: 'platform' },
  terminationProtection: false,
  clientToken: 'demo-7-apply',
};

function deployerFor(script: RecordedCall[], roleArn?: string) {
  const replay = replayCloudFormation(script);
  const deployer = new CloudFormationDeployer({
    ...(roleArn === undefined ? {} : { roleArn }),
    send: replay.send,
    pollIntervalMs: 1,
    changeSetDeadlineMs: 50,
    sleep: async () => {},
  });
  return { deployer, replay };
}

const missingStack: RecordedCall = {
  operation: 'DescribeStacks',
  input: { StackName: 'demo' },
  error: { name: 'ValidationError', message: 'Stack with id demo does not exist' },
};

function stackIs(status: string, extra: Record<string, unknown> = {}): RecordedCall {
  return {
    operation: 'DescribeStacks',
    input: { StackName: 'demo' },
    output: {
      Stacks: [
        {
          StackName: 'demo',
          StackId: STACK_ARN,
          StackStatus: status,
          CreationTime: new Date(),
          ...extra,
        },
      ],
    },
  };
}

const noChangeSetYet: RecordedCall = {
  operation: 'DescribeChangeSet',
  input: { StackName: 'demo', ChangeSetName: 'kube-aws-demo-7-apply' },
  error: {
    name: 'ChangeSetNotFoundException',
    message: 'ChangeSet [kube-aws-demo-7-apply] does not exist',
  },
};

function createChangeSet(type: 'CREATE' | 'UPDATE'): RecordedCall {
  return {
    operation: 'CreateChangeSet',
    input: {
      StackName: 'demo',
      ChangeSetName: 'kube-aws-demo-7-apply',
      ChangeSetType: type,
      TemplateURL: request.templateUrl,
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      Tags: [
        { Key: 'KubernetesCluster', Value: 'demo' },
        { Key: 'team', Value: 'platform' },
      ],
      ClientToken: 'demo-7-apply',
      Description: 'kube-aws-serverless demo-7-apply',
    },
    output: { Id: CHANGE_SET_ARN, StackId: STACK_ARN },
  };
}

function changeSetIs(status: string, extra: Record<string, unknown> = {}): RecordedCall {
  return {
    operation: 'DescribeChangeSet',
    inputMatching: { StackName: 'demo', ChangeSetName: CHANGE_SET_ARN },
    output: {
      ChangeSetId: CHANGE_SET_ARN,
      Status: status,
      ExecutionStatus: 'UNAVAILABLE',
      ...extra,
    },
  };
}

function resourceChange(action: string, id: string, type: string, replacement?: string) {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: id,
      ResourceType: type,
      Replacement: replacement,
    },
  };
}

const setPolicy: RecordedCall = {
  operation: 'SetStackPolicy',
  input: { StackName: 'demo', StackPolicyBody: POLICY },
};

const execute: RecordedCall = {
  operation: 'ExecuteChangeSet',
  input: { StackName: 'demo', ChangeSetName: CHANGE_SET_ARN, ClientRequestToken: 'demo-7-apply' },
};

function event(
  token: string,
  id: string,
  type: string,
  status: string,
  reason?: string,
): Record<string, unknown> {
  return {
    StackId: STACK_ARN,
    EventId: `${id}-${status}`,
    StackName: 'demo',
    LogicalResourceId: id,
    ResourceType: type,
    ResourceStatus: status,
    ResourceStatusReason: reason,
    ClientRequestToken: token,
    Timestamp: new Date(),
  };
}

describe('CloudFormationDeployer.start', () => {
  it('names the deployment service role on the change set when one is configured', async () => {
    const roleArn = 'arn:aws:iam::111122223333:role/cluster-deployment';
    const create = createChangeSet('CREATE');
    const { deployer, replay } = deployerFor(
      [
        missingStack,
        { ...create, input: { ...create.input, RoleARN: roleArn } },
        changeSetIs('CREATE_COMPLETE', {
          Changes: [resourceChange('Add', 'Vpc', 'AWS::EC2::VPC')],
        }),
        setPolicy,
        execute,
      ],
      roleArn,
    );

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress.state).toBe('IN_PROGRESS');
  });

  it('creates a CREATE change set by URL with both IAM capabilities and both tokens when the stack is missing', async () => {
    const { deployer, replay } = deployerFor([
      missingStack,
      createChangeSet('CREATE'),
      changeSetIs('CREATE_PENDING'),
      changeSetIs('CREATE_IN_PROGRESS'),
      changeSetIs('CREATE_COMPLETE', {
        Changes: [
          resourceChange('Add', 'Vpc', 'AWS::EC2::VPC'),
          resourceChange('Add', 'Controller', 'AWS::AutoScaling::AutoScalingGroup'),
        ],
      }),
      setPolicy,
      execute,
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress).toEqual({
      state: 'IN_PROGRESS',
      changeSetId: CHANGE_SET_ARN,
      stackStatus: undefined,
      changes: [
        {
          action: 'Add',
          logicalId: 'Vpc',
          resourceType: 'AWS::EC2::VPC',
          replacement: 'N/A',
          configKeys: [],
        },
        {
          action: 'Add',
          logicalId: 'Controller',
          resourceType: 'AWS::AutoScaling::AutoScalingGroup',
          replacement: 'N/A',
          configKeys: [],
        },
      ],
    });
  });

  it('updates a rolled-back stack and flags replacements across every page of changes', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_ROLLBACK_COMPLETE'),
      noChangeSetYet,
      createChangeSet('UPDATE'),
      changeSetIs('CREATE_COMPLETE', {
        Changes: [resourceChange('Modify', 'Etcd0', 'AWS::EC2::Instance', 'True')],
        NextToken: 'page-2',
      }),
      {
        operation: 'DescribeChangeSet',
        input: { StackName: 'demo', ChangeSetName: CHANGE_SET_ARN, NextToken: 'page-2' },
        output: {
          Status: 'CREATE_COMPLETE',
          Changes: [
            resourceChange('Modify', 'WorkerLc', 'AWS::EC2::LaunchTemplate', 'Conditional'),
            resourceChange('Remove', 'OldSg', 'AWS::EC2::SecurityGroup'),
          ],
        },
      },
      setPolicy,
      execute,
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(
      progress.changes.map((change) => [change.action, change.logicalId, change.replacement]),
    ).toEqual([
      ['Modify', 'Etcd0', 'True'],
      ['Modify', 'WorkerLc', 'Conditional'],
      ['Remove', 'OldSg', 'N/A'],
    ]);
    expect(progress.state).toBe('IN_PROGRESS');
    expect(progress.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('deletes the empty change set and reports NOOP when the template changes nothing', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_COMPLETE'),
      noChangeSetYet,
      createChangeSet('UPDATE'),
      changeSetIs('FAILED', {
        StatusReason:
          "The submitted information didn't contain changes. Submit different information to create a change set.",
      }),
      {
        operation: 'DeleteChangeSet',
        input: { StackName: 'demo', ChangeSetName: CHANGE_SET_ARN },
      },
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress).toEqual({
      state: 'NOOP',
      changeSetId: CHANGE_SET_ARN,
      stackStatus: 'UPDATE_COMPLETE',
      changes: [],
    });
  });

  it('turns termination protection on for a no-op when the setting changed', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_COMPLETE', { EnableTerminationProtection: false }),
      noChangeSetYet,
      createChangeSet('UPDATE'),
      changeSetIs('FAILED', { StatusReason: 'No updates are to be performed.' }),
      { operation: 'DeleteChangeSet', input: { StackName: 'demo', ChangeSetName: CHANGE_SET_ARN } },
      {
        operation: 'UpdateTerminationProtection',
        input: { StackName: 'demo', EnableTerminationProtection: true },
      },
    ]);

    const progress = await deployer.start({ ...request, terminationProtection: true });

    replay.assertFinished();
    expect(progress.state).toBe('NOOP');
  });

  it('reports a change set that failed for another reason as FAILED with that reason', async () => {
    const { deployer, replay } = deployerFor([
      missingStack,
      createChangeSet('CREATE'),
      changeSetIs('FAILED', {
        StatusReason: 'Template format error: Unresolved resource dependencies [Vpcc]',
      }),
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress.state).toBe('FAILED');
    expect(progress.cause).toBe(
      'change set failed: Template format error: Unresolved resource dependencies [Vpcc]',
    );
  });

  it('waits without creating anything while another operation runs on the stack', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
      noChangeSetYet,
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress).toEqual({
      state: 'IN_PROGRESS',
      stackStatus: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      changes: [],
    });
  });

  it('deletes a failed first create with its own token, then creates once the delete is done', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('ROLLBACK_COMPLETE'),
      noChangeSetYet,
      {
        operation: 'DeleteStack',
        input: { StackName: 'demo', ClientRequestToken: 'demo-7-apply-delete' },
      },
      stackIs('DELETE_IN_PROGRESS'),
      noChangeSetYet,
      missingStack,
      createChangeSet('CREATE'),
      changeSetIs('CREATE_COMPLETE', { Changes: [] }),
      setPolicy,
      execute,
    ]);

    const first = await deployer.start(request);
    const second = await deployer.poll(request, first);
    const third = await deployer.poll(request, second);

    replay.assertFinished();
    expect([first.state, first.changeSetId]).toEqual(['IN_PROGRESS', undefined]);
    expect([second.state, second.stackStatus, second.changeSetId]).toEqual([
      'IN_PROGRESS',
      'DELETE_IN_PROGRESS',
      undefined,
    ]);
    expect([third.state, third.changeSetId]).toEqual(['IN_PROGRESS', CHANGE_SET_ARN]);
  });

  it('reports NEEDS_RECOVERY with the resources to skip when an earlier rollback failed', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_ROLLBACK_FAILED'),
      noChangeSetYet,
      {
        operation: 'DescribeStackResources',
        input: { StackName: 'demo' },
        output: {
          StackResources: [
            { LogicalResourceId: 'Vpc', ResourceStatus: 'UPDATE_COMPLETE' },
            {
              LogicalResourceId: 'Etcd0Volume',
              ResourceStatus: 'UPDATE_FAILED',
              ResourceStatusReason: 'Volume vol-1 is in use',
            },
            {
              LogicalResourceId: 'ControllerEni',
              ResourceStatus: 'UPDATE_FAILED',
              ResourceStatusReason: 'Network interface is in use',
            },
          ],
        },
      },
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress).toEqual({
      state: 'NEEDS_RECOVERY',
      stackStatus: 'UPDATE_ROLLBACK_FAILED',
      changes: [],
      cause:
        'stack demo is UPDATE_ROLLBACK_FAILED (Etcd0Volume: Volume vol-1 is in use; ControllerEni: Network interface is in use)',
      remedy:
        'fix the cause, then run: aws cloudformation continue-update-rollback --stack-name demo --resources-to-skip Etcd0Volume ControllerEni; or delete the stack',
    });
  });

  it('follows a change set that already ran instead of executing it again on a repeated start', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_IN_PROGRESS'),
      {
        operation: 'DescribeChangeSet',
        input: { StackName: 'demo', ChangeSetName: 'kube-aws-demo-7-apply' },
        output: {
          ChangeSetId: CHANGE_SET_ARN,
          Status: 'CREATE_COMPLETE',
          ExecutionStatus: 'EXECUTE_IN_PROGRESS',
          Changes: [resourceChange('Modify', 'Vpc', 'AWS::EC2::VPC', 'False')],
        },
      },
      stackIs('UPDATE_IN_PROGRESS'),
    ]);

    const progress = await deployer.start(request);

    replay.assertFinished();
    expect(progress.state).toBe('IN_PROGRESS');
    expect(progress.changeSetId).toBe(CHANGE_SET_ARN);
    expect(progress.changes).toEqual([
      {
        action: 'Modify',
        logicalId: 'Vpc',
        resourceType: 'AWS::EC2::VPC',
        replacement: 'False',
        configKeys: [],
      },
    ]);
  });

  it('raises DependencyError when CloudFormation throttles, so the state machine retries', async () => {
    const { deployer } = deployerFor([
      { operation: 'DescribeStacks', error: { name: 'Throttling', message: 'Rate exceeded' } },
    ]);

    await expect(deployer.start(request)).rejects.toMatchObject({
      name: 'DependencyError',
      message: 'CloudFormation DescribeStacks failed (received Throttling: Rate exceeded)',
    });
  });

  it('raises DependencyError when the change set is still being created at the deadline', async () => {
    const { deployer } = deployerFor([
      missingStack,
      createChangeSet('CREATE'),
      ...Array.from({ length: 50 }, () => changeSetIs('CREATE_IN_PROGRESS')),
    ]);

    await expect(deployer.start(request)).rejects.toMatchObject({
      name: 'DependencyError',
      message: `change set ${CHANGE_SET_ARN} did not finish within 50 ms (received CREATE_IN_PROGRESS)`,
    });
  });
});

describe('CloudFormationDeployer.poll', () => {
  const started = { state: 'IN_PROGRESS' as const, changeSetId: CHANGE_SET_ARN, changes: [] };

  it('keeps waiting through update and rollback progress statuses', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_IN_PROGRESS'),
      stackIs('UPDATE_ROLLBACK_IN_PROGRESS'),
    ]);

    const first = await deployer.poll(request, started);
    const second = await deployer.poll(request, first);

    replay.assertFinished();
    expect([first.state, first.stackStatus]).toEqual(['IN_PROGRESS', 'UPDATE_IN_PROGRESS']);
    expect([second.state, second.stackStatus]).toEqual([
      'IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
    ]);
  });

  it('reports APPLIED on UPDATE_COMPLETE and then sets termination protection', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_COMPLETE', { EnableTerminationProtection: false }),
      {
        operation: 'UpdateTerminationProtection',
        input: { StackName: 'demo', EnableTerminationProtection: true },
      },
    ]);

    const progress = await deployer.poll({ ...request, terminationProtection: true }, started);

    replay.assertFinished();
    expect([progress.state, progress.stackStatus]).toEqual(['APPLIED', 'UPDATE_COMPLETE']);
  });

  it('reports ROLLED_BACK with the first real cause of this request, not the cancellations', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_ROLLBACK_COMPLETE', {
        StackStatusReason: 'The following resource(s) failed to update: [Controller]',
      }),
      {
        operation: 'DescribeStackEvents',
        input: { StackName: 'demo' },
        output: {
          // Newest first, as CloudFormation returns them.
          StackEvents: [
            event('demo-7-apply', 'demo', 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
            event(
              'demo-7-apply',
              'Worker',
              'AWS::AutoScaling::AutoScalingGroup',
              'UPDATE_FAILED',
              'Resource update cancelled',
            ),
            event(
              'demo-7-apply',
              'Controller',
              'AWS::AutoScaling::AutoScalingGroup',
              'UPDATE_FAILED',
              'Received 0 SUCCESS signal(s) out of 1',
            ),
          ],
          NextToken: 'older',
        },
      },
      {
        operation: 'DescribeStackEvents',
        input: { StackName: 'demo', NextToken: 'older' },
        output: {
          StackEvents: [
            event(
              'demo-7-apply',
              'ApiLb',
              'AWS::ElasticLoadBalancing::LoadBalancer',
              'UPDATE_FAILED',
              'Subnet subnet-1 is in a different VPC',
            ),
            event(
              'demo-6-apply',
              'Etcd0',
              'AWS::EC2::Instance',
              'UPDATE_FAILED',
              'an older revision failed here',
            ),
          ],
        },
      },
    ]);

    const progress = await deployer.poll(request, started);

    replay.assertFinished();
    expect(progress.state).toBe('ROLLED_BACK');
    expect(progress.cause).toBe(
      'ApiLb (AWS::ElasticLoadBalancing::LoadBalancer) UPDATE_FAILED: Subnet subnet-1 is in a different VPC',
    );
  });

  it('falls back to the stack status reason when no event of this request names a cause', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('ROLLBACK_COMPLETE', {
        StackStatusReason: 'The following resource(s) failed to create: [Vpc]',
      }),
      {
        operation: 'DescribeStackEvents',
        input: { StackName: 'demo' },
        output: { StackEvents: [] },
      },
    ]);

    const progress = await deployer.poll(request, started);

    replay.assertFinished();
    expect(progress.state).toBe('FAILED');
    expect(progress.cause).toBe('The following resource(s) failed to create: [Vpc]');
  });

  it('reports NEEDS_RECOVERY with the exact remedy when the rollback of our update failed', async () => {
    const { deployer, replay } = deployerFor([
      stackIs('UPDATE_ROLLBACK_FAILED'),
      {
        operation: 'DescribeStackResources',
        input: { StackName: 'demo' },
        output: {
          StackResources: [{ LogicalResourceId: 'Etcd0', ResourceStatus: 'UPDATE_FAILED' }],
        },
      },
    ]);

    const progress = await deployer.poll(request, started);

    replay.assertFinished();
    expect(progress.state).toBe('NEEDS_RECOVERY');
    expect(progress.cause).toBe('stack demo is UPDATE_ROLLBACK_FAILED (Etcd0: no reason given)');
    expect(progress.remedy).toBe(
      'fix the cause, then run: aws cloudformation continue-update-rollback --stack-name demo --resources-to-skip Etcd0; or delete the stack',
    );
  });

  it('reports FAILED when the stack disappeared under the run', async () => {
    const { deployer } = deployerFor([missingStack]);

    const progress = await deployer.poll(request, started);

    expect(progress.state).toBe('FAILED');
    expect(progress.cause).toBe('stack demo no longer exists');
  });
});

describe('deriveChangeSetName', () => {
  it('prefixes a token that already fits the change set name rules', () => {
    expect(deriveChangeSetName('demo-7-apply')).toBe('kube-aws-demo-7-apply');
  });

  it('hashes a token with characters a change set name does not allow', () => {
    expect(deriveChangeSetName('demo_7.apply')).toMatch(/^kube-aws-[0-9a-f]{40}$/);
    expect(deriveChangeSetName('demo_7.apply')).not.toBe(deriveChangeSetName('demo_8.apply'));
  });
});
