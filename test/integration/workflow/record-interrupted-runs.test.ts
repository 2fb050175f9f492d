import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedBackend } from '../../../embedded/start-embedded-backend.ts';

/** A serve process killed mid-run leaves a RUNNING execution and a locked cluster behind. */
describe('the embedded backend after a run was cut off', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-interrupted-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('records the revision FAILED, releases the lock and reports the execution ABORTED', async () => {
    const first = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    const { revisions } = first.deps;
    await revisions.allocate({
      cluster: 'demo',
      source: { kind: 'api' },
      submitter: 'local:tester',
      correlationId: 'c-1',
      inputKey: 'clusters/demo/inputs/x.yaml',
      inputSha256: 'x',
    });
    expect(await revisions.acquireLock('demo', 1, 3_600_000)).toBe(true);
    await revisions.transition('demo', 1, 'RUNNING', { state: 'Generate Assets' });
    await first.stop();
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:provision:demo-1';
    await mkdir(path.join(stateDir, 'executions'), { recursive: true });
    await writeFile(
      path.join(stateDir, 'executions', 'demo-1.json'),
      JSON.stringify({
        executionArn,
        name: 'demo-1',
        input: { cluster: 'demo', revision: 1, correlationId: 'c-1' },
        status: 'RUNNING',
        startedAt: '2026-12-04T00:00:00.000Z',
        ownerPid: deadPid,
        events: [],
      }),
    );

    const second = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    try {
      const revision = await second.deps.revisions.get('demo', 1);
      expect(revision?.status).toBe('FAILED');
      expect(revision?.error).toEqual({
        name: 'States.Aborted',
        message:
          'the embedded backend stopped while this run was in progress; submit the file again',
      });
      expect((await second.deps.revisions.getCluster('demo'))?.lock).toBeUndefined();
      expect((await second.workflow.describe(executionArn))?.status).toBe('ABORTED');
    } finally {
      await second.stop();
    }
  });
});
