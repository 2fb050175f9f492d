import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateKeyPairCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFormationDeployer } from '../../../adapters/aws/cloudformation-deployer.ts';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import { Ec2CloudInventory } from '../../../adapters/aws/ec2-cloud-inventory.ts';
import { KmsKeyService } from '../../../adapters/aws/kms-key-service.ts';
import { Route53DnsZones } from '../../../adapters/aws/route53-dns-zones.ts';
import { S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import { LocalWorkflow } from '../../../adapters/embedded/local-workflow.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { runTask } from '../../../pipeline/run-task.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import { openSealedKeys } from '../../e2e/open-private-keys.ts';
import { type ScannedBlob, scanForSecrets } from '../../e2e/scan-for-secrets.ts';
import { createRevisionTable } from '../../support/dynalite.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const ARTIFACTS = 'kube-aws-artifacts';
const EXAMPLE = new URL('../../../examples/cluster.yaml', import.meta.url);

/** The provision definition with the AWS adapters, against moto: what a deployed backend does. */
describe.skipIf(!hasMoto)('provision.asl.json with the AWS adapters against moto', () => {
  let moto: MotoServer;
  let stateDir: string;
  let deps: Deps;
  let workflow: LocalWorkflow;
  let clusterYaml: string;
  const cleanups: Array<() => void> = [];
  /** Everything written to stdout during the suite: the logger's lines among it. */
  const logged: string[] = [];

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logged.push(Buffer.from(chunk).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    cleanups.push(() => {
      process.stdout.write = write;
    });
    moto = await startMoto();
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-moto-workflow-'));
    const config = motoClientConfig(moto.endpoint);

    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: ARTIFACTS }));
    s3.destroy();
    const kms = new KMSClient(config);
    const key = await kms.send(new CreateKeyCommand({ Description: 'kube-aws assets' }));
    kms.destroy();
    const ec2 = new EC2Client(config);
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-admin' }));
    const images = await ec2.send(new DescribeImagesCommand({}));
    ec2.destroy();
    const route53 = new Route53Client(config);
    const zone = await route53.send(
      new CreateHostedZoneCommand({
        Name: 'k8s.example.com',
        CallerReference: 'provision-in-moto',
      }),
    );
    route53.destroy();
    const tableName = await createRevisionTable(config);

    const keyArn = key.KeyMetadata?.Arn ?? '';
    const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    clusterYaml = (await readFile(EXAMPLE, 'utf8'))
      .replace(/^hostedZoneId: .*$/m, `hostedZoneId: ${zoneId}`)
      .replace(/^kmsKeyArn: .*$/m, `kmsKeyArn: ${keyArn}`)
      .concat(`amiId: ${images.Images?.[0]?.ImageId ?? ''}\n`);

    const artifacts = new S3ObjectStore({ ...config, bucket: ARTIFACTS, forcePathStyle: true });
    const revisions = new DynamoDbRevisionStore({ tableName, client: config });
    cleanups.push(
      () => artifacts.destroy(),
      () => revisions.destroy(),
    );
    workflow = new LocalWorkflow({
      stateDir,
      runTask: (input) => runTask(input, deps),
      waitOverrideMs: 50,
      retryIntervalOverrideMs: 50,
    });
    deps = {
      artifacts,
      revisions,
      keys: new KmsKeyService({ ...config, keyId: keyArn }),
      deployer: new CloudFormationDeployer({ ...config, pollIntervalMs: 50 }),
      dns: new Route53DnsZones(config),
      inventory: new Ec2CloudInventory(config),
      workflow,
      queueMode: 'queue',
      now: () => new Date(),
    };
  });

  afterAll(async () => {
    await workflow?.waitForIdle();
    for (const cleanup of cleanups) cleanup();
    await moto?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('applies the example cluster to CREATE_COMPLETE and records revision 1 APPLIED', async () => {
    const submitted = await submitClusterYaml(
      {
        text: clusterYaml,
        file: 'cluster.yaml',
        source: { kind: 'api' },
        submitter: 'arn:aws:iam::123456789012:user/tester',
        correlationId: 'moto-1',
      },
      deps,
    );
    expect(submitted.outcome).toBe('started');
    const finished = await workflow.waitForCompletion(submitted.executionArn ?? '');
    const revision = await deps.revisions.get('demo', submitted.revision);

    expect({
      execution: finished?.status,
      revision: revision?.status,
      error: revision?.error,
    }).toEqual({
      execution: 'SUCCEEDED',
      revision: 'APPLIED',
      error: undefined,
    });
    expect(revision?.transitions.map((transition) => transition.status)).toEqual([
      'QUEUED',
      'RUNNING',
      'APPLIED',
    ]);
    expect(await deps.revisions.getCluster('demo')).toMatchObject({
      latestRevision: 1,
      lastApplied: 1,
    });

    const cloudFormation = new CloudFormationClient(motoClientConfig(moto.endpoint));
    const stacks = await cloudFormation.send(new DescribeStacksCommand({ StackName: 'demo' }));
    cloudFormation.destroy();
    expect(stacks.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');

    const s3 = new S3Client({ ...motoClientConfig(moto.endpoint), forcePathStyle: true });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: ARTIFACTS, Prefix: 'clusters/demo/' }),
    );
    s3.destroy();
    const keys = (listed.Contents ?? []).map((object) => object.Key ?? '');
    expect(keys).toContain(revision?.templateKey);
    expect(keys).toContain('clusters/demo/revisions/000001/assets.json');
    expect(keys).toContain('clusters/demo/revisions/000001/node-assets.json');
  });

  it('records the same file again as NOOP, and a changed worker count as an applied update', async () => {
    const submit = async (text: string, correlationId: string) => {
      const submitted = await submitClusterYaml(
        { text, file: 'cluster.yaml', source: { kind: 'api' }, submitter: 'tester', correlationId },
        deps,
      );
      await workflow.waitForCompletion(submitted.executionArn ?? '');
      return deps.revisions.get('demo', submitted.revision);
    };

    const same = await submit(clusterYaml, 'moto-2');
    const changed = await submit(clusterYaml.replace('workerCount: 2', 'workerCount: 3'), 'moto-3');

    expect([same?.revision, same?.status, same?.templateSha256]).toEqual([
      2,
      'NOOP',
      (await deps.revisions.get('demo', 1))?.templateSha256,
    ]);
    expect([changed?.revision, changed?.status]).toEqual([3, 'APPLIED']);
    expect(await deps.revisions.getCluster('demo')).toMatchObject({
      latestRevision: 3,
      lastApplied: 3,
    });
  });

  it('finds no PEM private key and no plaintext key bytes in objects, revisions, events or log lines', async () => {
    const s3 = new S3Client({ ...motoClientConfig(moto.endpoint), forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: ARTIFACTS }));
    const blobs: ScannedBlob[] = [];
    for (const object of listed.Contents ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: ARTIFACTS, Key: object.Key }));
      blobs.push({ source: object.Key ?? '', bytes: await body.Body!.transformToByteArray() });
    }
    s3.destroy();
    const revisions = await deps.revisions.list('demo');
    blobs.push({ source: 'revision items', bytes: Buffer.from(JSON.stringify(revisions)) });
    for (const revision of revisions) {
      const events = await workflow.history(revision.executionArn ?? '');
      blobs.push({
        source: `history ${revision.revision}`,
        bytes: Buffer.from(JSON.stringify(events)),
      });
    }
    blobs.push({ source: 'log lines', bytes: Buffer.from(logged.join('')) });
    const secrets = await openSealedKeys(blobs, deps.keys);

    expect(logged.join('')).toContain('"message":"revision allocated"');
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    expect(scanForSecrets(blobs, secrets)).toEqual([]);
  });
});
