import { readFile } from 'node:fs/promises';
import { CreateKeyPairCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiGatewayEvent } from '../../../functions/api-gateway-event.ts';
import { ENV } from '../../../lib/env-names.ts';
import { createRevisionTable } from '../../support/dynalite.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';

const hasMoto = requireTool('moto_server', ['--help']);
const EXAMPLE = new URL('../../../examples/cluster.yaml', import.meta.url);

const context = {
  functionName: 'kube-aws-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:kube-aws-test',
  memoryLimitInMB: '512',
  awsRequestId: 'request-1',
  logGroupName: '/aws/lambda/kube-aws-test',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** A partial HTTP API (v2) event: only the fields the router reads. */
function apiEvent(
  method: string,
  path: string,
  body?: string,
  query?: Record<string, string>,
): ApiGatewayEvent {
  return {
    version: '2.0',
    rawPath: path,
    ...(query === undefined ? {} : { queryStringParameters: query }),
    headers: body === undefined ? {} : { 'content-type': 'application/yaml' },
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'api-request-1',
      http: { method },
      authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/tester' } },
    },
  } as unknown as ApiGatewayEvent;
}

/** Each Lambda handler as the runtime calls it, its deps built from the environment, on moto. */
describe.skipIf(!hasMoto)('the Lambda handlers against moto', () => {
  let moto: MotoServer;
  let s3: S3Client;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    for (const bucket of ['artifacts-bucket', 'submissions-bucket']) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
    const kms = new KMSClient(config);
    const key = await kms.send(new CreateKeyCommand({}));
    kms.destroy();
    const ec2 = new EC2Client(config);
    await ec2.send(new CreateKeyPairCommand({ KeyName: 'demo-admin' }));
    ec2.destroy();
    const route53 = new Route53Client(config);
    await route53.send(
      new CreateHostedZoneCommand({ Name: 'k8s.example.com', CallerReference: 'handlers' }),
    );
    route53.destroy();
    const sfn = new SFNClient(config);
    const machine = await sfn.send(
      new CreateStateMachineCommand({
        name: 'provision',
        roleArn: 'arn:aws:iam::123456789012:role/provision',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    sfn.destroy();

    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      [ENV.region]: 'us-east-1',
      [ENV.artifactsBucket]: 'artifacts-bucket',
      [ENV.submissionsBucket]: 'submissions-bucket',
      [ENV.revisionsTable]: await createRevisionTable(config),
      [ENV.assetKeyArn]: key.KeyMetadata?.Arn ?? '',
      [ENV.stateMachineArn]: machine.stateMachineArn ?? '',
      [ENV.s3ForcePathStyle]: 'true',
    });
  });
  afterAll(async () => {
    process.env = saved;
    s3?.destroy();
    await moto?.stop();
  });

  it('submit-api answers a POST with 202 and starts the execution in Step Functions', async () => {
    const { handler } = await import('../../../functions/submit-api/handler.ts');

    const result = await handler(
      apiEvent('POST', '/clusters', await readFile(EXAMPLE, 'utf8')),
      context,
    );

    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toMatchObject({
      cluster: 'demo',
      revision: 1,
      outcome: 'started',
      executionArn: `${process.env[ENV.stateMachineArn]?.replace(':stateMachine:', ':execution:')}:demo-1`,
    });
  });

  it('status-api serves the revision the POST recorded, with its IAM submitter', async () => {
    const { handler } = await import('../../../functions/status-api/handler.ts');

    const result = await handler(apiEvent('GET', '/clusters/demo/revisions/1'), context);

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      revision: 1,
      submitter: 'arn:aws:iam::123456789012:user/tester',
      source: { kind: 'api' },
    });
  });

  it('status-api hands the query string to the revision list, a page at a time', async () => {
    const { handler } = await import('../../../functions/status-api/handler.ts');

    const page = await handler(
      apiEvent('GET', '/clusters/demo/revisions', undefined, { limit: '1', before: '2' }),
      context,
    );
    const refused = await handler(
      apiEvent('GET', '/clusters/demo/revisions', undefined, { limit: '500' }),
      context,
    );

    expect(page.statusCode).toBe(200);
    expect(JSON.parse(page.body)).toMatchObject({
      revisions: [{ revision: 1 }],
      links: {},
    });
    expect([refused.statusCode, JSON.parse(refused.body).error.message]).toEqual([
      400,
      'limit must be an integer from 1 to 100 (received "500")',
    ]);
  });

  it('submit-s3 submits an EventBridge Object Created event and writes validation.json', async () => {
    const { handler } = await import('../../../functions/submit-s3/handler.ts');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'submissions-bucket',
        Key: 'clusters/demo/cluster.yaml',
        Body: (await readFile(EXAMPLE, 'utf8')).replace('workerCount: 2', 'workerCount: 3'),
      }),
    );

    const outcome = await handler(
      {
        version: '0',
        id: 'event-1',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {
          bucket: { name: 'submissions-bucket' },
          object: { key: 'clusters/demo/cluster.yaml' },
          requester: '123456789012',
        },
      },
      context,
    );
    const validation = await s3.send(
      new GetObjectCommand({ Bucket: 'submissions-bucket', Key: 'clusters/demo/validation.json' }),
    );

    expect(outcome).toMatchObject({ outcome: 'submitted', cluster: 'demo', revision: 2 });
    expect(JSON.parse(await validation.Body!.transformToString())).toMatchObject({
      valid: true,
      revision: 2,
      errors: [],
    });
  });

  it('a task function refuses a step that belongs to another function, by error name', async () => {
    const { handler } = await import('../../../functions/validate/handler.ts');

    await expect(
      handler(
        {
          cluster: 'demo',
          revision: 1,
          correlationId: 'c',
          step: 'render',
          state: { cluster: 'demo', revision: 1, correlationId: 'c' },
        },
        context,
      ),
    ).rejects.toMatchObject({
      name: 'InvariantError',
      message: 'step render is not served by this function',
    });
  });

  it('the validate function asks moto about the account and fails with a name Catch matches', async () => {
    const { handler } = await import('../../../functions/validate/handler.ts');
    const input = { cluster: 'demo', revision: 1, correlationId: 'c' };

    // The example names a hosted zone id that exists in no account, moto's included.
    await expect(
      handler({ ...input, step: 'validate', state: input }, context),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(
        'hostedZoneId must name an existing Route 53 hosted zone (received "Z0EXAMPLE1234567890AB")',
      ),
    });
  });
});
