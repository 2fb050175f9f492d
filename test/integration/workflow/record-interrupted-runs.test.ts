import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REVISIONS_TABLE, startEmbeddedBackend } from '../../../embedded/start-embedded-backend.ts';

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
  it('raises a cluster record that counts fewer revisions than are stored, at the next start', async () => {
    const first = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    const { revisions } = first.deps;
    for (const note of ['a', 'b']) {
      await revisions.allocate({
        cluster: 'lagging',
        source: { kind: 'api' },
        submitter: 'local:tester',
        correlationId: `c-${note}`,
        inputKey: `clusters/lagging/inputs/${note}.yaml`,
        inputSha256: note,
      });
      await revisions.transition('lagging', note === 'a' ? 1 : 2, 'FAILED', { detail: 'test' });
    }
    // As a process killed between storing revision 2 and counting it leaves the record.
    const table = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: first.revisionTableEndpoint,
      credentials: first.endpointCredentials,
      maxAttempts: 1,
    });
    await table.send(
      new UpdateItemCommand({
        TableName: REVISIONS_TABLE,
        Key: { pk: { S: 'cluster#lagging' }, sk: { S: 'meta' } },
        UpdateExpression: 'SET latestRevision = :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    table.destroy();
    expect((await revisions.getCluster('lagging'))?.latestRevision).toBe(1);
    await first.stop();

    const second = await startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });
    try {
      expect((await second.deps.revisions.getCluster('lagging'))?.latestRevision).toBe(2);
    } finally {
      await second.stop();
    }
  });
});
