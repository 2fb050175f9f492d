import {
  CloudFormationClient,
  DescribeChangeSetCommand,
  DescribeStacksCommand,
  ListChangeSetsCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFormationDeployer } from '../../../adapters/aws/cloudformation-deployer.ts';
import { S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import type { ApplyProgress, ApplyRequest } from '../../../ports/stack-deployer.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);

const vpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };
const subnet = (cidr: string) => ({
  Type: 'AWS::EC2::Subnet',
  Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: cidr },
});
const TEMPLATES = {
  first: { Resources: { Vpc: vpc } },
  second: { Resources: { Vpc: vpc, Subnet0: subnet('10.0.1.0/24') } },
  broken: {
    Resources: { Vpc: vpc, Subnet0: subnet('10.0.1.0/24'), Bad: subnet('192.168.1.0/24') },
  },
};

describe.skipIf(!hasMoto)('CloudFormationDeployer on moto', () => {
  let moto: MotoServer;
  let store: S3ObjectStore;
  let cfn: CloudFormationClient;
  let deployer: CloudFormationDeployer;

  async function requestFor(
    template: keyof typeof TEMPLATES,
    revision: number,
  ): Promise<ApplyRequest> {
    const body = JSON.stringify(TEMPLATES[template]);
    const key = `clusters/demo/templates/${template}.json`;
    await store.put(key, body, 'application/json');
    return {
      stackName: 'demo',
      templateUrl: store.urlFor(key),
      templateBody: body,
      previousTemplateBody: undefined,
      stackPolicyBody: undefined,
      tags: { KubernetesCluster: 'demo' },
      terminationProtection: false,
      clientToken: `demo-${revision}-apply`,
    };
  }

  /** Polls like the state machine's wait loop, with a bound on the rounds. */
  async function runToEnd(request: ApplyRequest): Promise<ApplyProgress[]> {
    const seen = [await deployer.start(request)];
    for (let round = 0; round < 10 && seen.at(-1)?.state === 'IN_PROGRESS'; round++) {
      seen.push(await deployer.poll(request, seen.at(-1)!));
    }
    return seen;
  }

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'artefacts' }));
    s3.destroy();
    store = new S3ObjectStore({ bucket: 'artefacts', ...config });
    cfn = new CloudFormationClient(config);
    deployer = new CloudFormationDeployer({ ...config, pollIntervalMs: 50 });
  });

  afterAll(async () => {
    store?.destroy();
    cfn?.destroy();
    await moto?.stop();
  });

  // The cases build on each other: create, update, no-op, repeat, failure.
  it('creates the stack from a TemplateURL and reports APPLIED at CREATE_COMPLETE', async () => {
    const seen = await runToEnd(await requestFor('first', 1));

    expect(seen.map((progress) => progress.state)).toEqual(['IN_PROGRESS', 'APPLIED']);
    expect(seen[1]?.stackStatus).toBe('CREATE_COMPLETE');
    expect(seen[0]?.changes).toEqual([
      {
        action: 'Add',
        logicalId: 'Vpc',
        resourceType: 'AWS::EC2::VPC',
        replacement: 'N/A',
        configKeys: [],
      },
    ]);
    const stacks = await cfn.send(new DescribeStacksCommand({ StackName: 'demo' }));
    expect(stacks.Stacks?.[0]?.Tags).toEqual([{ Key: 'KubernetesCluster', Value: 'demo' }]);
  });

  it('updates the stack with an UPDATE change set and reports APPLIED at UPDATE_COMPLETE', async () => {
    const seen = await runToEnd(await requestFor('second', 2));

    expect(seen.map((progress) => progress.state)).toEqual(['IN_PROGRESS', 'APPLIED']);
    expect(seen[1]?.stackStatus).toBe('UPDATE_COMPLETE');
    expect(seen[0]?.changes.map((change) => [change.action, change.logicalId])).toEqual([
      ['Add', 'Subnet0'],
    ]);
  });

  it('reports NOOP for an unchanged template and deletes the empty change set', async () => {
    const seen = await runToEnd(await requestFor('second', 3));

    expect(seen.map((progress) => progress.state)).toEqual(['NOOP']);
    await expect(
      cfn.send(
        new DescribeChangeSetCommand({ StackName: 'demo', ChangeSetName: 'kube-aws-demo-3-apply' }),
      ),
    ).rejects.toThrow('does not exist');
  });

  it('follows the executed change set when the same revision starts again', async () => {
    const before = await cfn.send(new ListChangeSetsCommand({ StackName: 'demo' }));

    const again = await deployer.start(await requestFor('second', 2));

    expect([again.state, again.stackStatus]).toEqual(['APPLIED', 'UPDATE_COMPLETE']);
    const after = await cfn.send(new ListChangeSetsCommand({ StackName: 'demo' }));
    expect(after.Summaries?.length).toBe(before.Summaries?.length);
  });

  it('reports FAILED with the resource error that moto raises while executing', async () => {
    const seen = await runToEnd(await requestFor('broken', 4));

    expect(seen.map((progress) => progress.state)).toEqual(['FAILED']);
    expect(seen[0]?.cause).toBe(
      "change set execution failed: The CIDR '192.168.1.0/24' is invalid.",
    );
  });
});
