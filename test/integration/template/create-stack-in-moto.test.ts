import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateKeyPairCommand,
  CreateRouteTableCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import type { ClusterConfig } from '../../../schemas/cluster-config.ts';
import { renderTemplate } from '../../../stack/template/render-template.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { MATRIX, matrixInput } from '../../unit/template/template-matrix.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const BUCKET = 'kube-aws-artifacts';

/** moto runs a create synchronously, so a bounded poll only guards against a stuck emulator. */
async function waitForStack(client: CloudFormationClient, name: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; attempt < 60 && Date.now() < deadline; attempt += 1) {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: name }));
    const status = Stacks?.[0]?.StackStatus ?? 'MISSING';
    if (!status.endsWith('_IN_PROGRESS')) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  throw new Error(`stack ${name} did not settle within 30 s`);
}

describe.skipIf(!hasMoto)('rendered templates in moto CloudFormation', () => {
  let moto: MotoServer;
  let ec2: EC2Client;
  let cloudFormation: CloudFormationClient;
  let store: S3ObjectStore;
  let imageId: string;
  let hostedZoneId: string;

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    ec2 = new EC2Client(config);
    cloudFormation = new CloudFormationClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    store = new S3ObjectStore({ ...config, bucket: BUCKET, forcePathStyle: true });
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-key' }));
    const images = await ec2.send(new DescribeImagesCommand({}));
    imageId = images.Images?.[0]?.ImageId ?? '';
    const route53 = new Route53Client(config);
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: 'demo.example.com', CallerReference: 'template-test' }),
    );
    hostedZoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    route53.destroy();
  });

  afterAll(async () => {
    ec2?.destroy();
    cloudFormation?.destroy();
    store?.destroy();
    await moto?.stop();
  });

  /** Points the case at what exists in this moto: its AMI, zone, and a fresh VPC when needed. */
  async function adapt(config: ClusterConfig): Promise<ClusterConfig> {
    const adapted: ClusterConfig = { ...config, amiId: imageId };
    if (config.hostedZoneId !== '') adapted.hostedZoneId = hostedZoneId;
    if (config.vpcId === '') return adapted;

    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: config.vpcCIDR }));
    adapted.vpcId = vpc.Vpc?.VpcId ?? '';
    if (config.routeTableId !== '') {
      const table = await ec2.send(new CreateRouteTableCommand({ VpcId: adapted.vpcId }));
      adapted.routeTableId = table.RouteTable?.RouteTableId ?? '';
    }

    return adapted;
  }

  const cases = MATRIX.map((entry, index) => ({ ...entry, stackName: `demo-${index}` })).filter(
    (entry) => entry.motoGap === undefined,
  );

  it.each(cases)('creates the stack for $name', async ({ config, stackName }) => {
    const adapted = await adapt(config);
    const { template } = renderTemplate(matrixInput({ ...adapted, clusterName: stackName }));
    const body = canonicalJson(template);
    const key = `clusters/${stackName}/templates/${sha256Hex(body)}.json`;
    await store.put(key, body, 'application/json');

    await cloudFormation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateURL: store.urlFor(key),
        Capabilities: ['CAPABILITY_IAM'],
      }),
    );
    const status = await waitForStack(cloudFormation, stackName);
    const instances = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:KubernetesCluster', Values: [stackName] },
          { Name: 'tag:Name', Values: [`${stackName}-controller-*`] },
        ],
      }),
    );
    const controllerIps = (instances.Reservations ?? [])
      .flatMap((reservation) => reservation.Instances ?? [])
      .map((instance) => instance.PrivateIpAddress)
      .sort();

    expect(status).toBe('CREATE_COMPLETE');
    expect(controllerIps).toEqual(
      Array.from({ length: config.controllerCount }, (_, index) =>
        config.controllerIP.replace(/\d+$/, (last) => String(Number(last) + index)),
      ),
    );
  });
});
