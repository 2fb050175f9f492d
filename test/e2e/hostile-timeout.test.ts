import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBackend } from '../../embedded/start-embedded-backend.ts';
import { readExampleClusterYaml, renameCluster } from '../fixtures/bench/generate-node-pools.ts';
import { callJson, sendRaw, snapshotState, startHostileBackend } from './hostile-support.ts';

const VALID = renameCluster(readExampleClusterYaml(), 'hostile');

/** A body that stops arriving is cut off by the server's own request timeout (1 s here). */
describe('the HTTP API with a 1 s request timeout', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-timeout-'));
    backend = await startHostileBackend(stateDir, { requestTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('answers 408 to a body 500 bytes short that stays open, keeps serving, and stores nothing', async () => {
    const before = await snapshotState(backend, stateDir);
    const head = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\nContent-Length: ${Buffer.byteLength(VALID) + 500}\r\n\r\n`;

    const answer = await sendRaw(backend.apiUrl, [head, VALID], { deadlineMs: 5_000 });

    expect(answer.timedOut).toBe(false);
    expect(answer.status).toBe(408);
    const next = await callJson(backend, 'GET', '/clusters/hostile');
    expect(next.status).toBe(404);
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });
});
