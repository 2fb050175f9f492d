import { randomUUID } from 'node:crypto';
import { rm, rmdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DynamoDbRevisionStore } from '../adapters/aws/dynamodb-revision-store.ts';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import { CachedObjectStore } from '../adapters/embedded/cached-object-store.ts';
import { LocalCloudInventory } from '../adapters/embedded/local-cloud-inventory.ts';
import { LocalDnsZones } from '../adapters/embedded/local-dns-zones.ts';
import { LOCAL_KEY_FILE_NAME, LocalKeyService } from '../adapters/embedded/local-key-service.ts';
import { LocalWorkflow } from '../adapters/embedded/local-workflow.ts';
import { PreviewDeployer, warmUpPreview } from '../adapters/embedded/preview-deployer.ts';
import { isWrittenOnceArtifactKey } from '../lib/artifact-keys.ts';
import { describeError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';
import type { Deps } from '../pipeline/deps.ts';
import { handleS3Upload } from '../pipeline/handle-s3-upload.ts';
import { runTask } from '../pipeline/run-task.ts';
import type { PeerCheck } from './check-peer-user.ts';
import { ENDPOINT_SECRET_FILE_NAME, openEndpointCredentials } from './endpoint-credentials.ts';
import { guardS3Requests } from './guard-s3-requests.ts';
import { listClusterNames } from './list-cluster-names.ts';
import { closeServer, listenOnLoopback } from './listen-on-loopback.ts';
import {
  type RecoveryReport,
  recordInterruptedRuns,
  recordRunsFailed,
} from './record-interrupted-runs.ts';
import { refuseUploads } from './refuse-uploads.ts';
import { registerS3rverKey } from './register-s3rver-key.ts';
import { startApiServer } from './start-api-server.ts';
import { startRevisionTable } from './start-revision-table.ts';
import { openStateDir, openStateSubdirectory, STATE_SUBDIRECTORIES } from './state-dir.ts';
import { lockStateDir } from './state-dir-lock.ts';
import { trackRequests } from './track-requests.ts';
import type { SigV4Credentials } from './verify-sigv4-request.ts';

// s3rver ships CommonJS without type declarations; this is its typed entry point.
const require = createRequire(import.meta.url);
interface S3rverInstance {
  configureBuckets(): Promise<void>;
  /** The Koa request handler; served by our own server so listen errors can be caught. */
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  logger?: { close(): void; exceptions?: { unhandle(): void } };
  on(event: 'event', listener: (event: S3EventRecords) => void): void;
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface S3EventRecords {
  Records: Array<{ eventName: string; s3: { bucket: { name: string }; object: { key: string } } }>;
}

export const EMBEDDED_REGION = 'us-east-1';
export const SUBMISSIONS_BUCKET = 'kube-aws-submissions';
export const ARTIFACTS_BUCKET = 'kube-aws-artifacts';
export const REVISIONS_TABLE = 'kube-aws-revisions';
/**
 * A run keeps about 0.2 MiB of what it wrote; the runs in flight are at most one per core,
 * so this holds dozens of runs while staying a small, fixed share of the heap.
 */
const ARTIFACT_CACHE_BYTES = 16 * 1024 * 1024;

export interface EmbeddedBackendOptions {
  stateDir: string;
  /** HTTP API port on 127.0.0.1; 0 picks a free one. */
  apiPort: number;
  /** S3 endpoint port on 127.0.0.1; 0 picks a free one. */
  s3Port: number;
  /** Milliseconds the Wait state pauses (tests); the definition's value otherwise. */
  waitOverrideMs?: number;
  retryIntervalOverrideMs?: number;
  /** Milliseconds the HTTP API waits for a whole request (tests); 30 s otherwise. */
  requestTimeoutMs?: number;
  /**
   * Who may call the HTTP API (tests: a table that cannot be read forces the bearer-token path
   * of a system that is not Linux); the process-wide check of the peer's uid when absent.
   */
  apiPeerCheck?: PeerCheck;
}

export interface EmbeddedBackend {
  apiUrl: string;
  /**
   * What the HTTP API asks for as `Authorization: Bearer <token>` where the kernel cannot say
   * which user a connection comes from (not Linux); new at each start. Never print it.
   */
  apiBearerToken: string;
  s3Endpoint: string;
  /** The revision table's DynamoDB endpoint, behind the same key as the S3 endpoint. */
  revisionTableEndpoint: string;
  /**
   * The only key the S3 endpoint and the revision table accept: the state dir's own secret
   * (`endpoint-secret.txt`, 0600), kept across restarts.
   */
  endpointCredentials: SigV4Credentials;
  deps: Deps;
  workflow: LocalWorkflow;
  /** What the start recovered from a previous process that stopped mid-run. */
  recovery: RecoveryReport;
  /** Resolves when every upload being handled and every run started here has finished. */
  waitForIdle(): Promise<void>;
  /** The HTTP API answers every submission 503 from now on; reads go on (a stop has begun). */
  refuseSubmissions(): void;
  /**
   * Aborts the runs in progress and records each revision FAILED with `cause` (the lock is
   * released; a queued revision waits for the next backend start). Returns what it recorded.
   */
  interrupt(cause: string): Promise<Array<{ cluster: string; revision: number }>>;
  /**
   * Does now the one-time loading the first run would otherwise pay for (the diff's resource
   * specification); for a backend that waits for submissions. Blocks for about half a second.
   */
  warmUp(): void;
  stop(): Promise<void>;
}

/**
 * The whole product on 127.0.0.1 with state on disk: s3rver for both buckets, dynalite for the
 * revisions table, the local key file, the preview deployer and the provision definition run by
 * aws-local-stepfunctions. Uploads of `clusters/<name>/cluster.yaml` start a run in-process.
 */
export async function startEmbeddedBackend(
  options: EmbeddedBackendOptions,
): Promise<EmbeddedBackend> {
  const { stateDir } = options;
  const created = await openStateDir(stateDir);
  // A lost lock race leaves the state dir alone, even one this call created: the winner uses it.
  const unlock = await lockStateDir(stateDir);
  const stops: Array<() => Promise<void>> = [unlock];
  const stopStarted = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };

  try {
    for (const name of STATE_SUBDIRECTORIES) await openStateSubdirectory(stateDir, name);

    return await startParts(options, stops, stopStarted);
  } catch (error: unknown) {
    // A half-started backend would keep the process alive with servers nobody can reach. The
    // lock is released last, after what this start created is gone, so no other process starts
    // on files about to be removed.
    stops.shift();
    await stopStarted();
    // A start that fails on a state dir it created leaves nothing behind, so the next command is
    // not misled into thinking there is state.
    if (created !== undefined) await removeCreatedEntries(stateDir);
    await unlock();
    if (created !== undefined) await removeEmptyDirectories(stateDir, created);
    throw error;
  }
}

async function removeCreatedEntries(stateDir: string): Promise<void> {
  for (const name of [...STATE_SUBDIRECTORIES, ENDPOINT_SECRET_FILE_NAME, LOCAL_KEY_FILE_NAME]) {
    await rm(path.join(stateDir, name), { recursive: true, force: true });
  }
}

/**
 * Removes the directories this start created, deepest first, each only while empty: a process
 * that found the new state dir meanwhile may be about to lock it, and its files are not ours.
 */
async function removeEmptyDirectories(stateDir: string, created: string): Promise<void> {
  for (let directory = stateDir; ; directory = path.dirname(directory)) {
    try {
      await rmdir(directory);
    } catch (error: unknown) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return;
      throw error;
    }
    if (directory === created || path.dirname(directory) === directory) return;
  }
}

async function startParts(
  options: EmbeddedBackendOptions,
  stops: Array<() => Promise<void>>,
  stopStarted: () => Promise<void>,
): Promise<EmbeddedBackend> {
  const { stateDir } = options;
  const credentials = await openEndpointCredentials(stateDir);
  registerS3rverKey(credentials);
  const s3 = new S3rver({
    silent: true,
    directory: path.join(stateDir, 's3'),
    configureBuckets: [{ name: SUBMISSIONS_BUCKET }, { name: ARTIFACTS_BUCKET }],
  });
  await s3.configureBuckets();
  // s3rver alone takes anonymous, cross-site and path-climbing requests; the guard refuses them.
  // Bounded like the revision table's port: a client that sends nothing, or too slowly, is cut
  // off, and connections beyond the cap are refused before they hold any memory.
  const handleS3Request = s3.callback();
  const s3Requests = new Set<Promise<void>>();
  const uploadGate = { refused: false };
  const s3Server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 5_000 },
    guardS3Requests(
      refuseUploads(trackRequests(handleS3Request, s3Requests), SUBMISSIONS_BUCKET, uploadGate),
      {
        buckets: [SUBMISSIONS_BUCKET, ARTIFACTS_BUCKET],
        credentials,
      },
    ),
  );
  s3Server.maxConnections = 256;
  const s3Port = await listenOnLoopback(s3Server, options.s3Port, '--s3-port');
  stops.push(async () => {
    await closeServer(s3Server);
    // s3rver logs a write once it is stored, which may be after its connection closed: a
    // logger closed before that prints winston's "no transports" warning to stderr.
    while (s3Requests.size > 0) await Promise.allSettled([...s3Requests]);
    s3.logger?.exceptions?.unhandle();
    s3.logger?.close();
  });
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;

  const table = await startRevisionTable({
    directory: path.join(stateDir, 'dynamodb'),
    tableName: REVISIONS_TABLE,
    region: EMBEDDED_REGION,
    credentials,
  });
  stops.push(table.stop);
  const dynamoClient = table.client;

  const storeOptions = {
    region: EMBEDDED_REGION,
    endpoint: s3Endpoint,
    credentials,
    forcePathStyle: true,
    templateUrlStyle: 'path' as const,
  };
  const artifactsBucket = new S3ObjectStore({ ...storeOptions, bucket: ARTIFACTS_BUCKET });
  const artifacts = new CachedObjectStore(artifactsBucket, {
    isImmutable: isWrittenOnceArtifactKey,
    maxBytes: ARTIFACT_CACHE_BYTES,
  });
  const submissions = new S3ObjectStore({ ...storeOptions, bucket: SUBMISSIONS_BUCKET });
  const revisions = new DynamoDbRevisionStore({ tableName: REVISIONS_TABLE, client: dynamoClient });

  // The workflow calls back into the deps that contain it; the closure resolves after both exist.
  const workflow: LocalWorkflow = new LocalWorkflow({
    stateDir,
    runTask: (input) => runTask(input, deps),
    ...(options.waitOverrideMs === undefined ? {} : { waitOverrideMs: options.waitOverrideMs }),
    ...(options.retryIntervalOverrideMs === undefined
      ? {}
      : { retryIntervalOverrideMs: options.retryIntervalOverrideMs }),
  });
  const deps: Deps = {
    artifacts,
    revisions,
    keys: await LocalKeyService.open(stateDir),
    deployer: new PreviewDeployer(),
    dns: await LocalDnsZones.open(path.join(stateDir, 'zones.json')),
    inventory: new LocalCloudInventory(),
    workflow,
    queueMode: 'queue',
    now: () => new Date(),
  };

  const uploads = new Set<Promise<void>>();
  s3.on('event', (event) => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      if (record.s3.bucket.name !== SUBMISSIONS_BUCKET) continue;
      const pending = handleS3Upload(
        {
          bucket: SUBMISSIONS_BUCKET,
          key: record.s3.object.key,
          submitter: 'local:s3-upload',
          correlationId: randomUUID(),
        },
        { ...deps, submissions },
      )
        .then(() => undefined)
        .catch((error: unknown) => {
          logger.error('s3 upload handling failed', { error: describeError(error) });
        })
        .finally(() => uploads.delete(pending));
      uploads.add(pending);
    }
  });

  stops.push(async () => {
    artifactsBucket.destroy();
    submissions.destroy();
    revisions.destroy();
  });
  const recovery = await recordInterruptedRuns(
    workflow,
    deps,
    await listClusterNames(dynamoClient, REVISIONS_TABLE),
  );
  const api = await startApiServer({
    port: options.apiPort,
    deps,
    ...(options.requestTimeoutMs === undefined
      ? {}
      : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.apiPeerCheck === undefined ? {} : { peerCheck: options.apiPeerCheck }),
  });

  const waitForIdle = async () => {
    while (uploads.size > 0) await Promise.all([...uploads]);
    await workflow.waitForIdle();
  };

  return {
    apiUrl: api.url,
    apiBearerToken: api.bearerToken,
    s3Endpoint,
    revisionTableEndpoint: table.endpoint,
    endpointCredentials: credentials,
    deps,
    workflow,
    recovery,
    waitForIdle,
    refuseSubmissions: () => {
      api.refuseSubmissions();
      uploadGate.refused = true;
    },
    interrupt: async (cause) => {
      workflow.deferNewStarts();
      const reason = { Error: 'States.Aborted', Cause: cause };

      return recordRunsFailed(await workflow.abortRunning(reason), reason, deps);
    },
    warmUp: warmUpPreview,
    stop: async () => {
      await api.stop();
      await waitForIdle();
      await stopStarted();
    },
  };
}
