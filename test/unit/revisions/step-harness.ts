import { readFileSync } from 'node:fs';
import { DynamoDbRevisionStore } from '../../../adapters/aws/dynamodb-revision-store.ts';
import { PreviewDeployer } from '../../../adapters/embedded/preview-deployer.ts';
import type { Deps } from '../../../pipeline/deps.ts';
import type { Notifier } from '../../../ports/notifier.ts';
import type { StackDeployer } from '../../../ports/stack-deployer.ts';
import type { ExecutionDescription, Workflow } from '../../../ports/workflow.ts';
import type { DynaliteServer } from '../../support/dynalite.ts';
import { MemoryObjectStore } from '../../support/memory-object-store.ts';

export const EXAMPLE_YAML = readFileSync(
  new URL('../../../examples/cluster.yaml', import.meta.url),
  'utf8',
);

/** Records every start; a repeated name returns the first ARN, as Step Functions does. */
export class RecordingWorkflow implements Workflow {
  readonly starts: { name: string; input: unknown }[] = [];

  async start(name: string, input: unknown): Promise<{ executionArn: string }> {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new Error(`invalid execution name ${name}`);
    this.starts.push({ name, input });

    return { executionArn: `arn:aws:states:us-east-1:123456789012:execution:provision:${name}` };
  }

  async describe(): Promise<ExecutionDescription | undefined> {
    return undefined;
  }

  async history() {
    return [];
  }

  /** Distinct execution names started, in first-start order. */
  names(): string[] {
    return [...new Set(this.starts.map((start) => start.name))];
  }
}

/** A port the steps under test never touch; any use fails loudly. */
function unusedPort<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new Error(`${name}.${String(property)} is not used by the revision steps`);
    },
  });
}

export interface StepWorld {
  deps: Deps;
  store: DynamoDbRevisionStore;
  artifacts: MemoryObjectStore;
  workflow: RecordingWorkflow;
  clock: { now: Date };
}

export async function openWorld(
  dynalite: DynaliteServer,
  options: { queueMode?: 'queue' | 'reject'; deployer?: StackDeployer; notifier?: Notifier } = {},
): Promise<StepWorld> {
  const clock = { now: new Date('2026-12-04T12:00:00.000Z') };
  const tableName = await dynalite.createRevisionTable();
  const store = new DynamoDbRevisionStore({
    tableName,
    client: dynalite.clientConfig,
    now: () => clock.now,
  });
  const artifacts = new MemoryObjectStore();
  const workflow = new RecordingWorkflow();
  const deps: Deps = {
    artifacts,
    revisions: store,
    keys: unusedPort('keys'),
    deployer: options.deployer ?? new PreviewDeployer(),
    dns: unusedPort('dns'),
    inventory: unusedPort('inventory'),
    workflow,
    queueMode: options.queueMode ?? 'queue',
    now: () => clock.now,
    ...(options.notifier === undefined ? {} : { notifier: options.notifier }),
  };

  return { deps, store, artifacts, workflow, clock };
}
