import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ARTIFACTS_BUCKET, SUBMISSIONS_BUCKET } from '../../../embedded/start-embedded-backend.ts';
import { holdWrites, useEmbeddedBackendPerTest } from '../../support/embedded-backend-per-test.ts';
import { openEmbeddedS3Client } from '../../support/embedded-s3-client.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** The embedded backend's HTTP API while a stop begins: nothing half-answered, nothing new. */
describe('the embedded HTTP API during a stop', () => {
  const backend = useEmbeddedBackendPerTest('kube-aws-api-stop-');

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const submit = async (url: string) =>
    fetch(`${url}/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(EXAMPLE),
    });

  it('answers a submission 503 UNAVAILABLE and a read as usual once submissions are refused', async () => {
    const running = backend();
    running.workflow.deferNewStarts();
    running.refuseSubmissions();

    const refused = await submit(running.apiUrl);
    const read = await fetch(`${running.apiUrl}/clusters/demo`);

    expect({ status: refused.status, body: await refused.text() }).toEqual({
      status: 503,
      body: '{"error":{"code":"UNAVAILABLE","message":"the backend is stopping; submit again after it restarts"}}\n',
    });
    expect(refused.headers.get('content-type')).toBe('application/json');
    // No revision was allocated: the cluster is still unknown.
    expect(read.status).toBe(404);
  });

  it('answers an upload to the submissions bucket 503 once submissions are refused, and still takes artefact writes', async () => {
    const running = backend();
    running.workflow.deferNewStarts();
    running.refuseSubmissions();
    const s3 = openEmbeddedS3Client(running, {
      maxAttempts: 1,
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      const upload = s3.send(
        new PutObjectCommand({
          Bucket: SUBMISSIONS_BUCKET,
          Key: 'clusters/demo/cluster.yaml',
          Body: await readFile(EXAMPLE),
        }),
      );
      await expect(upload).rejects.toMatchObject({
        name: 'ServiceUnavailable',
        message: 'the backend is stopping; upload again after it restarts',
        $metadata: { httpStatusCode: 503 },
      });
      const written = await s3.send(
        new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'probe.txt', Body: 'probe' }),
      );
      expect(written.$metadata.httpStatusCode).toBe(200);
    } finally {
      s3.destroy();
    }
  });

  it('answers a submission received before the stop, and s3rver logs its write with a logger still open', async () => {
    const running = backend();
    const consoleError = vi.spyOn(console, 'error');
    // The submission is held at its S3 write until the stop has begun.
    const write = holdWrites(running.deps.artifacts);
    const answer = submit(running.apiUrl);
    await write.reached;

    const stopped = running.stop();
    write.release();

    const response = await answer;
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ cluster: 'demo', revision: 1 });
    await stopped;
    expect(consoleError.mock.calls.flat().join('\n')).not.toContain('[winston]');
    await expect(fetch(`${running.apiUrl}/healthz`)).rejects.toThrow('fetch failed');
  });
});
