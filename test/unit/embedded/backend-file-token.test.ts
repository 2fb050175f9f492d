import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackendFile,
  readLiveBackend,
  writeBackendFile,
} from '../../../embedded/backend-file.ts';
import { useOwnListener } from './own-listener.ts';

describe('the API token in backend.json', () => {
  const listening = useOwnListener();
  let root: string;
  let stateDir: string;
  const content = (apiToken: string | undefined): BackendFile => ({
    pid: process.pid,
    apiUrl: listening.apiUrl,
    s3Endpoint: 'http://127.0.0.1:8788',
    submissionsBucket: 'kube-aws-submissions',
    artifactsBucket: 'kube-aws-artifacts',
    startedAt: '2026-12-04T00:00:00.000Z',
    ...(apiToken === undefined ? {} : { apiToken }),
  });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-backend-token-'));
    stateDir = path.join(root, 'state');
    await mkdir(stateDir, { mode: 0o700 });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads back the token serve wrote', async () => {
    const token = 'a'.repeat(43);
    await writeBackendFile(stateDir, content(token));

    expect((await readLiveBackend(stateDir))?.apiToken).toBe(token);
  });

  it('reads a file without a token as a live backend, as a serve that predates it wrote', async () => {
    await writeBackendFile(stateDir, content(undefined));

    expect(await readLiveBackend(stateDir)).toEqual(content(undefined));
  });

  it('treats a malformed token as stale without repeating it', async () => {
    const lines: string[] = [];
    await writeBackendFile(stateDir, content('secret value with spaces'));

    expect(await readLiveBackend(stateDir, (line) => lines.push(line))).toBeUndefined();
    expect(lines).toEqual([
      `${path.join(stateDir, 'backend.json')} must hold the JSON that kube-aws serve writes ` +
        '(received apiToken: Invalid string: must match pattern /^[A-Za-z0-9_-]{43,256}$/); ' +
        'treating it as stale: no backend runs on this state dir\n',
    ]);
  });
});
