import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  SUBMISSIONS_BUCKET,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { logger } from '../../../lib/logger.ts';
import { readExampleClusterYaml, renameCluster } from '../../fixtures/bench/generate-node-pools.ts';
import { requireTool } from '../../support/external-tools.ts';
import { sendRawRequest } from '../../unit/embedded/raw-request.ts';

const hasAwsCli = requireTool('aws', ['--version']);

/** Every file under `root` (the state dir's parent), so a write outside the state dir shows too. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .filter((file) => !file.endsWith('.lock'))
    .sort();
}

/** The embedded backend as `npm start` runs it, attacked the way the hostile-input tester did. */
describe('the embedded backend behind its guards', () => {
  let root: string;
  let backend: EmbeddedBackend;
  let s3Port: number;
  let s3: S3Client;

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-embedded-guards-'));
    backend = await startEmbeddedBackend({
      stateDir: path.join(root, 'a', 'b', 'state'),
      apiPort: 0,
      s3Port: 0,
      waitOverrideMs: 0,
    });
    s3Port = Number(new URL(backend.s3Endpoint).port);
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: backend.s3Endpoint,
      forcePathStyle: true,
      credentials: backend.endpointCredentials,
    });
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const form = (key: string) =>
    [
      '--b',
      'Content-Disposition: form-data; name="key"',
      '',
      key,
      '--b',
      'Content-Disposition: form-data; name="file"; filename="f.yaml"',
      'Content-Type: application/yaml',
      '',
      renameCluster(readExampleClusterYaml(), 'x'),
      '--b--',
      '',
    ].join('\r\n');

  it.each([
    ['clusters/x/cluster.yaml', { origin: 'http://attacker.example' }],
    ['clusters/x/cluster.yaml', {}],
    ['../../../x/form-escape.txt', {}],
  ])(
    'refuses a form upload of %s (headers %j), writes nothing and records no revision',
    async (key, headers) => {
      const before = await listFiles(root);

      const response = await sendRawRequest(s3Port, {
        method: 'POST',
        path: `/${SUBMISSIONS_BUCKET}`,
        headers: { 'content-type': 'multipart/form-data; boundary=b', ...headers },
        body: form(key),
      });
      await backend.waitForIdle();

      expect(response.status).toBe(403);
      expect(await listFiles(root)).toEqual(before);
      expect(await backend.deps.revisions.list('x')).toEqual([]);
    },
  );

  it.each([
    `/${SUBMISSIONS_BUCKET}/clusters/../../../../x/escape.txt`,
    `/${SUBMISSIONS_BUCKET}/clusters/x/cluster.yaml`,
  ])('refuses an unsigned PUT to %s and writes nothing', async (target) => {
    const before = await listFiles(root);

    const response = await sendRawRequest(s3Port, {
      method: 'PUT',
      path: target,
      body: renameCluster(readExampleClusterYaml(), 'x'),
    });
    await backend.waitForIdle();

    expect(response.status).toBe(403);
    expect(await listFiles(root)).toEqual(before);
    expect(await backend.deps.revisions.list('x')).toEqual([]);
  });

  it('refuses an API submission from a rebinding Host and records no revision', async () => {
    const apiPort = Number(new URL(backend.apiUrl).port);

    const response = await sendRawRequest(apiPort, {
      method: 'POST',
      path: '/clusters/x/revisions',
      headers: { host: `attacker.example:${apiPort}`, 'content-type': 'application/yaml' },
      body: renameCluster(readExampleClusterYaml(), 'x'),
    });
    await backend.waitForIdle();

    expect(response.status).toBe(403);
    expect(await backend.deps.revisions.list('x')).toEqual([]);
  });

  it.skipIf(!hasAwsCli)(
    'starts a run for an upload with the aws CLI, as the serve banner shows',
    async () => {
      const file = path.join(root, 'cli-cluster.yaml');
      await writeFile(file, renameCluster(readExampleClusterYaml(), 'cli'));
      const args = [
        '--cli-read-timeout',
        '20',
        '--region',
        'us-east-1',
        '--endpoint-url',
        backend.s3Endpoint,
      ];
      // Asynchronous on purpose: the backend answers from this very process.
      await new Promise<void>((resolve, reject) => {
        execFile(
          'aws',
          [...args, 's3', 'cp', file, `s3://${SUBMISSIONS_BUCKET}/clusters/cli/cluster.yaml`],
          {
            timeout: 60_000,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: root,
              AWS_ACCESS_KEY_ID: backend.endpointCredentials.accessKeyId,
              AWS_SECRET_ACCESS_KEY: backend.endpointCredentials.secretAccessKey,
              AWS_CONFIG_FILE: path.join(root, 'no-config'),
            },
          },
          (error) => (error ? reject(error) : resolve()),
        );
      });
      await backend.waitForIdle();

      const revisions = await backend.deps.revisions.list('cli');
      expect(revisions.map((revision) => [revision.revision, revision.submitter])).toEqual([
        [1, 'local:s3-upload'],
      ]);
    },
    120_000,
  );

  it('starts a run for a signed SDK upload of cluster.yaml', async () => {
    await s3.send(
      new PutObjectCommand({
        Bucket: SUBMISSIONS_BUCKET,
        Key: 'clusters/demo/cluster.yaml',
        Body: renameCluster(readExampleClusterYaml(), 'demo'),
        ContentType: 'application/yaml',
      }),
    );
    await backend.waitForIdle();

    const revisions = await backend.deps.revisions.list('demo');
    expect(revisions.map((revision) => [revision.revision, revision.submitter])).toEqual([
      [1, 'local:s3-upload'],
    ]);
  }, 120_000);
});
