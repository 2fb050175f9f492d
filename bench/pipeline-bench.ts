/**
 * The full embedded pipeline for examples/cluster.yaml, per state, against the floor it cannot go
 * under: generating the same number of RSA 2048 keys natively (OpenSSL through `node:crypto`) in
 * the same process, both serially and all at once on every core, as the pipeline itself does. The
 * backend starts once (not timed); each run submits a fresh cluster over HTTP and ends when its
 * execution has finished. Reference and pipeline runs alternate, so load from other work on the
 * machine falls on all of them alike.
 *
 *   npx tsx bench/pipeline-bench.ts [--quick]
 */
import { generateKeyPair, generateKeyPairSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { startEmbeddedBackend } from '../embedded/start-embedded-backend.ts';
import type { ExecutionEvent } from '../ports/workflow.ts';
import {
  readExampleClusterYaml,
  renameCluster,
} from '../test/fixtures/bench/generate-node-pools.ts';
import {
  type BenchRow,
  formatTable,
  makeRow,
  makeStateDir,
  median,
  quietLogger,
} from './bench-support.ts';

interface PipelineRun {
  totalMs: number;
  /** From the POST to the ExecutionStarted event. */
  toStartMs: number;
  /** From ExecutionStarted to the execution's end event. */
  executionMs: number;
  steps: Map<string, number>;
  issued: number;
  status: string;
}

export async function runPipelineBench(options: { quick: boolean }): Promise<BenchRow[]> {
  quietLogger();
  // Key generation takes a random time (prime search): 14 keys at once took 270 to 412 ms in one
  // series here. The pipeline and the floors each draw their own keys, so it takes about 25
  // alternating runs for the two medians to differ by the pipeline's overhead rather than by luck.
  const runs = options.quick ? 3 : 25;
  const state = await makeStateDir('kube-aws-pipeline-bench-');
  const backend = await startEmbeddedBackend({ stateDir: state.dir, apiPort: 0, s3Port: 0 });
  try {
    const example = readExampleClusterYaml();
    const submitOne = (index: number) =>
      runPipeline(backend, renameCluster(example, `bench-pipeline-${index}`));

    // As `serve` does: the diff's resource specification loads at start, before any submission.
    const warmUpStarted = performance.now();
    backend.warmUp();
    const warmUpMs = performance.now() - warmUpStarted;
    // The first run still warms the JIT for every step; it is reported on its own.
    const first = await submitOne(0);
    const keyCount = first.issued;
    const pipelines: PipelineRun[] = [];
    const serialFloors: number[] = [];
    const parallelFloors: number[] = [];
    for (let index = 1; index <= runs; index += 1) {
      parallelFloors.push(await timeParallelKeyGeneration(keyCount));
      serialFloors.push(timeSerialKeyGeneration(keyCount));
      pipelines.push(await submitOne(index));
    }
    for (const run of [first, ...pipelines]) {
      if (run.status !== 'PLANNED' || run.issued !== keyCount) {
        throw new Error(
          `every bench run must end PLANNED with ${keyCount} keys issued (received ${run.status}, ${run.issued})`,
        );
      }
    }

    const parallelFloor = {
      name: `${keyCount} x generateKeyPair rsa 2048, all at once on ${availableParallelism()} cores`,
      value: median(parallelFloors),
    };
    const serialFloor = {
      name: `${keyCount} x generateKeyPairSync rsa 2048, serial`,
      value: median(serialFloors),
    };
    const total = median(pipelines.map((run) => run.totalMs));
    const title = 'embedded pipeline, examples/cluster.yaml, submit to end';
    const rows = [
      makeRow(title, total, 'ms', runs, parallelFloor),
      makeRow(title, total, 'ms', runs, serialFloor),
      makeRow(
        'embedded pipeline, first run after start (after the warm-up serve does)',
        first.totalMs,
        'ms',
        1,
        parallelFloor,
      ),
      makeRow("serve's warm-up at start (diff resource specification)", warmUpMs, 'ms', 1),
      makeRow(
        `${parallelFloor.name} (floor beside the serial one)`,
        parallelFloor.value,
        'ms',
        runs,
        serialFloor,
      ),
    ];
    // Where the time goes: each part beside the whole run it belongs to.
    const whole = { name: 'the whole pipeline run', value: total };
    const part = (label: string, measure: (run: PipelineRun) => number) =>
      makeRow(`  ${label}`, median(pipelines.map(measure)), 'ms', runs, whole);
    rows.push(
      part(
        'POST until the execution starts (validate, store input, allocate)',
        (run) => run.toStartMs,
      ),
    );
    for (const step of pipelines[0]?.steps.keys() ?? []) {
      rows.push(part(`state ${step}`, (run) => run.steps.get(step) ?? 0));
    }
    rows.push(
      part('between states (transitions, history writes)', (run) => {
        const inStates = [...run.steps.values()].reduce((sum, ms) => sum + ms, 0);
        return Math.max(0, run.executionMs - inStates);
      }),
      part('after the execution ended until its record is written', (run) =>
        Math.max(0, run.totalMs - run.toStartMs - run.executionMs),
      ),
    );
    return rows;
  } finally {
    await backend.stop();
    await state.remove();
  }
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** What the Generate Assets state does with its keys: all requested at once, on libuv's pool. */
async function timeParallelKeyGeneration(count: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, () => generateKeyPairAsync('rsa', { modulusLength: 2048 })),
  );

  return performance.now() - started;
}

function timeSerialKeyGeneration(count: number): number {
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    generateKeyPairSync('rsa', { modulusLength: 2048 });
  }

  return performance.now() - started;
}

type Backend = Awaited<ReturnType<typeof startEmbeddedBackend>>;

async function runPipeline(backend: Backend, yaml: string): Promise<PipelineRun> {
  const started = performance.now();
  const startedAt = Date.now();
  const response = await fetch(`${backend.apiUrl}/clusters`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml,
    signal: AbortSignal.timeout(60_000),
  });
  const answer = (await response.json()) as {
    cluster: string;
    revision: number;
    executionArn?: string;
  };
  if (response.status !== 202 || answer.executionArn === undefined) {
    throw new Error(
      `the bench submission must start at once (received ${response.status} ${JSON.stringify(answer).slice(0, 300)})`,
    );
  }
  await backend.workflow.waitForCompletion(answer.executionArn);
  const totalMs = performance.now() - started;

  const events = await backend.workflow.history(answer.executionArn);
  const revision = await backend.deps.revisions.get(answer.cluster, answer.revision);

  return {
    totalMs,
    toStartMs: timeOf(events, 'ExecutionStarted') - startedAt,
    executionMs: timeOf(events, 'ExecutionSucceeded') - timeOf(events, 'ExecutionStarted'),
    steps: measureSteps(events),
    issued: findIssued(events),
    status: revision?.status ?? 'missing',
  };
}

/** Milliseconds from each StateEntered to its StateExited, in execution order. */
function measureSteps(events: readonly ExecutionEvent[]): Map<string, number> {
  const steps = new Map<string, number>();
  const entered = new Map<string, number>();
  for (const event of events) {
    if (event.state === undefined) continue;
    if (event.type === 'StateEntered') entered.set(event.state, Date.parse(event.timestamp));
    if (event.type === 'StateExited') {
      const since = entered.get(event.state) ?? Date.parse(event.timestamp);
      steps.set(event.state, (steps.get(event.state) ?? 0) + Date.parse(event.timestamp) - since);
    }
  }

  return steps;
}

function timeOf(events: readonly ExecutionEvent[], type: string): number {
  const event = events.find((candidate) => candidate.type === type);
  if (event === undefined)
    throw new Error(`the execution history must have ${type} (received none)`);

  return Date.parse(event.timestamp);
}

function findIssued(events: readonly ExecutionEvent[]): number {
  const exited = events.find(
    (event) => event.type === 'StateExited' && event.state === 'Generate Assets',
  );
  const issued = (exited?.output as { assets?: { issued?: unknown[] } } | undefined)?.assets
    ?.issued;

  return issued?.length ?? 0;
}

if (import.meta.main) {
  const rows = await runPipelineBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(formatTable(rows));
}
