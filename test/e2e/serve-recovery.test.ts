import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_ERROR } from '../../embedded/record-interrupted-runs.ts';
import { pollUntil, type ServeProcess, startServe } from './cli-process.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('serve after a killed serve', () => {
  let stateDir: string;
  let serve: ServeProcess | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-serve-recovery-'));
  });
  afterEach(async () => {
    await serve?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('prints the recovered line for the run the killed serve left RUNNING', async () => {
    const first = await startServe(stateDir, env);
    const response = await fetch(`${first.apiUrl}/clusters`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: await readFile(EXAMPLE),
    });
    expect(response.status).toBe(202);
    // Killed at once: the 202 comes when the run starts, and a run takes far longer than this.
    process.kill(first.pid, 'SIGKILL');
    await pollUntil('the killed serve to be gone', async () => {
      try {
        process.kill(first.pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });

    serve = await startServe(stateDir, env);

    expect(serve.output()).toContain(
      'recovered: revision 1 of cluster demo was cut off by a stopped process; recorded FAILED and its lock released\n',
    );
    // The API's history of the cut-off run ends as its execution did, with the recorded cause.
    const history = await fetch(`${serve.apiUrl}/clusters/demo/revisions/1/history`);
    const { events } = (await history.json()) as { events: Array<Record<string, unknown>> };
    expect(events.at(-1)).toEqual({
      type: 'ExecutionAborted',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      error: INTERRUPTED_ERROR.Error,
      cause: INTERRUPTED_ERROR.Cause,
    });
    const execution = JSON.parse(
      await readFile(path.join(stateDir, 'executions', 'demo-1.json'), 'utf8'),
    ) as { status: string };
    expect(execution.status).toBe('ABORTED');
  });
});
