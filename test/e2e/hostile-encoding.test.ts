import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBackend } from '../../embedded/start-embedded-backend.ts';
import { readExampleClusterYaml, renameCluster } from '../fixtures/bench/generate-node-pools.ts';
import { callJson, snapshotState, startHostileBackend } from './hostile-support.ts';

/** Bytes that are not UTF-8 get the same answer over HTTP as in an S3 upload: refused, with the offset. */
describe('the HTTP API given invalid UTF-8', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-utf8-'));
    backend = await startHostileBackend(stateDir);
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('answers 400 invalid-utf8 to a valid document with a 0xff byte in a comment, and stores nothing', async () => {
    const before = await snapshotState(backend, stateDir);
    const text = renameCluster(readExampleClusterYaml(), 'hostile');
    const offset = Buffer.byteLength(text) + 2;
    const body = Buffer.concat([Buffer.from(text), Buffer.from([0x23, 0x20, 0xff, 0x0a])]);

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
    });

    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        rule: 'invalid-utf8',
        message: `cluster.yaml must be UTF-8 text (received byte 0xff at offset ${offset}); save the file as UTF-8`,
      }),
    ]);
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });
});
