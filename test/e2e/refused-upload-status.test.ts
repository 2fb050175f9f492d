import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEndpointCredentials } from '../../embedded/endpoint-credentials.ts';
import { pollUntil, runCli, type ServeProcess, startServe } from './cli-process.ts';

/** A cluster whose only upload the submit refused: status and history say where its findings are. */
describe('status and history of a cluster whose only upload was refused', () => {
  let root: string;
  let stateDir: string;
  let serve: ServeProcess;
  let s3: S3Client;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-refused-upload-'));
    stateDir = path.join(root, 'state');
    serve = await startServe(stateDir, {});
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: serve.s3Endpoint,
      forcePathStyle: true,
      credentials: await readEndpointCredentials(stateDir),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await serve?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('exits 1 naming the validation.json beside the upload, which holds the findings', async () => {
    const example = await readFile(
      path.resolve(import.meta.dirname, '../../examples/cluster.yaml'),
      'utf8',
    );
    const bad = example
      .replace(/^clusterName:.*$/m, 'clusterName: bad3')
      .replace(/^keyName:.*$/m, 'keyName: [oops');
    await s3.send(
      new PutObjectCommand({
        Bucket: 'kube-aws-submissions',
        Key: 'clusters/bad3/cluster.yaml',
        Body: bad,
      }),
    );
    const answer = await pollUntil('validation.json beside the upload', async () => {
      try {
        const object = await s3.send(
          new GetObjectCommand({
            Bucket: 'kube-aws-submissions',
            Key: 'clusters/bad3/validation.json',
          }),
        );
        return JSON.parse((await object.Body?.transformToString()) ?? '') as {
          valid: boolean;
          errors: Array<{ rule: string }>;
        };
      } catch (error: unknown) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    });
    expect([answer.valid, answer.errors.map((finding) => finding.rule)]).toEqual([
      false,
      ['yaml-syntax'],
    ]);
    const using = `using running backend at ${serve.apiUrl} (pid ${serve.pid})\n`;
    const hint =
      'cluster bad3 has no revisions; an upload refused at submit records no revision: ' +
      'its findings are in s3://kube-aws-submissions/clusters/bad3/validation.json\n';

    const status = await runCli(['status', 'bad3', '--state-dir', stateDir], {}, 60_000);
    expect([status.code, status.stdout, status.stderr]).toEqual([
      1,
      '',
      `${using}kube-aws status: ${hint}`,
    ]);

    const history = await runCli(['history', 'bad3', '--state-dir', stateDir], {}, 60_000);
    expect([history.code, history.stdout, history.stderr]).toEqual([
      1,
      '',
      `${using}kube-aws history: ${hint}`,
    ]);
  });
});
