import type { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { type ExecutionInput, ExecutionInputSchema } from '../schemas/state-payloads.ts';

/** One run as its execution file on disk names it. */
export interface LocalRun {
  cluster: string;
  revision: number;
}

/**
 * Every cluster with an execution in this state dir, from the input each execution stores. In
 * AWS mode this is where recovery looks: only runs of this machine can have been cut off here,
 * and a scan of a shared revisions table would read every other user's clusters too.
 */
export async function listExecutionClusters(workflow: LocalWorkflow): Promise<string[]> {
  const clusters = new Set<string>();
  for (const input of await readExecutionInputs(workflow, () => true)) clusters.add(input.cluster);

  return [...clusters].sort();
}

/** The runs this process is executing right now, oldest revision first within a cluster. */
export async function listRunsInProgress(workflow: LocalWorkflow): Promise<LocalRun[]> {
  const inputs = await readExecutionInputs(
    workflow,
    (record) => record.status === 'RUNNING' && record.ownerPid === process.pid,
  );

  return inputs
    .map(({ cluster, revision }) => ({ cluster, revision }))
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.revision - b.revision);
}

/** `revision 4 of cluster demo and revision 2 of cluster web`, the way the CLI names runs. */
export function describeRuns(runs: readonly LocalRun[]): string {
  const names = runs.map(({ cluster, revision }) => `revision ${revision} of cluster ${cluster}`);
  if (names.length <= 1) return names.join('');

  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

async function readExecutionInputs(
  workflow: LocalWorkflow,
  keep: (record: { status: string; ownerPid: number }) => boolean,
): Promise<ExecutionInput[]> {
  const inputs: ExecutionInput[] = [];
  for (const name of await workflow.listExecutionNames()) {
    const record = await workflow.readRawExecution(name);
    if (record === undefined || !keep(record)) continue;
    const parsed = ExecutionInputSchema.safeParse(record.input);
    if (parsed.success) inputs.push(parsed.data);
  }

  return inputs;
}
