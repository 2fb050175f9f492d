import { parseArgs } from 'node:util';
import { readLiveBackend, removeBackendFile, writeBackendFile } from '../embedded/backend-file.ts';
import { describeEmbeddedBackend } from '../embedded/describe-embedded-backend.ts';
import {
  describeAwsMode,
  readAwsModeConfig,
  startAwsBackend,
} from '../embedded/start-aws-backend.ts';
import {
  ARTIFACTS_BUCKET,
  SUBMISSIONS_BUCKET,
  startEmbeddedBackend,
} from '../embedded/start-embedded-backend.ts';
import { resolveStateDir } from '../embedded/state-dir.ts';
import type { RuntimeConfig } from '../lib/runtime-config.ts';
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
  await writeBackendFile(stateDir, {
    pid: process.pid,
    apiUrl: backend.apiUrl,
    s3Endpoint: backend.s3Endpoint,
    submissionsBucket: SUBMISSIONS_BUCKET,
    artifactsBucket: ARTIFACTS_BUCKET,
    startedAt: new Date().toISOString(),
  });
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
  const signal = await waitForStopSignal();
  io.out(`received ${signal}; finishing runs in progress and stopping\n`);
  await backend.stop();
  await removeBackendFile(stateDir);
  io.out('stopped\n');

  return EXIT.ok;
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
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
  io.out(`kube-aws backend, ${describeAwsMode(config, io.env)}
  HTTP API     ${backend.apiUrl}
  state        ${stateDir}  (execution histories)

Submit over HTTP:
  curl -X POST --data-binary @examples/cluster.yaml -H 'Content-Type: application/yaml' ${backend.apiUrl}/clusters

Stop with Ctrl-C.
`);
  const signal = await waitForStopSignal();
  io.out(`received ${signal}; finishing runs in progress and stopping\n`);
  await backend.stop();
  io.out('stopped\n');

  return EXIT.ok;
}

function readPort(flag: string, text: string | undefined): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} must be a port number from 0 to 65535 (received ${text})`);
  }

  return port;
}
