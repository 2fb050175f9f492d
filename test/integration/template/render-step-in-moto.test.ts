import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson } from '../../../lib/hash.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { renderStep } from '../../../pipeline/render-step.ts';
import type { TaskInput } from '../../../schemas/state-payloads.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { buildNodeAssets, exampleConfig } from '../../unit/userdata/node-assets-fixture.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const BUCKET = 'kube-aws-render-step';

describe.skipIf(!hasMoto)('renderStep against moto S3 and CloudFormation', () => {
  let moto: MotoServer;
  let store: S3ObjectStore;
  let cloudFormation: CloudFormationClient;
  let imageId: string;
  let hostedZoneId: string;

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    store = new S3ObjectStore({ ...config, bucket: BUCKET, forcePathStyle: true });
    cloudFormation = new CloudFormationClient(config);
    const ec2 = new EC2Client(config);
    imageId = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId ?? '';
    ec2.destroy();
    const route53 = new Route53Client(config);
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: 'k8s.example.com', CallerReference: 'render-step' }),
    );
    hostedZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    route53.destroy();
  });

  afterAll(async () => {
    store?.destroy();
    cloudFormation?.destroy();
    await moto?.stop();
  });

  it('stores a template that CloudFormation creates from its TemplateURL', async () => {
    const config = exampleConfig({ amiId: imageId, hostedZoneId });
    const configKey = artifactKeys.config('demo', 1);
    const nodeAssetsKey = artifactKeys.nodeAssets('demo', 1);
    await store.put(configKey, canonicalJson(config), 'application/json');
    await store.put(nodeAssetsKey, canonicalJson(buildNodeAssets('demo')), 'application/json');
    const input: TaskInput = {
      cluster: 'demo',
      revision: 1,
      correlationId: 'corr-1',
      step: 'render',
      state: {
        cluster: 'demo',
        revision: 1,
        correlationId: 'corr-1',
        validation: { configKey, configSha256: 'x', warnings: 0 },
        encryption: { nodeAssetsKey, encrypted: [], reused: [] },
      },
    };

    const result = await renderStep(input, { artifacts: store } as Partial<Deps> as Deps);
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'demo',
        TemplateURL: store.urlFor(result.templateKey),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    // moto creates synchronously; one describe is the whole wait.
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'demo' }));
    const offloaded = await store.list('clusters/demo/userdata/');

    expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    expect(offloaded).toEqual([expect.stringMatching(/^clusters\/demo\/userdata\/controller0-/)]);
    expect(new TextDecoder().decode(await store.get(offloaded[0] ?? ''))).toMatch(
      /^#cloud-config\n/,
    );
  });
});
