import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_BUCKET,
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { openEmbeddedS3Client } from '../../support/embedded-s3-client.ts';

const BODY = Buffer.alloc(2 * 1024 * 1024, 0x61);
const SHA256 = createHash('sha256').update(BODY).digest('hex');
const ROUNDS = 20;

/**
 * Submit writes a revision's input to a key named by its sha256 each time, so the same bytes
 * land on an object a run may be reading. S3 replaces an object whole; the emulator must too.
 */
describe('the embedded S3 endpoint rewriting an object while it is read', () => {
  let root: string;
  let backend: EmbeddedBackend;
  let s3: S3Client;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-rewrite-'));
    backend = await startEmbeddedBackend({ stateDir: root, apiPort: 0, s3Port: 0 });
    s3 = openEmbeddedS3Client(backend, { maxAttempts: 1 });
  });
  afterAll(async () => {
    s3?.destroy();
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  const put = () =>
    s3.send(new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'inputs/same', Body: BODY }));
  const readSha256 = async () => {
    const answer = await s3.send(
      new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'inputs/same' }),
    );
    const bytes = Buffer.from((await answer.Body?.transformToByteArray()) ?? []);

    return createHash('sha256').update(bytes).digest('hex');
  };

  it('serves the whole object to every read made during rewrites of the same bytes', async () => {
    await put();
    const seen: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const reads = [readSha256(), readSha256(), readSha256()];
      await Promise.all([put(), ...reads.map(async (read) => seen.push(await read))]);
    }

    expect(seen.filter((sha256) => sha256 !== SHA256)).toEqual([]);
    expect(seen).toHaveLength(ROUNDS * 3);
  });
});
