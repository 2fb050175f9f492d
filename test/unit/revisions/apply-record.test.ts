import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreviewDeployer } from '../../../adapters/embedded/preview-deployer.ts';
import { validateClusterYaml } from '../../../cluster-config/validate-cluster-yaml.ts';
import { artifactKeys } from '../../../lib/artifact-keys.ts';
import { canonicalJson, sha256Hex } from '../../../lib/hash.ts';
import {
  type ChangeSummary,
  checkApplyStep,
  startApplyStep,
} from '../../../pipeline/apply-step.ts';
import { recordFailureStep, recordStep } from '../../../pipeline/record-step.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import type { RevisionFailureNotice } from '../../../ports/notifier.ts';
import type { ApplyProgress, ApplyRequest, StackDeployer } from '../../../ports/stack-deployer.ts';
import type { TaskInput } from '../../../schemas/state-payloads.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { EXAMPLE_YAML, openWorld, type StepWorld } from './step-harness.ts';

const VPC = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } };
const SUBNET = {
  Type: 'AWS::EC2::Subnet',
  Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.0.0/24' },
};
const FIRST_TEMPLATE = { Resources: { Vpc: VPC, Topic: { Type: 'AWS::SNS::Topic' } } };
const SECOND_TEMPLATE = {
  Resources: { Vpc: VPC, Topic: { Type: 'AWS::SNS::Topic' }, Subnet0: SUBNET },
};
const RESOURCE_MAP = { Vpc: ['vpcCIDR'], Subnet0: ['instanceCIDR', 'availabilityZone'] };

/** Plays the deployer's side of the port from a script and keeps every request it saw. */
class ScriptedDeployer implements StackDeployer {
  readonly mode = 'cloudformation' as const;
  readonly requests: ApplyRequest[] = [];

  constructor(private readonly script: ApplyProgress[]) {}

  async start(request: ApplyRequest): Promise<ApplyProgress> {
    return this.next(request);
  }

  async poll(request: ApplyRequest): Promise<ApplyProgress> {
    return this.next(request);
  }

  private next(request: ApplyRequest): ApplyProgress {
    this.requests.push(request);
    const step = this.script.shift();
    if (step === undefined) throw new Error('scripted deployer ran out of answers');
    return step;
  }
}

/** Writes what the earlier steps would have written and returns the Task input of apply. */
async function prepareRun(
  world: StepWorld,
  revision: number,
  template: object,
): Promise<TaskInput> {
  const { artifacts } = world;
  const config = validateClusterYaml(EXAMPLE_YAML).config;
  const configKey = artifactKeys.config('demo', revision);
  await artifacts.put(configKey, canonicalJson(config), 'application/json');
  const body = JSON.stringify(template);
  const templateSha256 = sha256Hex(body);
  const templateKey = artifactKeys.template('demo', templateSha256);
  await artifacts.put(templateKey, body, 'application/json');
  const resourceMapKey = artifactKeys.resourceMap('demo', revision);
  await artifacts.put(resourceMapKey, JSON.stringify(RESOURCE_MAP), 'application/json');
  const nodeAssetsKey = artifactKeys.nodeAssets('demo', revision);
  await artifacts.put(
    nodeAssetsKey,
    JSON.stringify({
      cluster: 'demo',
      keyId: 'local',
      assets: [
        {
          name: 'ca',
          kind: 'certificate',
          roles: ['controller', 'worker'],
          path: '/etc/kubernetes/ssl/ca.pem',
          content: 'PEM',
          fingerprint: 'f-ca',
        },
        {
          name: 'apiserver-key',
          kind: 'private-key',
          roles: ['controller'],
          path: '/etc/kubernetes/ssl/apiserver-key.pem',
          content: 'Y2lwaGVy',
          fingerprint: 'f-api',
        },
      ],
    }),
    'application/json',
  );
  const execution = { cluster: 'demo', revision, correlationId: `corr-${revision}` };

  return {
    ...execution,
    step: 'start-apply',
    state: {
      ...execution,
      validation: { configKey, configSha256: 'c', warnings: 0 },
      encryption: { nodeAssetsKey, encrypted: [], reused: [] },
      render: {
        templateKey,
        templateSha256,
        templateBytes: body.length,
        resourceMapKey,
        userdataBytes: {},
      },
    },
  };
}

async function submit(world: StepWorld, note: string, allowReplace?: boolean) {
  return submitClusterYaml(
    {
      body: `${EXAMPLE_YAML}# ${note}\n`,
      source: { kind: 'api' },
      submitter: 'alice',
      ...(allowReplace === undefined ? {} : { allowReplace }),
    },
    world.deps,
  );
}

const STATEFUL_TEMPLATE = {
  Resources: {
    Vpc: VPC,
    Controller0: { Type: 'AWS::EC2::Instance', Properties: {} },
    EtcdDataVolume0: { Type: 'AWS::EC2::Volume', Properties: {} },
  },
};

describe('apply and record steps', () => {
  let dynalite: DynaliteServer;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });

  afterAll(async () => {
    await dynalite?.stop();
  });

  it('plans with the preview deployer and records PLANNED without moving lastApplied', async () => {
    const world = await openWorld(dynalite);
    await submit(world, 'one');
    const input = await prepareRun(world, 1, FIRST_TEMPLATE);
    // What Generate Assets records: one fingerprint per asset, from its manifest.
    await world.store.update('demo', 1, { assetFingerprints: { ca: 'manifest-ca' } });

    const apply = await startApplyStep(input, world.deps);
    const recorded = await recordStep(
      { ...input, step: 'record', state: { ...input.state, apply } },
      world.deps,
    );

    expect(apply).toEqual({
      state: 'PLANNED',
      waitSeconds: 5,
      startedAt: '2026-12-04T12:00:00.000Z',
      deadline: '2026-12-04T13:00:00.000Z',
      polls: 0,
      changeCount: 2,
    });
    expect(recorded).toEqual({ status: 'PLANNED' });
    const revision = await world.store.get('demo', 1);
    expect(revision?.changeSummary).toMatchObject({
      mode: 'preview',
      changes: [
        {
          action: 'Add',
          logicalId: 'Vpc',
          resourceType: 'AWS::EC2::VPC',
          replacement: 'N/A',
          configKeys: ['vpcCIDR'],
        },
        {
          action: 'Add',
          logicalId: 'Topic',
          resourceType: 'AWS::SNS::Topic',
          replacement: 'N/A',
          configKeys: [],
        },
      ],
    });
    expect((revision?.changeSummary as { preview?: string } | undefined)?.preview).toMatch(
      /^preview only: nothing was deployed to AWS; stack demo was not created or changed\n/,
    );
    expect(revision).toMatchObject({
      status: 'PLANNED',
      templateKey: input.state.render?.templateKey,
      templateSha256: input.state.render?.templateSha256,
      // Not the node bundle's per-file fingerprints (f-ca, f-api): Record leaves these alone.
      assetFingerprints: { ca: 'manifest-ca' },
    });
    expect(revision?.transitions.at(-1)).toEqual({
      status: 'PLANNED',
      at: '2026-12-04T12:00:00.000Z',
      state: 'Record Result',
    });
    expect(await world.store.getCluster('demo')).toEqual({ cluster: 'demo', latestRevision: 1 });
  });

  it('previews a cluster never applied against the whole stack and, beside it, against the last plan', async () => {
    const world = await openWorld(dynalite);
    await submit(world, 'one');
    const first = await prepareRun(world, 1, FIRST_TEMPLATE);
    const firstApply = await startApplyStep(first, world.deps);
    await recordStep(
      { ...first, step: 'record', state: { ...first.state, apply: firstApply } },
      world.deps,
    );
    await submit(world, 'two');
    const second = await prepareRun(world, 2, SECOND_TEMPLATE);

    await startApplyStep(second, world.deps);

    const summaries = await Promise.all(
      [1, 2].map(async (n) => (await world.store.get('demo', n))?.changeSummary as ChangeSummary),
    );
    // Revision 1 had no plan before it; revision 2 is compared with revision 1's.
    expect(summaries[0]?.sinceLastPlan).toBeUndefined();
    expect(summaries[1]?.changes.map((change) => change.logicalId)).toEqual([
      'Vpc',
      'Topic',
      'Subnet0',
    ]);
    expect(summaries[1]?.sinceLastPlan).toEqual({
      revision: 1,
      changes: [
        {
          action: 'Add',
          logicalId: 'Subnet0',
          resourceType: 'AWS::EC2::Subnet',
          replacement: 'N/A',
          configKeys: [],
        },
      ],
    });
    expect(summaries[1]?.preview).toMatch(/\nsince the plan of revision 1:\n.*Subnet0/s);
  });

  it('applies through the deployer with backing-off polls, records APPLIED and previews the next revision against it', async () => {
    const deployer = new ScriptedDeployer([
      {
        state: 'IN_PROGRESS',
        changeSetId: 'cs-1',
        changes: [
          {
            action: 'Add',
            logicalId: 'Vpc',
            resourceType: 'AWS::EC2::VPC',
            replacement: 'N/A',
            configKeys: [],
          },
        ],
      },
      ...Array.from({ length: 5 }, () => ({
        state: 'IN_PROGRESS' as const,
        changeSetId: 'cs-1',
        stackStatus: 'CREATE_IN_PROGRESS',
        changes: [],
      })),
      { state: 'APPLIED', changeSetId: 'cs-1', stackStatus: 'CREATE_COMPLETE', changes: [] },
    ]);
    const world = await openWorld(dynalite, { deployer });
    await submit(world, 'one');
    const input = await prepareRun(world, 1, FIRST_TEMPLATE);

    let apply = await startApplyStep(input, world.deps);
    const waits = [apply.waitSeconds];
    for (let round = 0; round < 10 && apply.state === 'IN_PROGRESS'; round++) {
      apply = await checkApplyStep(
        { ...input, step: 'check-apply', state: { ...input.state, apply } },
        world.deps,
      );
      waits.push(apply.waitSeconds);
    }
    await submit(world, 'two');
    const recorded = await recordStep(
      { ...input, step: 'record', state: { ...input.state, apply } },
      world.deps,
    );

    expect(waits).toEqual([5, 10, 20, 30, 30, 30, 30]);
    expect([apply.state, apply.stackStatus, apply.polls, apply.changeCount]).toEqual([
      'APPLIED',
      'CREATE_COMPLETE',
      6,
      1,
    ]);
    expect(deployer.requests[0]).toEqual({
      stackName: 'demo',
      templateUrl: `memory://memory/${input.state.render?.templateKey}`,
      templateBody: JSON.stringify(FIRST_TEMPLATE),
      previousTemplateBody: undefined,
      stackPolicyBody:
        '{"Statement":[{"Action":"Update:*","Effect":"Allow","Principal":"*","Resource":"*"}]}',
      tags: { environment: 'demo', team: 'platform', KubernetesCluster: 'demo' },
      terminationProtection: false,
      clientToken: 'demo-1-apply',
    });
    expect(recorded).toEqual({ status: 'APPLIED', startedNext: 2 });
    expect(await world.store.getCluster('demo')).toMatchObject({
      lastApplied: 1,
      lock: { revision: 2 },
    });
    expect(world.workflow.names()).toEqual(['demo-1', 'demo-2']);

    const second = await prepareRun(world, 2, SECOND_TEMPLATE);
    const preview = await startApplyStep(second, {
      ...world.deps,
      deployer: new PreviewDeployer(),
    });
    expect(preview.state).toBe('PLANNED');
    expect((await world.store.get('demo', 2))?.changeSummary).toMatchObject({
      changes: [
        { action: 'Add', logicalId: 'Subnet0', configKeys: ['instanceCIDR', 'availabilityZone'] },
      ],
    });
  });

  it.each([
    [
      'denies replacing controllers and etcd volumes unless the revision allows it',
      undefined,
      '{"Statement":[{"Action":"Update:*","Effect":"Allow","Principal":"*","Resource":"*"},' +
        '{"Action":["Update:Replace","Update:Delete"],"Effect":"Deny","Principal":"*",' +
        '"Resource":["LogicalResourceId/Controller0","LogicalResourceId/EtcdDataVolume0"]}]}',
    ],
    [
      'allows every update when the submission allows replacement',
      true,
      '{"Statement":[{"Action":"Update:*","Effect":"Allow","Principal":"*","Resource":"*"}]}',
    ],
  ])('%s', async (_, allowReplace, policy) => {
    const deployer = new ScriptedDeployer([
      { state: 'IN_PROGRESS', changeSetId: 'cs', changes: [] },
    ]);
    const world = await openWorld(dynalite, { deployer });
    await submit(world, 'one', allowReplace);
    const input = await prepareRun(world, 1, STATEFUL_TEMPLATE);

    await startApplyStep(input, world.deps);

    expect(deployer.requests[0]?.stackPolicyBody).toBe(policy);
    expect((await world.store.get('demo', 1))?.allowReplace).toBe(allowReplace);
  });

  it('fails an apply still running past its deadline and records why', async () => {
    const deployer = new ScriptedDeployer([
      { state: 'IN_PROGRESS', changeSetId: 'cs-1', stackStatus: 'UPDATE_IN_PROGRESS', changes: [] },
    ]);
    const world = await openWorld(dynalite, { deployer });
    await submit(world, 'one');
    const input = await prepareRun(world, 1, FIRST_TEMPLATE);
    const started = await startApplyStep(input, world.deps);

    world.clock.now = new Date('2026-12-04T13:00:00.001Z');
    const apply = await checkApplyStep(
      { ...input, step: 'check-apply', state: { ...input.state, apply: started } },
      world.deps,
    );
    await recordStep({ ...input, step: 'record', state: { ...input.state, apply } }, world.deps);

    expect(apply.state).toBe('FAILED');
    expect((await world.store.get('demo', 1))?.error).toEqual({
      name: 'StackApplyError',
      message: 'apply deadline exceeded: stack demo still UPDATE_IN_PROGRESS after 60 minutes',
    });
    expect(deployer.requests).toHaveLength(1);
  });

  it('records a rolled-back update as ROLLED_BACK with its cause and leaves lastApplied alone', async () => {
    const deployer = new ScriptedDeployer([
      { state: 'IN_PROGRESS', changeSetId: 'cs-1', changes: [] },
      {
        state: 'ROLLED_BACK',
        changeSetId: 'cs-1',
        stackStatus: 'UPDATE_ROLLBACK_COMPLETE',
        changes: [],
        cause:
          'Controller (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 1',
      },
    ]);
    const notices: RevisionFailureNotice[] = [];
    const notifier = {
      notifyRevisionFailed: async (n: RevisionFailureNotice) => void notices.push(n),
    };
    const world = await openWorld(dynalite, { deployer, notifier });
    await submit(world, 'one');
    const input = await prepareRun(world, 1, FIRST_TEMPLATE);
    const started = await startApplyStep(input, world.deps);
    const apply = await checkApplyStep(
      { ...input, step: 'check-apply', state: { ...input.state, apply: started } },
      world.deps,
    );

    const recorded = await recordStep(
      { ...input, step: 'record', state: { ...input.state, apply } },
      world.deps,
    );

    expect(recorded).toEqual({ status: 'ROLLED_BACK' });
    const revision = await world.store.get('demo', 1);
    expect(revision?.error).toEqual({
      name: 'StackApplyError',
      message:
        'Controller (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 1',
    });
    expect((await world.store.getCluster('demo'))?.lastApplied).toBeUndefined();
    expect(notices).toEqual([
      {
        cluster: 'demo',
        revision: 1,
        status: 'ROLLED_BACK',
        cause:
          'Controller (AWS::AutoScaling::AutoScalingGroup) UPDATE_FAILED: Received 0 SUCCESS signal(s) out of 1',
      },
    ]);
  });

  it('records a Lambda failure readably, releases the lock and starts the next queued revision; a re-run changes nothing', async () => {
    const world = await openWorld(dynalite);
    await submit(world, 'one');
    await submit(world, 'two');
    const failed: TaskInput = {
      cluster: 'demo',
      revision: 1,
      correlationId: 'corr-1',
      step: 'record-failure',
      state: {
        cluster: 'demo',
        revision: 1,
        correlationId: 'corr-1',
        error: {
          Error: 'DependencyError',
          Cause: JSON.stringify({
            errorType: 'DependencyError',
            errorMessage: 'KMS Encrypt failed (received ThrottlingException: Rate exceeded)',
            trace: ['DependencyError: KMS Encrypt failed', '    at encrypt (encrypt-step.ts:10:3)'],
          }),
        },
      },
    };

    const first = await recordFailureStep(failed, world.deps);
    const before = await world.store.get('demo', 1);
    const again = await recordFailureStep(failed, world.deps);

    expect(first).toEqual({ status: 'FAILED', startedNext: 2 });
    expect(again).toEqual({ status: 'FAILED' });
    expect(before?.error).toEqual({
      name: 'DependencyError',
      message: 'KMS Encrypt failed (received ThrottlingException: Rate exceeded)',
    });
    expect(before?.transitions.at(-1)).toEqual({
      status: 'FAILED',
      at: '2026-12-04T12:00:00.000Z',
      state: 'Record Failure',
      detail: 'DependencyError: KMS Encrypt failed (received ThrottlingException: Rate exceeded)',
    });
    expect((await world.store.get('demo', 1))?.transitions).toEqual(before?.transitions);
    expect((await world.store.get('demo', 2))?.status).toBe('RUNNING');
    expect((await world.store.getCluster('demo'))?.lock?.revision).toBe(2);
    expect(world.workflow.starts.map((start) => start.name)).toEqual(['demo-1', 'demo-2']);
  });
});
