import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import { LocalCloudInventory } from '../../../adapters/embedded/local-cloud-inventory.ts';
import { LocalDnsZones } from '../../../adapters/embedded/local-dns-zones.ts';
import { LocalKeyService } from '../../../adapters/embedded/local-key-service.ts';
import { LocalWorkflow } from '../../../adapters/embedded/local-workflow.ts';
import { PreviewDeployer } from '../../../adapters/embedded/preview-deployer.ts';
import { DependencyError } from '../../../lib/errors.ts';
import { logger } from '../../../lib/logger.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import { runTask } from '../../../pipeline/run-task.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';
import type { TaskStep } from '../../../schemas/state-payloads.ts';
import { type DynaliteServer, startDynalite } from '../../support/dynalite.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';

/** A fault planted in one adapter method while one task step runs. */
interface Fault {
  step: TaskStep;
  port: 'artifacts' | 'revisions' | 'keys' | 'deployer';
  method: string;
  /** The call comes after the final status is written: a hard fault there cannot undo it. */
  afterFinalStatus?: boolean;
}

/** Every adapter call a run of the example makes, by the step that makes it. */
const FAULTS: Fault[] = [
  { step: 'validate', port: 'revisions', method: 'get' },
  { step: 'validate', port: 'artifacts', method: 'get' },
  { step: 'validate', port: 'artifacts', method: 'put' },
  { step: 'generate-assets', port: 'artifacts', method: 'get' },
  { step: 'generate-assets', port: 'keys', method: 'encrypt' },
  { step: 'generate-assets', port: 'artifacts', method: 'put' },
  { step: 'generate-assets', port: 'revisions', method: 'update' },
  { step: 'encrypt', port: 'keys', method: 'reEncrypt' },
  { step: 'encrypt', port: 'artifacts', method: 'put' },
  { step: 'render', port: 'artifacts', method: 'get' },
  { step: 'render', port: 'artifacts', method: 'put' },
  { step: 'start-apply', port: 'deployer', method: 'start' },
  { step: 'start-apply', port: 'revisions', method: 'update' },
  { step: 'record', port: 'revisions', method: 'transition' },
  { step: 'record', port: 'revisions', method: 'releaseLock', afterFinalStatus: true },
];

const PAYLOAD_LIMIT_BYTES = 8 * 1024;

describe('the provision workflow under faults at each adapter call', () => {
  let dynalite: DynaliteServer;
  let clusterYaml: string;
  let stateDir: string;
  let deps: Deps;
  let workflow: LocalWorkflow;
  let active: { fault: Fault; remaining: number; error: () => Error } | undefined;
  let currentStep: TaskStep | undefined;
  const seen = new Set<string>();

  /** Wraps a port so the planted fault fires while its step runs; records every call made. */
  function withFaults<T extends object>(port: Fault['port'], target: T): T {
    return new Proxy(target, {
      get(object, property, receiver) {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;

        return (...args: unknown[]) => {
          seen.add(`${currentStep}:${port}.${String(property)}`);
          const fault = active?.fault;
          if (
            active !== undefined &&
            active.remaining > 0 &&
            fault?.step === currentStep &&
            fault?.port === port &&
            fault?.method === property
          ) {
            active.remaining -= 1;
            return Promise.reject(active.error());
          }

          return value.apply(object, args);
        };
      },
    });
  }

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    dynalite = await startDynalite();
    clusterYaml = await readFile(
      new URL('../../../examples/cluster.yaml', import.meta.url),
      'utf8',
    );
  });
  afterAll(async () => {
    await dynalite?.stop();
  });
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-faults-'));
    active = undefined;
    const plain: Deps = {
      artifacts: new MemoryObjectStore(),
      revisions: new DynamoDbRevisionStore({
        tableName: await dynalite.createRevisionTable(),
        client: dynalite.clientConfig,
      }),
      keys: await LocalKeyService.open(stateDir),
      deployer: new PreviewDeployer(),
      dns: LocalDnsZones.fromZones([]),
      inventory: new LocalCloudInventory(),
      workflow: undefined as never,
      queueMode: 'queue',
      now: () => new Date(),
    };
    const faulty: Deps = {
      ...plain,
      artifacts: withFaults('artifacts', plain.artifacts),
      revisions: withFaults('revisions', plain.revisions),
      keys: withFaults('keys', plain.keys),
      deployer: withFaults('deployer', plain.deployer),
    };
    workflow = new LocalWorkflow({
      stateDir,
      runTask: async (input) => {
        currentStep = (input as { step: TaskStep }).step;
        try {
          return await runTask(input, faulty);
        } finally {
          currentStep = undefined;
        }
      },
      waitOverrideMs: 1,
      retryIntervalOverrideMs: 1,
    });
    plain.workflow = workflow;
    faulty.workflow = workflow;
    deps = plain;
  });
  afterEach(async () => {
    await workflow.waitForIdle();
    await rm(stateDir, { recursive: true, force: true });
  });

  async function submitAndFinish(note: string) {
    const submitted = await submitClusterYaml(
      { body: `${clusterYaml}# ${note}\n`, source: { kind: 'api' }, submitter: 'tester' },
      deps,
    );
    await workflow.waitForIdle();

    return (await deps.revisions.get(submitted.cluster, submitted.revision))!;
  }

  it('keeps every state input and output of a run within 8 KiB and free of key material', async () => {
    const revision = await submitAndFinish('payloads');

    expect(revision.status).toBe('PLANNED');
    const events = await workflow.history(revision.executionArn!);
    const payloads = events.flatMap((event) => [event.input, event.output]);
    const sizes = payloads
      .filter((payload) => payload !== undefined)
      .map((payload) => Buffer.byteLength(JSON.stringify(payload)));
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
    // The fault list names every adapter call a run makes, so each is injected below.
    for (const fault of FAULTS)
      expect(seen).toContain(`${fault.step}:${fault.port}.${fault.method}`);
  });

  it.each(FAULTS)(
    'retries throttling in $step at $port $method and still plans the revision',
    async (fault) => {
      active = {
        fault,
        remaining: 2,
        error: () =>
          new DependencyError(
            `${fault.port} ${fault.method} failed (received ThrottlingException: Rate exceeded)`,
          ),
      };

      const revision = await submitAndFinish('throttled');

      expect(active.remaining).toBe(0);
      expect(revision.status).toBe('PLANNED');
      expect((await deps.revisions.getCluster('demo'))?.lock).toBeUndefined();
    },
  );

  it.each(FAULTS.filter((fault) => fault.afterFinalStatus !== true))(
    'records a hard failure in $step at $port $method as FAILED with its cause, frees the lock, and the next submission plans',
    async (fault) => {
      active = {
        fault,
        remaining: 1_000,
        error: () => new Error(`injected failure of ${fault.method}`),
      };

      const failed = await submitAndFinish('broken');

      expect(failed.status).toBe('FAILED');
      expect(failed.error).toEqual({
        name: 'Error',
        message: `injected failure of ${fault.method}`,
      });
      expect((await deps.revisions.getCluster('demo'))?.lock).toBeUndefined();

      active = undefined;
      const next = await submitAndFinish('fixed');

      expect(next.status).toBe('PLANNED');
    },
  );

  it('keeps the recorded status when releasing the lock fails hard, and the failure recorder frees it', async () => {
    const fault = FAULTS.find((candidate) => candidate.afterFinalStatus === true)!;
    active = { fault, remaining: 1_000, error: () => new Error('injected failure of releaseLock') };

    const planned = await submitAndFinish('lock stuck');

    expect(planned.status).toBe('PLANNED');
    expect((await deps.revisions.getCluster('demo'))?.lock).toBeUndefined();
    active = undefined;
    expect((await submitAndFinish('after')).status).toBe('PLANNED');
  });
});
