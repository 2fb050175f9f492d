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

  it('answers 409 to the same key asking to rotate everything and allow replacement, and rotates nothing', async () => {
    const body = renameCluster(readExampleClusterYaml(), 'hostile');

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
      headers: {
        'idempotency-key': 'retry-storm-1',
        'x-kube-aws-rotate': 'all',
        'x-kube-aws-allow-replace': 'true',
      },
    });

    expect(answer).toEqual({
      status: 409,
      body: {
        error: {
          code: 'CONFLICT',
          message:
            'Idempotency-Key was already used for revision 1 with other options (received ' +
            'rotate all, allowReplace true; revision 1 has rotate none, allowReplace false); ' +
            'use a new key',
        },
      },
    });
    await backend.waitForIdle();
    const list = await callJson(backend, 'GET', '/clusters/hostile/revisions');
    const revisions = list.body.revisions as Array<{ revision: number; rotate?: string[] }>;
    expect(revisions.map((revision) => [revision.revision, revision.rotate])).toEqual([
      [1, undefined],
    ]);
    expect(await backend.workflow.listExecutionNames()).toEqual(['hostile-1']);
  });
});

/** The header is copied into every state's payload: a long one must not reach them. */
describe('a correlation id that is not a short token', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-corr-'));
    backend = await startHostileBackend(stateDir);
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('is replaced by a generated id, so every history event stays within 8 KiB', async () => {
    const long = 'c'.repeat(15_000);

    const answer = await callJson(backend, 'POST', '/clusters', {
      body: renameCluster(readExampleClusterYaml(), 'x'),
      contentType: 'application/yaml',
      headers: { 'x-correlation-id': long },
    });
    await backend.waitForIdle();

    expect([answer.status, answer.body.revision]).toEqual([202, 1]);
    const revision = await callJson(backend, 'GET', '/clusters/x/revisions/1');
    expect(revision.body.correlationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    const history = await callJson(backend, 'GET', '/clusters/x/revisions/1/history');
    const events = history.body.events as unknown[];
    const sizes = events.map((event) => Buffer.byteLength(JSON.stringify(event)));
    expect(events.length).toBeGreaterThan(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8 * 1024);
    expect(JSON.stringify(history.body)).not.toContain('c'.repeat(65));
  });
});
