import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { readLiveBackend, removeBackendFile, writeBackendFile } from '../embedded/backend-file.ts';
import { describeEmbeddedBackend } from '../embedded/describe-embedded-backend.ts';
import { describeRuns, listRunsInProgress } from '../embedded/list-local-runs.ts';
import {
  describeAwsMode,
  readAwsModeConfig,
  startAwsBackend,
} from '../embedded/start-aws-backend.ts';
import {
  ARTIFACTS_BUCKET,
  type EmbeddedBackend,
  SUBMISSIONS_BUCKET,
  startEmbeddedBackend,
} from '../embedded/start-embedded-backend.ts';
import { resolveStateDir } from '../embedded/state-dir.ts';
import type { RuntimeConfig } from '../lib/runtime-config.ts';
import { describeRecovery } from './backend-session.ts';
import { type CliIo, EXIT, UsageError } from './cli-io.ts';

/** `kube-aws serve`: the embedded backend until SIGINT or SIGTERM; what `npm start` runs. */
export async function runServeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8787' },
      's3-port': { type: 'string', default: '8788' },
      'state-dir': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 0)
    throw new UsageError(`serve takes no arguments (received ${positionals.join(' ')})`);
  const apiPort = readPort('--port', values.port);
  const s3Port = readPort('--s3-port', values['s3-port']);
  const stateDir = resolveStateDir(values['state-dir'], io.env, io.cwd);

  const live = await readLiveBackend(stateDir, (line) => io.err(`kube-aws serve: ${line}`));
  if (live !== undefined) {
    io.err(
      `kube-aws serve: a backend already runs on ${stateDir} (pid ${live.pid}, ${live.apiUrl}); stop it first\n`,
    );
    return EXIT.failed;
  }
  const awsConfig = readAwsModeConfig(io.env);
  if (awsConfig !== undefined) return serveAwsMode(awsConfig, stateDir, apiPort, io);
  const backend = await startEmbeddedBackend({ stateDir, apiPort, s3Port });
  for (const line of describeRecovery(backend.recovery)) io.err(`${line}\n`);
  await writeServeBackendFile(stateDir, backend);
  io.out(
    describeEmbeddedBackend({
      apiUrl: backend.apiUrl,
      s3Endpoint: backend.s3Endpoint,
      stateDir,
      endpointCredentials: backend.endpointCredentials,
      stateDirArgument:
        stateDir === resolveStateDir(undefined, {}, io.cwd)
          ? undefined
          : (values['state-dir'] ?? stateDir),
    }),
  );

  // After the banner: the first submission then runs as fast as every later one.
  setImmediate(() => backend.warmUp());
  const code = await stopOnSignals(backend, io);
  await removeBackendFile(stateDir);
  io.out('stopped\n');

  return code;
}

/**
 * Tells the CLI of this user where this process's backend listens and the token its HTTP API
 * wants off Linux (backend.json, 0600 in the checked state dir).
 */
export async function writeServeBackendFile(
  stateDir: string,
  backend: Pick<EmbeddedBackend, 'apiUrl' | 'apiBearerToken' | 's3Endpoint'>,
): Promise<void> {
  await writeBackendFile(stateDir, {
    pid: process.pid,
    apiUrl: backend.apiUrl,
    s3Endpoint: backend.s3Endpoint,
    submissionsBucket: SUBMISSIONS_BUCKET,
    artifactsBucket: ARTIFACTS_BUCKET,
    startedAt: new Date().toISOString(),
    apiToken: backend.apiBearerToken,
  });
}

/** What the signal handling needs of either backend. */
export interface StoppableBackend {
  workflow: LocalWorkflow;
  waitForIdle(): Promise<void>;
  refuseSubmissions(): void;
  interrupt(cause: string): Promise<Array<{ cluster: string; revision: number }>>;
  stop(): Promise<void>;
}

/**
 * How long the HTTP API keeps answering reads after the last run finished, so that its followers
 * read the final status: `up` polls every 250 ms (two requests each), and 1 s holds its next poll
 * or two even on a busy machine while keeping the stop short.
 */
export const STOP_GRACE_MS = 1_000;

/**
 * Stops the backend at the first SIGINT or SIGTERM once the runs in progress have finished, and
 * names them; a second signal stops at once, recording them FAILED (interrupted) with their locks
 * released, so nothing stays RUNNING behind the process. Exit 1 after a second signal. While it
 * waits, submissions are answered 503 and reads go on, STOP_GRACE_MS past the last run, so the
 * followers of those runs read their final status.
 */
export async function stopOnSignals(
  backend: StoppableBackend,
  io: CliIo,
  /** The next stop signal; the process's SIGINT or SIGTERM except in tests. */
  nextSignal: () => Promise<NodeJS.Signals> = waitForStopSignal,
): Promise<number> {
  const signal = await nextSignal();
  // Listening again at once: a signal with no listener would end the process with no record.
  const second = nextSignal();
  // Before any await: a submission accepted now would only be queued for the next start.
  backend.refuseSubmissions();
  // A run started now could not finish before the stop; the next start runs it instead.
  backend.workflow.deferNewStarts();
  io.out(`received ${signal}; finishing runs in progress and stopping\n`);
  const runs = await listRunsInProgress(backend.workflow);
  if (runs.length > 0) {
    const them = runs.length === 1 ? 'it' : 'them';
    io.out(
      `waiting for ${describeRuns(runs)} to finish; press Ctrl-C again to stop now and record ${them} FAILED (interrupted)\n`,
    );
  }
  // Interrupting needs the backend's clients, so the stop starts only after it has recorded.
  const outcome = await Promise.race([backend.waitForIdle().then(() => undefined), second]);
  if (outcome === undefined) {
    // A second signal ends the grace at once: nothing runs any more that it could cut off.
    if (runs.length > 0) {
      const grace = new AbortController();
      await Promise.race([
        delay(STOP_GRACE_MS, undefined, { signal: grace.signal }).catch(() => undefined),
        second,
      ]);
      grace.abort();
    }
    await backend.stop();

    return EXIT.ok;
  }
  const recorded = await backend.interrupt(
    `interrupted (second ${outcome}) while kube-aws serve was stopping; submit the file again`,
  );
  io.out(
    recorded.length === 0
      ? `received ${outcome} again; no run was in progress\n`
      : `received ${outcome} again; ${describeRuns(recorded)} recorded FAILED (interrupted) and the cluster lock released\n`,
  );
  await backend.stop();

  return EXIT.failed;
}

/** The next SIGINT or SIGTERM; both listeners go once either arrives. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * The HTTP API over the AWS adapters, the workflow run in this process. Uploads to the real
 * submissions bucket reach the deployed S3 trigger, not this process, so no S3 endpoint here.
 */
async function serveAwsMode(
  config: Readonly<RuntimeConfig>,
  stateDir: string,
  apiPort: number,
  io: CliIo,
): Promise<number> {
  const backend = await startAwsBackend({ stateDir, apiPort, config });
  for (const line of describeRecovery(backend.recovery)) io.err(`${line}\n`);
  io.out(`kube-aws backend, ${describeAwsMode(config, io.env)}
  HTTP API     ${backend.apiUrl}
  state        ${stateDir}  (execution histories)

Submit over HTTP:
  curl -X POST --data-binary @examples/cluster.yaml -H 'Content-Type: application/yaml' ${backend.apiUrl}/clusters

Stop with Ctrl-C.
`);
  const code = await stopOnSignals(backend, io);
  io.out('stopped\n');

  return code;
}

function readPort(flag: string, text: string | undefined): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (received ${text})`);
  }

  return port;
}
