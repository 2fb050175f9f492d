import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackendFile,
  readLiveBackend,
  removeBackendFile,
  writeBackendFile,
} from '../../../embedded/backend-file.ts';
import { useOwnListener } from '../embedded/own-listener.ts';

describe('readLiveBackend', () => {
  const listening = useOwnListener();
  let stateDir: string;
  const content = (pid: number): BackendFile => ({
    pid,
    apiUrl: listening.apiUrl,
    s3Endpoint: 'http://127.0.0.1:8788',
    submissionsBucket: 'kube-aws-submissions',
    artifactsBucket: 'kube-aws-artifacts',
    startedAt: '2026-12-04T00:00:00.000Z',
  });

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-backend-file-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('returns the backend whose process is alive', async () => {
    await writeBackendFile(stateDir, content(process.pid));

    expect(await readLiveBackend(stateDir)).toEqual(content(process.pid));
  });

  it('treats a file left by a process that has exited as absent', async () => {
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeBackendFile(stateDir, content(exited));

    expect(await readLiveBackend(stateDir)).toBeUndefined();
  });

  it('returns undefined when there is no file, also after removal', async () => {
    await writeBackendFile(stateDir, content(process.pid));
    await removeBackendFile(stateDir);

    expect(await readLiveBackend(stateDir)).toBeUndefined();
  });
});
