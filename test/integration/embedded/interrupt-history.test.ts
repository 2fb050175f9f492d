import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdWrites, useEmbeddedBackendPerTest } from '../../support/embedded-backend-per-test.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');
const CAUSE =
  'interrupted (second SIGINT) while kube-aws serve was stopping; submit the file again';

/** A run interrupted inside the backend: its history ends as its revision was recorded. */
describe('an interrupted embedded run', () => {
  const backend = useEmbeddedBackendPerTest('kube-aws-interrupt-history-');

  it('ends the execution history with ExecutionAborted naming the recorded cause', async () => {
    const running = backend();
    const submitted = await fetch(`${running.apiUrl}/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(EXAMPLE),
    });
    expect(submitted.status).toBe(202);
    const { executionArn } = (await submitted.json()) as { executionArn: string };
    // The run's next write is held, so the interrupt certainly finds it in progress.
    const write = holdWrites(running.deps.artifacts);
    await write.reached;

    const interrupted = running.interrupt(CAUSE);
    write.release();

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
