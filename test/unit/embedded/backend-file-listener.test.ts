import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackendFile,
  readLiveBackend,
  writeBackendFile,
} from '../../../embedded/backend-file.ts';
import { PROC_NET_TCP } from '../../../embedded/find-peer-uid.ts';

const NOBODY = 65534;
const hasSocketTable = spawnSync('test', ['-r', PROC_NET_TCP]).status === 0;
const canSwitchUser =
  hasSocketTable && process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
if (!hasSocketTable) console.warn(`skipped: the listener checks need ${PROC_NET_TCP} (Linux)`);
if (hasSocketTable && !canSwitchUser) {
  console.warn('skipped: the foreign-listener test needs root and setpriv to act as uid 65534');
}

describe.skipIf(!hasSocketTable)('backend.json and who listens on its port', () => {
  let root: string;
  let stateDir: string;
  let file: string;
  const servers: Server[] = [];
  const children: ChildProcess[] = [];
  const content = (apiUrl: string): BackendFile => ({
    pid: process.pid,
    apiUrl,
    s3Endpoint: 'http://127.0.0.1:8788',
    submissionsBucket: 'kube-aws-submissions',
    artifactsBucket: 'kube-aws-artifacts',
    startedAt: '2026-12-04T00:00:00.000Z',
    apiToken: 't'.repeat(43),
  });
  const readReporting = async (tablePath?: string) => {
    const lines: string[] = [];
    const backend = await readLiveBackend(stateDir, (line) => lines.push(line), tablePath);

    return { backend, lines };
  };
  const listenHere = async (): Promise<number> => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    return (server.address() as AddressInfo).port;
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-backend-listener-'));
    stateDir = path.join(root, 'state');
    await mkdir(stateDir, { mode: 0o700 });
    file = path.join(stateDir, 'backend.json');
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      await new Promise((resolve) => server.close(resolve));
    }
    for (const child of children.splice(0)) child.kill();
    await rm(root, { recursive: true, force: true });
  });

  it('trusts the file while a socket of this user listens on its port', async () => {
    const apiUrl = `http://127.0.0.1:${await listenHere()}`;
    await writeBackendFile(stateDir, content(apiUrl));

    expect(await readReporting()).toEqual({ backend: content(apiUrl), lines: [] });
  });

  it('treats the file as stale, saying why once, when nothing listens on its port', async () => {
    const port = await listenHere();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await writeBackendFile(stateDir, content(`http://127.0.0.1:${port}`));

    expect(await readReporting()).toEqual({
      backend: undefined,
      lines: [
        `${file} apiUrl must be a port this user (uid ${process.getuid?.()}) listens on ` +
          `(received http://127.0.0.1:${port}, where nothing listens); treating it as stale: ` +
          'no backend runs on this state dir\n',
      ],
    });
  });

  it('trusts the pid alone where the socket table cannot be read', async () => {
    const port = await listenHere();
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await writeBackendFile(stateDir, content(`http://127.0.0.1:${port}`));

    expect(await readReporting(path.join(root, 'no-such-table'))).toEqual({
      backend: content(`http://127.0.0.1:${port}`),
      lines: [],
    });
  });

  it.skipIf(!canSwitchUser)(
    'treats the file as stale when another user listens on its port',
    async () => {
      const child = spawn(
        'setpriv',
        [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          '--clear-groups',
          process.execPath,
          '-e',
          "const s = require('node:net').createServer(); " +
            "s.listen(0, '127.0.0.1', () => console.log(s.address().port));",
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.push(child);
      const port = await new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('no port within 10 s')), 10_000);
        child.stdout?.once('data', (chunk: Buffer) => {
          clearTimeout(deadline);
          resolve(Number(chunk.toString('utf8').trim()));
        });
      });
      await writeBackendFile(stateDir, content(`http://127.0.0.1:${port}`));

      expect(await readReporting()).toEqual({
        backend: undefined,
        lines: [
          `${file} apiUrl must be a port this user (uid 0) listens on (received ` +
            `http://127.0.0.1:${port}, where uid ${NOBODY} listens); treating it as stale: ` +
            'no backend runs on this state dir\n',
        ],
      });
    },
    20_000,
  );
});
