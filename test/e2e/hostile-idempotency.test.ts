import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBackend } from '../../embedded/start-embedded-backend.ts';
import { readExampleClusterYaml, renameCluster } from '../fixtures/bench/generate-node-pools.ts';
import { callJson, errorCodeOf, isTerminal, startHostileBackend } from './hostile-support.ts';

const RETRIES = 20;

/** Retries that race: one Idempotency-Key sent many times at once must make exactly one revision. */
describe('concurrent retries with one Idempotency-Key', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-idem-'));
    backend = await startHostileBackend(stateDir);
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it(`makes one revision from ${RETRIES} simultaneous POSTs and gives all of them its number`, async () => {
    const body = renameCluster(readExampleClusterYaml(), 'hostile');
    const send = () =>
      callJson(backend, 'POST', '/clusters', {
        body,
        contentType: 'application/yaml',
        headers: { 'idempotency-key': 'retry-storm-1' },
      });

    const answers = await Promise.all(Array.from({ length: RETRIES }, send));

    expect(answers.map((answer) => answer.status)).toEqual(Array(RETRIES).fill(202));
    expect(answers.map((answer) => answer.body.revision)).toEqual(Array(RETRIES).fill(1));
    const outcomes = answers.map((answer) => answer.body.outcome).sort();
    expect(outcomes).toEqual([...Array(RETRIES - 1).fill('duplicate'), 'started']);
    await backend.waitForIdle();
    const list = await callJson(backend, 'GET', '/clusters/hostile/revisions');
    const revisions = list.body.revisions as Array<{ revision: number; status: string }>;
    expect(revisions.map((revision) => revision.revision)).toEqual([1]);
    expect(isTerminal(revisions[0]?.status)).toBe(true);
    expect(await backend.workflow.listExecutionNames()).toEqual(['hostile-1']);
  });

  it('answers 409 to the same key with another document, and adds no revision', async () => {
    const body = `${renameCluster(readExampleClusterYaml(), 'hostile')}# edited\n`;

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
      headers: { 'idempotency-key': 'retry-storm-1' },
    });

    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe('CONFLICT');
    const list = await callJson(backend, 'GET', '/clusters/hostile/revisions');
    expect((list.body.revisions as Array<{ revision: number }>).map((r) => r.revision)).toEqual([
      1,
    ]);
  });
});
