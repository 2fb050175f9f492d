/**
 * `npm run soak`: a bounded soak of the embedded backend it starts itself on 127.0.0.1 with a
 * temporary state dir. Mixed valid and invalid submissions over HTTP and S3 uploads, retries
 * with one Idempotency-Key, reads and bad paths, for `--duration` seconds or `--max-requests`
 * requests, whichever comes first. Then it checks: every accepted submission has exactly one
 * terminal revision, no revision exists that was not accepted, none is stuck non-terminal, no
 * cluster lock is held, and heap and RSS did not keep growing (last third against first third).
 * Exits 1 on any violation.
 *
 *   npm run soak [-- --duration 180] [-- --max-requests 3000]
 */
import { startEmbeddedBackend } from '../embedded/start-embedded-backend.ts';
import {
  readExampleClusterYaml,
  renameCluster,
} from '../test/fixtures/bench/generate-node-pools.ts';
import { makeStateDir, quietLogger } from './bench-support.ts';
import { parseBenchArgs, readPositive } from './parse-bench-args.ts';
import { checkSoakEnd, type SoakLedger } from './soak-checks.ts';
import { forceGc, MemorySampler } from './soak-memory.ts';
import { runHttpWorker, runS3Worker, type SoakContext } from './soak-workers.ts';

const USAGE = `usage: npm run soak [-- --duration SECONDS] [-- --max-requests N] [-- --http-workers N]
  --duration      seconds to run, at most (default 180)
  --max-requests  requests to send, at most (default 3000)
  --http-workers  concurrent HTTP clients beside the 2 S3 uploaders (default 4)
`;
const { durationS, maxRequests, httpWorkers } = parseBenchArgs(
  'npm run soak',
  USAGE,
  {
    duration: { type: 'string', default: '180' },
    'max-requests': { type: 'string', default: '3000' },
    'http-workers': { type: 'string', default: '4' },
  },
  (values) => ({
    durationS: readPositive('--duration', values.duration),
    maxRequests: readPositive('--max-requests', values['max-requests']),
    httpWorkers: readPositive('--http-workers', values['http-workers']),
  }),
);
const IDLE_DEADLINE_MS = 5 * 60 * 1000;

quietLogger();
const state = await makeStateDir('kube-aws-soak-');
const backend = await startEmbeddedBackend({ stateDir: state.dir, apiPort: 0, s3Port: 0 });
const sampler = new MemorySampler(1000);
let exitCode = 1;
try {
  const ledger: SoakLedger = { accepted: [], counts: new Map(), violations: [] };
  const context: SoakContext = {
    backend,
    example: readExampleClusterYaml(),
    deadline: Date.now() + durationS * 1000,
    maxRequests,
    requests: 0,
    ledger,
  };
  console.log(
    `soak: ${durationS} s or ${maxRequests} requests, ${httpWorkers} HTTP workers and 2 S3 uploaders against ${backend.apiUrl} (s3 ${backend.s3Endpoint})`,
  );
  // Warm the render and diff modules before the first memory sample counts.
  const warm = await fetch(`${backend.apiUrl}/clusters`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: renameCluster(context.example, 'soak-warm'),
  });
  const warmAnswer = (await warm.json()) as { executionArn?: string; revision?: number };
  if (warmAnswer.executionArn !== undefined) {
    await backend.workflow.waitForCompletion(warmAnswer.executionArn);
    ledger.accepted.push({ cluster: 'soak-warm', revision: warmAnswer.revision ?? 0, via: 'http' });
  }
  sampler.start();

  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: httpWorkers }, (_, index) => runHttpWorker(context, index)),
    runS3Worker(context, 'soak-s1'),
    runS3Worker(context, 'soak-s2'),
  ]);
  const loadSeconds = (Date.now() - started) / 1000;
  sampler.stop();

  await waitForIdle(backend, IDLE_DEADLINE_MS, ledger);
  await forceGc();
  const result = await checkSoakEnd(backend, ledger);
  const memory = sampler.compare();
  ledger.violations.push(...memory.violations);

  console.log(`\nload phase: ${loadSeconds.toFixed(0)} s, ${context.requests} requests`);
  for (const [kind, count] of [...ledger.counts.entries()].sort()) {
    console.log(`  ${kind.padEnd(46)} ${String(count).padStart(6)}`);
  }
  console.log(
    `accepted submissions: ${ledger.accepted.length} (distinct revisions ${result.distinctAccepted})`,
  );
  console.log(
    `revisions in the store: ${result.revisionCount} over ${result.clusterCount} clusters; statuses ${JSON.stringify(result.statuses)}`,
  );
  console.log(
    `lost ${result.lost}, duplicated ${result.duplicated}, unaccepted ${result.unaccepted}, stuck ${result.stuck}, locks held ${result.locksHeld}, executions not finished ${result.executionsRunning}`,
  );
  console.log(memory.summary);
  if (ledger.violations.length === 0) {
    console.log('soak: no violations');
    exitCode = 0;
  } else {
    console.log(`soak: ${ledger.violations.length} violations`);
    for (const violation of ledger.violations.slice(0, 50)) console.log(`  - ${violation}`);
  }
} finally {
  sampler.stop();
  await backend.stop();
  await state.remove();
}
process.exitCode = exitCode;

async function waitForIdle(
  running: typeof backend,
  deadlineMs: number,
  ledger: SoakLedger,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  const outcome = await Promise.race([running.waitForIdle().then(() => 'idle' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    ledger.violations.push(
      `the backend was still busy ${deadlineMs / 1000} s after the load stopped`,
    );
  }
}
