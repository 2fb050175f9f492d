import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_LOG_RETENTION } from '../../infra/backend-functions.ts';
import {
  BACKEND_FUNCTIONS,
  type BackendFunctionName,
  FUNCTION_SPECS,
} from '../../infra/function-specs.ts';
import { ENV } from '../../lib/env-names.ts';
import { RuntimeConfigSchema } from '../../lib/runtime-config.ts';
import { FUNCTION_ARN_VARIABLES, TASK_FUNCTIONS } from '../../state-machines/state-names.ts';
import {
  collectStatements,
  resourcesOfType,
  type SynthesisedBackend,
  synthesiseBackend,
} from './synthesise-backend.ts';

const definition = JSON.parse(
  readFileSync(new URL('../../state-machines/provision.asl.json', import.meta.url), 'utf8'),
) as { TimeoutSeconds?: number; States: Record<string, { TimeoutSeconds?: number }> };

let backend: SynthesisedBackend;

beforeAll(() => {
  backend = synthesiseBackend({ bundle: false });
}, 120_000);

describe('environment', () => {
  it('synthesises without an AWS account: no account id or region is written into the template', () => {
    const text = JSON.stringify(backend.json);

    expect(text.match(/\b\d{12}\b/g)).toBeNull();
    expect(text.match(/\b(?:us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d\b/g)).toBeNull();
    expect(text).toContain('{"Ref":"AWS::AccountId"}');
  });
});

describe('functions', () => {
  it('deploys one arm64 nodejs24.x function per handler, each exporting index.handler', () => {
    const functions = resourcesOfType(backend.json, 'AWS::Lambda::Function');

    expect(Object.keys(functions).sort()).toEqual(Object.values(backend.functionIds).sort());
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('sets exactly the variables the config module reads, except the region Lambda sets', () => {
    // Set by Lambda itself, or only meaningful against a local emulator.
    const notSetByInfra: string[] = [ENV.region, ENV.s3ForcePathStyle];
    const required = Object.keys(RuntimeConfigSchema.shape)
      .filter((name) => !notSetByInfra.includes(name))
      .sort();

    for (const name of BACKEND_FUNCTIONS) {
      const fn = backend.json.Resources[backend.functionIds[name]]!;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> })
        .Variables;
      expect({ name, keys: Object.keys(variables).sort() }).toEqual({ name, keys: required });
    }
  });

  it('gives each function the memory, timeout and log retention of its spec', () => {
    for (const name of BACKEND_FUNCTIONS) {
      const fn = backend.json.Resources[backend.functionIds[name]]!;
      expect(fn.Properties).toMatchObject({
        MemorySize: FUNCTION_SPECS[name].memoryMiB,
        Timeout: FUNCTION_SPECS[name].timeoutSeconds,
      });
      const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup
        .Ref;
      expect(backend.json.Resources[logGroupId]?.Properties.RetentionInDays).toBe(
        FUNCTION_LOG_RETENTION,
      );
    }
  });

  it('times out each task function before the Task state that calls it does', () => {
    for (const [state, name] of Object.entries(TASK_FUNCTIONS)) {
      const stateTimeout = definition.States[state]?.TimeoutSeconds;
      expect({ state, below: FUNCTION_SPECS[name].timeoutSeconds < (stateTimeout ?? 0) }).toEqual({
        state,
        below: true,
      });
    }
  });
});

describe('permissions', () => {
  it('allows no action that is `*` or a whole service', () => {
    // Deny statements (the TLS-only bucket policies deny `s3:*`) only take rights away.
    const actions = collectStatements(backend.json.Resources)
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) => [statement.Action ?? [], statement.NotAction ?? []].flat());

    expect(actions.length).toBeGreaterThan(50);
    expect(
      actions.filter((action) => action === '*' || /^[a-z0-9-]+:\*$/.test(String(action))),
    ).toEqual([]);
  });

  it('gives each sensitive action only to the functions whose step makes that call', () => {
    const actionsOf = (name: BackendFunctionName): string[] => {
      const roleId = backend.stack.getLogicalId(
        backend.stack.functions.byName[name].role.node.defaultChild as never,
      );
      const policies = Object.values(resourcesOfType(backend.json, 'AWS::IAM::Policy')).filter(
        (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
      );
      return collectStatements(policies).flatMap(
        (statement) => [statement.Action ?? []].flat() as string[],
      );
    };
    const holders = (action: string) =>
      BACKEND_FUNCTIONS.filter((name) => actionsOf(name).includes(action));

    expect(holders('states:StartExecution')).toEqual(['submit-api', 'submit-s3']);
    expect(holders('dynamodb:PutItem')).toEqual([
      'submit-api',
      'submit-s3',
      'generate-assets',
      'apply',
      'record',
    ]);
    expect(holders('dynamodb:GetItem')).toEqual([
      'submit-api',
      'submit-s3',
      'validate',
      'generate-assets',
      'apply',
      'record',
      'status-api',
    ]);
    expect(holders('iam:PassRole')).toEqual(['apply']);
    expect(holders('cloudformation:ExecuteChangeSet')).toEqual(['apply']);
    expect(holders('sns:Publish')).toEqual(['record']);
    expect(holders('kms:Encrypt')).toEqual(['validate']);
    expect(holders('s3:PutObject')).toEqual([
      'submit-api',
      'submit-s3',
      'validate',
      'generate-assets',
      'encrypt',
      'render',
    ]);
  });

  it('lets apply create change sets only with the deployment role and delete only cluster stacks', () => {
    const statements = collectStatements(resourcesOfType(backend.json, 'AWS::IAM::Policy'));
    const deploymentRoleId = backend.stack.getLogicalId(
      backend.stack.node.findChild('ClusterDeployment').node.findChild('Role').node
        .defaultChild as never,
    );

    expect(statements.filter((s) => s.Action === 'cloudformation:CreateChangeSet')).toEqual([
      expect.objectContaining({
        Condition: {
          StringEquals: { 'cloudformation:RoleArn': { 'Fn::GetAtt': [deploymentRoleId, 'Arn'] } },
        },
      }),
    ]);
    expect(statements.filter((s) => s.Action === 'cloudformation:DeleteStack')).toEqual([
      expect.objectContaining({
        Condition: { Null: { 'aws:ResourceTag/KubernetesCluster': 'false' } },
      }),
    ]);
  });

  it('uses no AWS-managed policy on any function role', () => {
    const roles = resourcesOfType(backend.json, 'AWS::IAM::Role');
    const lambdaRoles = Object.values(roles).filter((role) =>
      JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );

    expect(lambdaRoles).toHaveLength(BACKEND_FUNCTIONS.length);
    for (const role of lambdaRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('lets cluster nodes decrypt only node-context ciphertext and administrators not at all', () => {
    const keys = Object.values(resourcesOfType(backend.json, 'AWS::KMS::Key'));
    const assetKey = keys.find((key) =>
      String(key.Properties.Description).includes('cluster TLS assets'),
    )!;
    const statements = collectStatements(assetKey.Properties.KeyPolicy);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));

    expect(assetKey.Properties.EnableKeyRotation).toBe(true);
    expect(bySid.ClusterNodesDecryptNodeAssets).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:EncryptionContext:kube-aws:purpose': 'node' } },
    });
    const adminActions = bySid.KeyAdministration?.Action as string[];
    expect(
      adminActions.filter((action) => /Encrypt|Decrypt|GenerateDataKey|CreateGrant/.test(action)),
    ).toEqual([]);
    expect(bySid.UsabilityProbeEncrypt).toMatchObject({
      Action: 'kms:Encrypt',
      Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'kube-aws-validate' } },
    });
    expect(bySid.BackendSealing).toMatchObject({
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Condition: { StringEquals: { 'kms:EncryptionContext:kube-aws:purpose': 'backend' } },
    });
  });
});

describe('api', () => {
  it('requires IAM authorisation on every method', () => {
    const methods = Object.values(resourcesOfType(backend.json, 'AWS::ApiGateway::Method'));

    expect(methods.length).toBe(7);
    for (const method of methods) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    }
  });

  it('serves the routes of the design and nothing else', () => {
    const resources = resourcesOfType(backend.json, 'AWS::ApiGateway::Resource');
    const pathOf = (id: string): string => {
      const resource = resources[id];
      if (resource === undefined) return '';
      const parent = resource.Properties.ParentId as { Ref?: string };
      return `${pathOf(parent.Ref ?? '')}/${resource.Properties.PathPart}`;
    };
    const routes = Object.values(resourcesOfType(backend.json, 'AWS::ApiGateway::Method'))
      .map(
        (m) =>
          `${m.Properties.HttpMethod} ${pathOf((m.Properties.ResourceId as { Ref: string }).Ref)}`,
      )
      .sort();

    expect(routes).toEqual([
      'GET /clusters/{name}',
      'GET /clusters/{name}/revisions',
      'GET /clusters/{name}/revisions/{n}',
      'GET /clusters/{name}/revisions/{n}/history',
      'GET /clusters/{name}/revisions/{n}/template',
      'GET /clusters/{name}/revisions/{n}/validation',
      'POST /clusters',
    ]);
  });

  it('declares the paging parameters of the revision list as optional', () => {
    backend.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: {
        'method.request.path.name': true,
        'method.request.querystring.limit': false,
        'method.request.querystring.before': false,
      },
    });
  });

  it('throttles the stage and logs access', () => {
    backend.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }),
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1clusters' }),
      ]),
    });
  });
});

describe('data stores', () => {
  it('versions, encrypts, blocks public access to and logs the submissions and artefacts', () => {
    const buckets = resourcesOfType(backend.json, 'AWS::S3::Bucket');

    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const rules = (bucket.Properties.LifecycleConfiguration as { Rules: object[] }).Rules;
      expect(rules).toEqual([
        {
          Id: 'ExpireNoncurrentVersions',
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        },
      ]);
    }
    const logged = Object.values(buckets).filter((b) => b.Properties.LoggingConfiguration);
    expect(logged).toHaveLength(2);
  });

  it('denies every request to each bucket that does not use TLS', () => {
    const policies = Object.values(resourcesOfType(backend.json, 'AWS::S3::BucketPolicy'));

    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(collectStatements(policy.Properties.PolicyDocument)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('keeps the revisions table recoverable, protected and encrypted', () => {
    backend.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('keeps undeliverable and failed upload events in an encrypted dead-letter queue', () => {
    const [queueId] = Object.keys(resourcesOfType(backend.json, 'AWS::SQS::Queue'));

    backend.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    backend.template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } } }),
      ],
    });
    backend.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: backend.functionIds['submit-s3'] },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('starts a submission only for clusters/<name>/cluster.yaml uploads', () => {
    backend.template.hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
    });
    backend.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { object: { key: [{ wildcard: 'clusters/*/cluster.yaml' }] } },
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [backend.functionIds['submit-s3'], 'Arn'] } }),
      ],
    });
  });
});

describe('workflow', () => {
  it('runs the shared definition with every task bound to its function', () => {
    const [machine] = Object.values(
      resourcesOfType(backend.json, 'AWS::StepFunctions::StateMachine'),
    );
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;

    expect(Object.keys(substitutions).sort()).toEqual(Object.values(FUNCTION_ARN_VARIABLES).sort());
    for (const [name, variable] of Object.entries(FUNCTION_ARN_VARIABLES)) {
      const functionId = backend.functionIds[name as keyof typeof FUNCTION_ARN_VARIABLES];
      expect(substitutions[variable]).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    }
    expect(machine?.Properties.DefinitionString).toBe(
      readFileSync(new URL('../../state-machines/provision.asl.json', import.meta.url), 'utf8'),
    );
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('logs every event with execution data and traces every run', () => {
    backend.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
  });
});

describe('alarms', () => {
  it('alarms on failed and timed-out runs and on each function error, to the encrypted topic', () => {
    const alarms = Object.values(resourcesOfType(backend.json, 'AWS::CloudWatch::Alarm'));
    const [topicId] = Object.keys(resourcesOfType(backend.json, 'AWS::SNS::Topic'));
    const metrics = alarms.map((alarm) => alarm.Properties.MetricName).sort();

    expect(metrics).toEqual(
      [
        'ApproximateNumberOfMessagesVisible',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        ...BACKEND_FUNCTIONS.map(() => 'Errors'),
      ].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    }
    backend.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
  });
});
