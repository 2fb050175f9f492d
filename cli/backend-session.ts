import { stat } from 'node:fs/promises';
import { readLiveBackend } from '../embedded/backend-file.ts';
import type { PeerCheck } from '../embedded/check-peer-user.ts';
import type { RecoveryReport } from '../embedded/record-interrupted-runs.ts';
import type { AwsModeUse } from '../embedded/start-aws-backend.ts';
import { resolveStateDir, STATE_DIR_ENV } from '../embedded/state-dir.ts';
import { logger } from '../lib/logger.ts';
import type { RuntimeConfig } from '../lib/runtime-config.ts';
import { type CliIo, UsageError } from './cli-io.ts';

export interface BackendSession {
  apiUrl: string;
  /**
   * Sent as `Authorization: Bearer` on every request: what the HTTP API of a backend found
   * through the state dir, or started here, asks for where it cannot tell local users apart (not
   * Linux). Never printed, logged or put in a message; absent for `--api`, whose server is not
   * ours to hand a token to.
   */
  bearerToken?: string;
  /** How the CLI reached the backend, printed so nobody wonders where a revision went. */
  description: string;
  /**
   * Present when the backend runs inside this process: aborts its runs and records each revision
   * FAILED with `cause`, releasing the lock. A backend elsewhere keeps running on its own.
   */
  interrupt?: (cause: string) => Promise<Array<{ cluster: string; revision: number }>>;
  /** `aws` when this process runs the workflow with the AWS adapters (applies are real). */
  mode?: 'aws' | 'embedded' | 'remote';
  /** The AWS resources in AWS mode, for messages that name them. */
  awsConfig?: Readonly<RuntimeConfig>;
  close(): Promise<void>;
}

/**
 * `--api URL` when given, else the backend that `serve` runs on this state dir, else the embedded
 * backend started inside this process on the same state (on free ports, stopped at the end).
 */
export async function openBackendSession(
  flags: { api?: string | undefined; 'state-dir'?: string | undefined },
  io: CliIo,
  options: {
    /** In AWS mode, preview the stack change instead of applying it (render --export). */
    previewOnly?: boolean;
    /** Readers (status, history) never create state: a missing state dir is an error. */
    requireExistingState?: boolean;
    /** Who may call an in-process embedded backend's API (tests); the peer-uid check otherwise. */
    apiPeerCheck?: PeerCheck;
  } = {},
): Promise<BackendSession> {
  if (flags.api !== undefined) {
    if (!URL.canParse(flags.api) || !/^https?:$/.test(new URL(flags.api).protocol)) {
      throw new UsageError(`--api must be an http:// or https:// URL (received ${flags.api})`);
    }
    const apiUrl = flags.api.replace(/\/+$/, '');
    const bearerToken = await findServeToken(apiUrl, flags['state-dir'], io);
    return {
      apiUrl,
      ...(bearerToken === undefined ? {} : { bearerToken }),
      description: `backend at ${flags.api}`,
      mode: 'remote',
      close: async () => {},
    };
  }
  const stateDir = resolveStateDir(flags['state-dir'], io.env, io.cwd);
  // Checks the state dir (ours, private, not a link) before anything in it is trusted.
  const live = await readLiveBackend(stateDir, (line) => io.err(line));
  if (live === undefined) {
    const { readAwsModeConfig } = await import('../embedded/start-aws-backend.ts');
    const config = readAwsModeConfig(io.env);
    if (config !== undefined) return openAwsSession(config, stateDir, io, options);
  }
  if (live !== undefined) {
    return {
      apiUrl: live.apiUrl,
      ...(live.apiToken === undefined ? {} : { bearerToken: live.apiToken }),
      description: `running backend at ${live.apiUrl} (pid ${live.pid})`,
      // Only an embedded serve writes backend.json.
      mode: 'embedded',
      close: async () => {},
    };
  }

  if (options.requireExistingState === true && !(await isDirectory(stateDir))) {
    throw new Error(
      `${stateDir} does not exist, and no backend runs on it (received no state); pass --state-dir or set ${STATE_DIR_ENV} to the state dir that up or serve used`,
    );
  }
  // The CLI's own output is the report (recoveries and interruptions included); the backend's
  // INFO and WARN lines would repeat or bury it unless asked for with KUBE_AWS_LOG_LEVEL.
  if (io.env.KUBE_AWS_LOG_LEVEL === undefined) logger.setLogLevel('ERROR');
  // Loaded only here: the emulators are not needed when a backend already runs.
  const { startEmbeddedBackend } = await import('../embedded/start-embedded-backend.ts');
  const backend = await startEmbeddedBackend({
    stateDir,
    apiPort: 0,
    s3Port: 0,
    ...(options.apiPeerCheck === undefined ? {} : { apiPeerCheck: options.apiPeerCheck }),
  });
  for (const line of describeRecovery(backend.recovery)) io.err(`${line}\n`);

  return {
    apiUrl: backend.apiUrl,
    bearerToken: backend.apiBearerToken,
    description: `embedded backend in this process (state in ${stateDir})`,
    mode: 'embedded',
    interrupt: (cause) => backend.interrupt(cause),
    close: () => backend.stop(),
  };
}

/** One line per run a start recovered from a process that stopped mid-run. */
export function describeRecovery(recovery: RecoveryReport): string[] {
  return [
    ...recovery.failed.map(
      ({ cluster, revision }) =>
        `recovered: revision ${revision} of cluster ${cluster} was cut off by a stopped process; recorded FAILED and its lock released`,
    ),
    ...(recovery.finished ?? []).map(
      ({ cluster, revision, status }) =>
        `recovered: revision ${revision} of cluster ${cluster} had already finished: ${status}`,
    ),
    ...recovery.resumed.map(
      ({ cluster, revision }) =>
        `recovered: revision ${revision} of cluster ${cluster} had not started; started it now`,
    ),
    ...recovery.started.map(
      ({ cluster, revision }) =>
        `recovered: queued revision ${revision} of cluster ${cluster} started`,
    ),
  ];
}

/** The same ASL in this process with the AWS adapters: what "unless AWS is configured" means. */
async function openAwsSession(
  config: Readonly<RuntimeConfig>,
  stateDir: string,
  io: CliIo,
  options: { previewOnly?: boolean; requireExistingState?: boolean },
): Promise<BackendSession> {
  if (io.env.KUBE_AWS_LOG_LEVEL === undefined) logger.setLogLevel('ERROR');
  const { describeAwsMode, startAwsBackend } = await import('../embedded/start-aws-backend.ts');
  const backend = await startAwsBackend({
    stateDir,
    apiPort: 0,
    config,
    previewOnly: options.previewOnly === true,
    readOnly: options.requireExistingState === true,
  });
  for (const line of describeRecovery(backend.recovery)) io.err(`${line}\n`);

  return {
    apiUrl: backend.apiUrl,
    bearerToken: backend.apiBearerToken,
    description: describeAwsMode(config, io.env, describeAwsUse(options)),
    mode: 'aws',
    awsConfig: config,
    interrupt: (cause) => backend.interrupt(cause),
    close: () => backend.stop(),
  };
}

/** Readers say they only read; only a command that submits says it may apply. */
function describeAwsUse(options: {
  previewOnly?: boolean;
  requireExistingState?: boolean;
}): AwsModeUse {
  if (options.requireExistingState === true) return 'read';

  return options.previewOnly === true ? 'preview' : 'apply';
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** No answer from the HTTP API at all (refused, reset, timed out): the backend may be gone. */
export class BackendUnreachableError extends Error {
  override name = 'BackendUnreachableError';

  constructor(
    message: string,
    /** What the connection gave instead of an answer (`connection refused`). */
    readonly received: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One JSON request to the HTTP API; a refused connection names the URL and the remedy. */
export async function callApi(
  session: BackendSession,
  method: string,
  path: string,
  body?: { text: string; contentType: string; headers?: Record<string, string> },
): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(`${session.apiUrl}${path}`, {
      method,
      // The client header only labels the revision's source; the submitter stays the caller.
      headers: {
        'x-kube-aws-client': 'cli',
        ...(session.bearerToken === undefined
          ? {}
          : { authorization: `Bearer ${session.bearerToken}` }),
        ...(body === undefined ? {} : { 'content-type': body.contentType, ...body.headers }),
      },
      ...(body === undefined ? {} : { body: body.text }),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (error: unknown) {
    const received = describeFetchError(error);
    throw new BackendUnreachableError(
      `${session.apiUrl} did not answer (received ${received}); is the backend running?`,
      received,
      { cause: error },
    );
  }
  const text = await response.text();
  if (text === '') return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch (error: unknown) {
    throw new Error(
      `${session.apiUrl} answered ${response.status} with a body that is not JSON ` +
        `(received ${JSON.stringify(text.slice(0, 80))}); is it a kube-aws backend?`,
      { cause: error },
    );
  }
}

/** The `{error: {message}}` of an API answer, or its status when it has none. */
export function describeApiError(answer: ApiAnswer): string {
  const message = (answer.body as { error?: { message?: string } } | undefined)?.error?.message;

  return message ?? `the API answered ${answer.status}`;
}

async function isDirectory(candidate: string): Promise<boolean> {
  try {
    return (await stat(candidate)).isDirectory();
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function describeFetchError(error: unknown): string {
  // fetch wraps the socket error; a refused connection may arrive as an AggregateError of tries.
  const cause = (
    error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }
  ).cause;
  const code = cause?.code ?? cause?.errors?.find((attempt) => attempt.code !== undefined)?.code;

  if (code === 'ECONNREFUSED') return 'connection refused';
  // fetch never connects to ports on its blocked list (9, 25, 6000, ...): say why.
  if (cause?.message === 'bad port') return 'a port fetch refuses to use; pick another port';

  return code ?? cause?.message ?? (error instanceof Error ? error.message : 'unknown');
}

/**
 * The token of this state dir's `serve` when `--api` names the address that serve recorded (the
 * one its banner prints), so `--api` works where the API asks for the token (not Linux). Any
 * other URL gets no token: it goes only to the server that wrote it.
 */
async function findServeToken(
  apiUrl: string,
  stateDirFlag: string | undefined,
  io: CliIo,
): Promise<string | undefined> {
  const stateDir = resolveStateDir(stateDirFlag, io.env, io.cwd);
  if (!(await isDirectory(stateDir))) return undefined;
  try {
    const live = await readLiveBackend(stateDir, () => {});

    return live?.apiUrl === apiUrl ? live.apiToken : undefined;
  } catch (error: unknown) {
    // A state dir that fails its checks hands out nothing; --api itself does not need it.
    if (error instanceof Error) return undefined;
    throw error;
  }
}
