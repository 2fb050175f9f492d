import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT_SECRET_FILE_NAME } from '../../../embedded/endpoint-credentials.ts';
import {
  type EmbeddedBackend,
  SUBMISSIONS_BUCKET,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import type { SigV4Credentials } from '../../../embedded/verify-sigv4-request.ts';
import { logger } from '../../../lib/logger.ts';
import { readExampleClusterYaml, renameCluster } from '../../fixtures/bench/generate-node-pools.ts';

/** The S3 endpoint's key belongs to the state dir: made at the first start, kept after. */
describe('the embedded backend key across restarts', () => {
  let root: string;
  let stateDir: string;
  let backend: EmbeddedBackend | undefined;

  const start = () => startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0, waitOverrideMs: 0 });
  const upload = async (credentials: SigV4Credentials, cluster: string) => {
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: backend!.s3Endpoint,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: SUBMISSIONS_BUCKET,
          Key: `clusters/${cluster}/cluster.yaml`,
          Body: renameCluster(readExampleClusterYaml(), cluster),
        }),
      );
    } finally {
      s3.destroy();
    }
    await backend!.waitForIdle();

    return (await backend!.deps.revisions.list(cluster)).map((revision) => revision.revision);
  };

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-endpoint-key-'));
    stateDir = path.join(root, 'state');
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('takes uploads signed with the key printed before a restart, and refuses S3RVER/S3RVER', async () => {
    backend = await start();
    const printed = backend.endpointCredentials;
    await backend.stop();
    backend = await start();

    const stranger = await upload({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, 'x').then(
      () => undefined,
      (error: unknown) => [(error as Error).name, (error as Error).message],
    );
    const revisions = await upload(printed, 'demo');

    expect(backend.endpointCredentials).toEqual(printed);
    expect((await stat(path.join(stateDir, ENDPOINT_SECRET_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect(stranger).toEqual([
      'AccessDenied',
      'the request signature is refused: the access key id is unknown',
    ]);
    expect(await backend.deps.revisions.list('x')).toEqual([]);
    expect(revisions).toEqual([1]);
  }, 120_000);

  it('refuses to start on a secret file others may read, naming the file and the remedy', async () => {
    await backend?.stop();
    backend = undefined;
    const secretPath = path.join(stateDir, ENDPOINT_SECRET_FILE_NAME);
    await chmod(secretPath, 0o644);

    await expect(start()).rejects.toThrow(
      `${secretPath} must not be readable or writable by group or others (received mode 0644); ` +
        `if you trust its content run chmod 600 ${secretPath}, otherwise remove it`,
    );
    await chmod(secretPath, 0o600);
    backend = await start();
    expect((await backend.deps.revisions.list('demo')).length).toBe(1);
  }, 60_000);
});
