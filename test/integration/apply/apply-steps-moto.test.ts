import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFormationDeployer } from '../../../adapters/aws/cloudformation-deployer.ts';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import { S3ObjectStore } from '../../../adapters/aws/s3-object-store.ts';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import { checkApplyStep, startApplyStep } from '../../../pipeline/apply-step.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { recordStep } from '../../../pipeline/record-step.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import type { TaskInput } from '../../../schemas/state-payloads.ts';
import { createRevisionTable } from '../../support/dynalite.ts';
import { requireTool } from '../../support/external-tools.ts';
import { type MotoServer, motoClientConfig, startMoto } from '../../support/moto.ts';
import { EXAMPLE_YAML, RecordingWorkflow } from '../../unit/revisions/step-harness.ts';

const hasMoto = requireTool('moto_server', ['--help']);

const VPC = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };
const subnet = (cidr: string) => ({
  Type: 'AWS::EC2::Subnet',
  Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: cidr },
});

describe.skipIf(!hasMoto)('apply and record steps on moto (DynamoDB, S3, CloudFormation)', () => {
  let moto: MotoServer;
  let deps: Deps;
  let store: DynamoDbRevisionStore;
  let artifacts: S3ObjectStore;

  /** Writes what validate, encrypt and render would have, then runs apply to the end and records. */
  async function runApply(revision: number, template: object) {
    const config = validateClusterYaml(EXAMPLE_YAML).config;
    const configKey = artifactKeys.config('demo', revision);
    await artifacts.put(configKey, canonicalJson(config), 'application/json');
    const body = JSON.stringify(template);
    const templateKey = artifactKeys.template('demo', sha256Hex(body));
    await artifacts.put(templateKey, body, 'application/json');
    const resourceMapKey = artifactKeys.resourceMap('demo', revision);
    await artifacts.put(
      resourceMapKey,
      JSON.stringify({ Subnet0: ['instanceCIDR'] }),
      'application/json',
    );
    const execution = { cluster: 'demo', revision, correlationId: `corr-${revision}` };
    const state: TaskInput['state'] = {
      ...execution,
      validation: { configKey, configSha256: 'c', warnings: 0 },
      render: {
        templateKey,
        templateSha256: sha256Hex(body),
        templateBytes: body.length,
        resourceMapKey,
        userdataBytes: {},
      },
    };

    let apply = await startApplyStep({ ...execution, step: 'start-apply', state }, deps);
    for (let round = 0; round < 10 && apply.state === 'IN_PROGRESS'; round++) {
      apply = await checkApplyStep(
        { ...execution, step: 'check-apply', state: { ...state, apply } },
        deps,
      );
    }
    const recorded = await recordStep(
      { ...execution, step: 'record', state: { ...state, apply } },
      deps,
    );

    return { apply, recorded, revision: await store.get('demo', revision) };
  }

  async function submit(note: string) {
    return submitClusterYaml(
      { body: `${EXAMPLE_YAML}# ${note}\n`, source: { kind: 'api' }, submitter: 'alice' },
      deps,
    );
  }

  beforeAll(async () => {
    moto = await startMoto();
    const config = motoClientConfig(moto.endpoint);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'artefacts' }));
    s3.destroy();
    artifacts = new S3ObjectStore({ bucket: 'artefacts', ...config });
    store = new DynamoDbRevisionStore({
      tableName: await createRevisionTable(config),
      client: config,
    });
    deps = {
      artifacts,
      revisions: store,
      keys: undefined as never,
      dns: undefined as never,
      inventory: undefined as never,
      deployer: new CloudFormationDeployer({ ...config, pollIntervalMs: 50 }),
      workflow: new RecordingWorkflow(),
      queueMode: 'queue',
      now: () => new Date(),
    };
  });

  afterAll(async () => {
    store?.destroy();
    artifacts?.destroy();
    await moto?.stop();
  });

  it('creates the stack, records APPLIED with the change and moves lastApplied', async () => {
    await submit('one');

    const { apply, recorded, revision } = await runApply(1, {
      Resources: { Vpc: VPC, Subnet0: subnet('10.0.0.0/24') },
    });

    expect([apply.state, apply.stackStatus, apply.changeCount]).toEqual([
      'APPLIED',
      'CREATE_COMPLETE',
      2,
    ]);
    expect(recorded).toEqual({ status: 'APPLIED' });
    expect(revision?.status).toBe('APPLIED');
    expect(revision?.changeSummary).toMatchObject({
      mode: 'cloudformation',
      stackStatus: 'CREATE_COMPLETE',
      changes: [
        { action: 'Add', logicalId: 'Vpc', configKeys: [] },
        { action: 'Add', logicalId: 'Subnet0', configKeys: ['instanceCIDR'] },
      ],
    });
    expect((await store.getCluster('demo'))?.lastApplied).toBe(1);
  });

  it('records an unchanged template as NOOP and keeps lastApplied on the applied revision', async () => {
    await submit('two');

    const { apply, recorded } = await runApply(2, {
      Resources: { Vpc: VPC, Subnet0: subnet('10.0.0.0/24') },
    });

    expect([apply.state, apply.changeCount]).toEqual(['NOOP', 0]);
    expect(recorded).toEqual({ status: 'NOOP' });
    expect((await store.getCluster('demo'))?.lastApplied).toBe(1);
  });

  it('records a failing resource as FAILED with its error and keeps lastApplied', async () => {
    await submit('three');

    const { apply, recorded, revision } = await runApply(3, {
      Resources: { Vpc: VPC, Subnet0: subnet('10.0.0.0/24'), Bad: subnet('192.168.9.0/24') },
    });

    expect(apply.state).toBe('FAILED');
    expect(recorded).toEqual({ status: 'FAILED' });
    expect(revision?.error).toEqual({
      name: 'StackApplyError',
      message: "change set execution failed: The CIDR '192.168.9.0/24' is invalid.",
    });
    expect((await store.getCluster('demo'))?.lastApplied).toBe(1);
    expect((await store.list('demo')).map((entry) => entry.status)).toEqual([
      'FAILED',
      'NOOP',
      'APPLIED',
    ]);
  });
});
