import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');
const CAUSE =
  'interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again';

/** A run interrupted inside the backend: its history ends as its revision was recorded. */
describe('an interrupted embedded run', () => {
  let stateDir: string;
  let backend: EmbeddedBackend | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-interrupt-history-'));
    backend = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
  });
  afterEach(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('ends the execution history with ExecutionAborted naming the recorded cause', async () => {
    const running = backend as EmbeddedBackend;
    const artifacts = running.deps.artifacts;
    const put = artifacts.put.bind(artifacts);
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = () => {};
    const reachedWrite = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const submitted = await fetch(`${running.apiUrl}/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(EXAMPLE),
    });
    expect(submitted.status).toBe(202);
    const { executionArn } = (await submitted.json()) as { executionArn: string };
    // The run's next write is held, so the interrupt certainly finds it in progress.
    artifacts.put = async (...args) => {
      arrived();
      await held;
      return put(...args);
    };
    await reachedWrite;

    const interrupted = running.interrupt(CAUSE);
    release();

    expect(await interrupted).toMatchObject([{ cluster: 'demo', revision: 1, status: 'FAILED' }]);
    const events = await running.workflow.history(executionArn);
    expect(events.at(-1)).toEqual({
      type: 'ExecutionAborted',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      error: 'States.Aborted',
      cause: CAUSE,
    });
    const history = await fetch(`${running.apiUrl}/clusters/demo/revisions/1/history`);
    expect(((await history.json()) as { events: unknown[] }).events.at(-1)).toEqual(events.at(-1));
  });
});
