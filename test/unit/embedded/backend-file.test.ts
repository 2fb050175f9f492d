import { spawn } from 'node:child_process';
import {
  chmod,
  chown,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackendFile,
  readLiveBackend,
  writeBackendFile,
} from '../../../embedded/backend-file.ts';
import { useOwnListener } from './own-listener.ts';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('backend.json', () => {
  const listening = useOwnListener();
  let root: string;
  let stateDir: string;
  let file: string;
  const content = (pid: number, apiUrl = listening.apiUrl): BackendFile => ({
    pid,
    apiUrl,
    s3Endpoint: 'http://127.0.0.1:8788',
    submissionsBucket: 'kube-aws-submissions',
    artifactsBucket: 'kube-aws-artifacts',
    startedAt: '2026-12-04T00:00:00.000Z',
  });
  const readReporting = async () => {
    const lines: string[] = [];
    const backend = await readLiveBackend(stateDir, (line) => lines.push(line));

    return { backend, lines };
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-backend-file-'));
    stateDir = path.join(root, 'state');
    await mkdir(stateDir, { mode: 0o700 });
    file = path.join(stateDir, 'backend.json');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the file 0600 through a temporary file that does not stay behind', async () => {
    await writeBackendFile(stateDir, content(process.pid));

    expect((await lstat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(stateDir)).toEqual(['backend.json']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(content(process.pid));
  });

  it('replaces a symbolic link planted as backend.json instead of writing through it', async () => {
    const victim = path.join(root, 'victim.json');
    await writeFile(victim, 'precious\n', { mode: 0o600 });
    await symlink(victim, file);

    await writeBackendFile(stateDir, content(process.pid));

    expect(await readFile(victim, 'utf8')).toBe('precious\n');
    expect((await lstat(file)).isFile()).toBe(true);
    expect(await readLiveBackend(stateDir)).toEqual(content(process.pid));
  });

  it('returns undefined without a report when the state dir does not exist', async () => {
    stateDir = path.join(root, 'missing');

    expect(await readReporting()).toEqual({ backend: undefined, lines: [] });
  });

  it('reports a truncated file once, naming it, and treats it as stale', async () => {
    await writeFile(file, '{"pid":', { mode: 0o600 });

    expect(await readReporting()).toEqual({
      backend: undefined,
      lines: [
        `${file} must hold the JSON that kube-aws serve writes (received 7 bytes that are not complete JSON); ` +
          'treating it as stale: no backend runs on this state dir\n',
      ],
    });
  });

  it('reports a file of the wrong shape, naming the field, and treats it as stale', async () => {
    await writeFile(file, JSON.stringify({ ...content(process.pid), apiUrl: 7 }), { mode: 0o600 });

    expect(await readReporting()).toEqual({
      backend: undefined,
      lines: [
        `${file} must hold the JSON that kube-aws serve writes (received apiUrl: Invalid input: expected string, received number); ` +
          'treating it as stale: no backend runs on this state dir\n',
      ],
    });
  });

  it.each([
    'http://127.0.0.1:19999/steal',
    'http://10.0.0.1:8787',
    'https://127.0.0.1:8787',
    'http://localhost:8787',
    'http://127.0.0.1:70000',
  ])('refuses a live backend at %s as not ours', async (apiUrl) => {
    await writeBackendFile(stateDir, content(process.pid, apiUrl));

    await expect(readLiveBackend(stateDir)).rejects.toThrow(
      `${file} apiUrl must be http://127.0.0.1:<port>, where kube-aws serve listens ` +
        `(received ${JSON.stringify(apiUrl)}); this file is not ours: remove it, and stop whatever process wrote it`,
    );
  });

  it('ignores a foreign apiUrl in a file whose process has exited', async () => {
    const exited = await exitedPid();
    await writeBackendFile(stateDir, content(exited, 'http://10.0.0.1:8787'));

    expect(await readReporting()).toEqual({ backend: undefined, lines: [] });
  });

  it('refuses backend.json when it is a symbolic link', async () => {
    const elsewhere = path.join(root, 'elsewhere.json');
    await writeFile(elsewhere, JSON.stringify(content(process.pid)), { mode: 0o600 });
    await symlink(elsewhere, file);

    await expect(readLiveBackend(stateDir)).rejects.toThrow(
      `${file} must be a regular file (received a symbolic link); remove it; kube-aws serve writes a new one when it starts`,
    );
  });

  it('refuses backend.json that others may read', async () => {
    await writeBackendFile(stateDir, content(process.pid));
    await chmod(file, 0o644);

    await expect(readLiveBackend(stateDir)).rejects.toThrow(
      `${file} must not be readable or writable by group or others (received mode 0644); ` +
        `if you trust its content run chmod 600 ${file}, otherwise remove it`,
    );
  });

  it.skipIf(!isRoot)(
    'refuses a world-writable state dir of another user before reading it',
    async () => {
      const shared = path.join(root, 'shared');
      await mkdir(shared);
      await chmod(shared, 0o777);
      await chown(shared, NOBODY, NOBODY);
      await writeFile(
        path.join(shared, 'backend.json'),
        JSON.stringify(content(1, 'http://127.0.0.1:19999')),
        { mode: 0o600 },
      );

      await expect(readLiveBackend(shared)).rejects.toThrow(
        `${shared} must be owned by uid 0, the user running the backend (received uid ${NOBODY}); ` +
          `choose another state directory, or if you trust its content run chown -R 0 ${shared}`,
      );
    },
  );
});

function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);

  return new Promise((resolve) => child.once('exit', () => resolve(child.pid ?? 0)));
}
