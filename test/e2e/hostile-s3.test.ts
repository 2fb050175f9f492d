import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_BUCKET,
  type EmbeddedBackend,
  SUBMISSIONS_BUCKET,
} from '../../embedded/start-embedded-backend.ts';
import { sha256Hex } from '../../lib/hash.ts';
import { readExampleClusterYaml, renameCluster } from '../fixtures/bench/generate-node-pools.ts';
import { openEmbeddedS3Client } from '../support/embedded-s3-client.ts';
import { snapshotState, startHostileBackend } from './hostile-support.ts';

/** Uploads under keys that try to leave `clusters/<name>/cluster.yaml`: none may start a run. */
describe('S3 uploads under hostile keys', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;
  let s3: S3Client;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-s3-'));
    backend = await startHostileBackend(stateDir);
    s3 = openEmbeddedS3Client(backend, { responseChecksumValidation: 'WHEN_REQUIRED' });
  });
  afterAll(async () => {
    s3?.destroy();
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  /** The uploader's own object lands wherever the emulator puts it; everything else is ours. */
  const productState = async () =>
    (await snapshotState(backend, stateDir)).filter(
      (entry) =>
        !entry.startsWith('s3/') ||
        entry.startsWith(`s3/${ARTIFACTS_BUCKET}/`) ||
        entry.includes('validation.json'),
    );
  const validationFiles = async () =>
    (await snapshotState(backend, stateDir)).filter((entry) => entry.includes('validation.json'));

  it.each([
    ['clusters/../../x/cluster.yaml', 'x'],
    ['clusters/a/b/cluster.yaml', 'a'],
    ['clusters/../cluster.yaml', 'kubernetes'],
    ['clusters/%2e%2e/cluster.yaml', 'x'],
    ['clusters//cluster.yaml', 'x'],
    ['clusters/x/../x/cluster.yaml', 'x'],
    ['clusters/../../kube-aws-artifacts/clusters/x/cluster.yaml', 'x'],
  ])(
    'starts no run and writes no validation.json, artifact or revision for an upload to %s',
    async (key, clusterName) => {
      const before = await productState();
      const validationsBefore = await validationFiles();
      const body = renameCluster(readExampleClusterYaml(), clusterName);

      // Some of these keys the emulator itself refuses or files under another bucket; either way
      // the product must not act on them.
      await s3
        .send(
          new PutObjectCommand({
            Bucket: SUBMISSIONS_BUCKET,
            Key: key,
            Body: body,
            ContentType: 'application/yaml',
          }),
        )
        .catch((error: unknown) => error);
      await backend.waitForIdle();

      expect(await validationFiles()).toEqual(validationsBefore);
      const after = (await productState()).filter(
        (entry) => !entry.startsWith(`s3/${ARTIFACTS_BUCKET}/clusters/x/cluster.yaml`),
      );
      expect(after).toEqual(before);
      expect(await backend.workflow.listExecutionNames()).toEqual([]);
      await expect(access(path.join(stateDir, '..', 'x', 'cluster.yaml'))).rejects.toThrow();
    },
  );

  it('still answers a well-formed upload after the hostile ones', async () => {
    const body = renameCluster(readExampleClusterYaml(), 'hostile');
    const key = 'clusters/hostile/cluster.yaml';

    await s3.send(
      new PutObjectCommand({
        Bucket: SUBMISSIONS_BUCKET,
        Key: key,
        Body: body,
        ContentType: 'application/yaml',
      }),
    );
    await backend.waitForIdle();

    const validation = await s3.send(
      new GetObjectCommand({ Bucket: SUBMISSIONS_BUCKET, Key: 'clusters/hostile/validation.json' }),
    );
    expect(JSON.parse(await validation.Body!.transformToString('utf8'))).toMatchObject({
      valid: true,
      cluster: 'hostile',
      revision: 1,
      outcome: 'started',
    });
  });

  it('records A, then B, then A again as three revisions, the last one holding A', async () => {
    const key = 'clusters/hostile/cluster.yaml';
    const documentA = renameCluster(readExampleClusterYaml(), 'hostile');
    const documentB = `${documentA}# b\n`;
    const readValidation = async () => {
      const answer = await s3.send(
        new GetObjectCommand({
          Bucket: SUBMISSIONS_BUCKET,
          Key: 'clusters/hostile/validation.json',
        }),
      );
      return JSON.parse(await answer.Body!.transformToString('utf8')) as Record<string, unknown>;
    };

    const answers: unknown[] = [];
    for (const body of [documentB, documentA]) {
      await s3.send(
        new PutObjectCommand({
          Bucket: SUBMISSIONS_BUCKET,
          Key: key,
          Body: body,
          ContentType: 'application/yaml',
        }),
      );
      await backend.waitForIdle();
      const { revision, outcome } = await readValidation();
      answers.push([revision, outcome]);
    }

    // Revision 1 (A) came from the test above, whose run has finished: each upload starts.
    expect(answers).toEqual([
      [2, 'started'],
      [3, 'started'],
    ]);
    const revisions = await backend.deps.revisions.list('hostile');
    expect(revisions.map((revision) => [revision.revision, revision.inputSha256])).toEqual([
      [3, sha256Hex(documentA)],
      [2, sha256Hex(documentB)],
      [1, sha256Hex(documentA)],
    ]);
  });
});
