/**
 * Throughput of the embedded backend: 50 submissions for 50 different clusters POSTed at once
 * over HTTP, each timed from its POST to the end of its execution. The reference is one lone
 * submission's latency in the same round. After each burst every cluster must hold exactly one
 * revision, in a terminal status: none lost, none duplicated.
 *
 *   npx tsx bench/throughput-bench.ts [--quick]
 */
import { startEmbeddedBackend } from '../embedded/start-embedded-backend.ts';
import { TERMINAL_STATUSES } from '../schemas/revision.ts';
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
  percentile,
  quietLogger,
} from './bench-support.ts';

export const CONCURRENT_SUBMISSIONS = 50;
const REQUEST_TIMEOUT_MS = 120_000;

type Backend = Awaited<ReturnType<typeof startEmbeddedBackend>>;

interface Burst {
  loneMs: number;
  wallMs: number;
  latencies: number[];
  accepted: number;
  /** Clusters holding exactly one revision, and that one terminal. */
  exactlyOneTerminal: number;
}

export async function runThroughputBench(options: { quick: boolean }): Promise<BenchRow[]> {
  quietLogger();
  const rounds = options.quick ? 1 : 3;
  const state = await makeStateDir('kube-aws-throughput-bench-');
  const backend = await startEmbeddedBackend({ stateDir: state.dir, apiPort: 0, s3Port: 0 });
  try {
    const example = readExampleClusterYaml();
    // Warm-up: the first run after start loads the render and diff modules.
    await submitAndWait(backend, renameCluster(example, 'bench-warm'));
    const bursts: Burst[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      bursts.push(await runBurst(backend, example, round));
    }

    const lone = median(bursts.map((burst) => burst.loneMs));
    const loneRef = { name: 'one lone submission, same round', value: lone };
    const perSecond = median(bursts.map((burst) => (burst.accepted * 1000) / burst.wallMs));
    const n = CONCURRENT_SUBMISSIONS;

    return [
      makeRow(`${n} concurrent submissions: runs per second`, perSecond, 'runs/s', rounds, {
        name: 'one at a time (1 / lone latency)',
        value: 1000 / lone,
      }),
      makeRow(
        `${n} concurrent: p50 latency per run, POST to end`,
        median(bursts.map((b) => percentile(b.latencies, 50))),
        'ms',
        rounds,
        loneRef,
      ),
      makeRow(
        `${n} concurrent: p95 latency per run, POST to end`,
        median(bursts.map((b) => percentile(b.latencies, 95))),
        'ms',
        rounds,
        loneRef,
      ),
      makeRow(
        `${n} concurrent: wall time of the burst`,
        median(bursts.map((b) => b.wallMs)),
        'ms',
        rounds,
        loneRef,
      ),
      makeRow(
        `${n} concurrent: submissions accepted (202), worst round`,
        Math.min(...bursts.map((b) => b.accepted)),
        'count',
        rounds,
        { name: 'submitted', value: n },
      ),
      makeRow(
        `${n} concurrent: clusters with exactly one terminal revision, worst round`,
        Math.min(...bursts.map((b) => b.exactlyOneTerminal)),
        'count',
        rounds,
        { name: 'submitted', value: n },
      ),
    ];
  } finally {
    await backend.stop();
    await state.remove();
  }
}

async function runBurst(backend: Backend, example: string, round: number): Promise<Burst> {
  const lone = await submitAndWait(backend, renameCluster(example, `bench-r${round}-lone`));
  const clusters = Array.from(
    { length: CONCURRENT_SUBMISSIONS },
    (_, index) => `bench-r${round}-c${index + 1}`,
  );
  const started = performance.now();
  const results = await Promise.allSettled(
    clusters.map((cluster) => submitAndWait(backend, renameCluster(example, cluster))),
  );
  const wallMs = performance.now() - started;
  const latencies = results.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  for (const result of results) {
    if (result.status === 'rejected') console.error(`submission failed: ${String(result.reason)}`);
  }

  let exactlyOneTerminal = 0;
  for (const cluster of clusters) {
    const response = await fetch(`${backend.apiUrl}/clusters/${cluster}/revisions`);
    if (response.status !== 200) continue;
    const { revisions } = (await response.json()) as { revisions: Array<{ status: string }> };
    const only = revisions[0];
    if (revisions.length === 1 && only !== undefined && isTerminal(only.status))
      exactlyOneTerminal += 1;
  }

  return { loneMs: lone, wallMs, latencies, accepted: latencies.length, exactlyOneTerminal };
}

/** POST over HTTP, then wait for the execution; milliseconds from the POST to its end. */
async function submitAndWait(backend: Backend, yaml: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${backend.apiUrl}/clusters`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const answer = (await response.json()) as { executionArn?: string };
  if (response.status !== 202 || answer.executionArn === undefined) {
    throw new Error(
      `a bench submission must start at once (received ${response.status} ${JSON.stringify(answer).slice(0, 300)})`,
    );
  }
  await backend.workflow.waitForCompletion(answer.executionArn);

  return performance.now() - started;
}

function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

if (import.meta.main) {
  const rows = await runThroughputBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(formatTable(rows));
}
