import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { submitClusterYaml } from '../../../pipeline/submit.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** Recovery at start: what a process that stopped mid-run left behind on the state dir. */
describe('startEmbeddedBackend recovery', () => {
  let stateDir: string;
  let backend: EmbeddedBackend | undefined;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-recover-'));
  });
  afterEach(async () => {
    await backend?.stop();
    backend = undefined;
    await rm(stateDir, { recursive: true, force: true });
  });

  const start = () => startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0, waitOverrideMs: 10 });
  const submit = async (target: EmbeddedBackend) =>
    submitClusterYaml(
      { body: await readFile(EXAMPLE), source: { kind: 'cli' }, submitter: 'test' },
      target.deps,
    );

  it('starts a RUNNING revision whose execution never started, and it ends PLANNED', async () => {
    const first = await start();
    first.workflow.deferNewStarts();
    expect(await submit(first)).toMatchObject({ outcome: 'started', revision: 1 });
    expect((await first.deps.revisions.get('demo', 1))?.status).toBe('RUNNING');
    await first.stop();

    backend = await start();
    expect(backend.recovery).toEqual({
      failed: [],
      resumed: [{ cluster: 'demo', revision: 1 }],
      started: [],
    });
    await backend.waitForIdle();
    expect((await backend.deps.revisions.get('demo', 1))?.status).toBe('PLANNED');
    expect((await backend.deps.revisions.getCluster('demo'))?.lock).toBeUndefined();
  });

  it('records FAILED a RUNNING revision whose execution ended unrecorded, then starts the queued one', async () => {
    const first = await start();
    first.workflow.deferNewStarts();
    await submit(first);
    expect(await submit(first)).toMatchObject({ outcome: 'queued', revision: 2, queuePosition: 1 });
    await first.stop();
    // What a process killed between the end of the execution and Record Failure leaves.
    await mkdir(path.join(stateDir, 'executions'), { recursive: true });
    await writeFile(
      path.join(stateDir, 'executions', 'demo-1.json'),
      JSON.stringify({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:provision:demo-1',
        name: 'demo-1',
        input: { cluster: 'demo', revision: 1, correlationId: 'c' },
        status: 'FAILED',
        startedAt: '2026-12-04T00:00:00.000Z',
        stoppedAt: '2026-12-04T00:00:01.000Z',
        ownerPid: 1,
        events: [],
      }),
    );

    backend = await start();
    expect(backend.recovery.failed).toEqual([{ cluster: 'demo', revision: 1 }]);
    await backend.waitForIdle();
    expect((await backend.deps.revisions.get('demo', 1))?.error).toEqual({
      name: 'States.Aborted',
      message: 'the execution ended FAILED without recording a result; submit the file again',
    });
    expect((await backend.deps.revisions.get('demo', 2))?.status).toBe('PLANNED');
  });

  it('records FAILED an execution its process left RUNNING, whatever process now has its pid', async () => {
    const first = await start();
    first.workflow.deferNewStarts();
    await submit(first);
    await first.stop();
    const file = path.join(stateDir, 'executions', 'demo-1.json');
    await mkdir(path.dirname(file), { recursive: true });
    // This test's own pid: alive, yet not a backend of this state dir.
    await writeFile(
      file,
      JSON.stringify({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:provision:demo-1',
        name: 'demo-1',
        input: { cluster: 'demo', revision: 1, correlationId: 'c' },
        status: 'RUNNING',
        startedAt: '2026-12-04T00:00:00.000Z',
        ownerPid: process.pid,
        events: [],
      }),
    );

    backend = await start();
    expect(backend.recovery.failed).toEqual([{ cluster: 'demo', revision: 1 }]);
    const revision = await backend.deps.revisions.get('demo', 1);
    expect(revision?.status).toBe('FAILED');
    expect(revision?.error?.message).toBe(
      'the embedded backend stopped while this run was in progress; submit the file again',
    );
    expect((await backend.deps.revisions.getCluster('demo'))?.lock).toBeUndefined();
    expect(JSON.parse(await readFile(file, 'utf8')).status).toBe('ABORTED');
  });
});
