import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.ts';
import {
  type EmbeddedBackend,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { captureIo } from '../../unit/cli/capture-io.ts';

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const EXAMPLE = path.resolve(import.meta.dirname, '../../../examples/cluster.yaml');

/** What startEmbeddedBackend and the CLI do with a state dir they cannot trust or share. */
describe('embedded backend state dir', () => {
  let root: string;
  const started: EmbeddedBackend[] = [];

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-state-start-'));
  });
  afterEach(async () => {
    for (const backend of started.splice(0)) await backend.stop();
    await rm(root, { recursive: true, force: true });
  });

  const start = (stateDir: string) => startEmbeddedBackend({ stateDir, apiPort: 0, s3Port: 0 });

  it('starts one of two backends racing on a new state dir, and the loser leaves it in place', async () => {
    const stateDir = path.join(root, 'new', 'state');

    const results = await Promise.allSettled([start(stateDir), start(stateDir)]);
    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    started.push(...winners);
    const reasons = results.flatMap((r) =>
      r.status === 'rejected' ? [(r.reason as Error).message] : [],
    );

    expect(winners).toHaveLength(1);
    expect(reasons).toEqual([
      `${stateDir} is in use by another backend in this process (pid ${process.pid}); stop it first, or pass another --state-dir`,
    ]);
    expect((await readdir(stateDir)).sort()).toEqual([
      'asset-key.bin',
      'backend.lock',
      'dynamodb',
      'endpoint-secret.txt',
      'executions',
      's3',
    ]);
    const answer = await fetch(`${winners[0]?.apiUrl}/clusters/demo`);
    expect(answer.status).toBe(404);
  });

  it.each(['s3', 'executions', 'dynamodb'])(
    'refuses to start when %s/ is a link elsewhere, and writes nothing there',
    async (name) => {
      const stateDir = path.join(root, 'state');
      const loot = path.join(root, 'loot');
      await mkdir(stateDir, { mode: 0o700 });
      await mkdir(loot);
      await symlink(loot, path.join(stateDir, name));

      await expect(start(stateDir)).rejects.toThrow(
        `${path.join(stateDir, name)} must be a directory for kube-aws state (received a symbolic link); choose another state directory`,
      );
      expect(await readdir(loot)).toEqual([]);
      // The subdirectories made before the refused one stay: empty, ours and private.
      const order = ['s3', 'dynamodb', 'executions'];
      expect((await readdir(stateDir)).sort()).toEqual(
        order.slice(0, order.indexOf(name) + 1).sort(),
      );
    },
  );

  it.skipIf(!isRoot)(
    'refuses serve on a state dir another user owns, leaving the linked file untouched',
    async () => {
      const stateDir = path.join(root, 'owned');
      const victim = path.join(root, 'victim.json');
      await writeFile(victim, 'precious\n', { mode: 0o600 });
      await mkdir(stateDir, { mode: 0o755 });
      await symlink(victim, path.join(stateDir, 'backend.json'));
      await chown(stateDir, NOBODY, NOBODY);
      const io = captureIo();

      expect(
        await main(['serve', '--state-dir', stateDir, '--port', '0', '--s3-port', '0'], io),
      ).toBe(1);
      expect(io.stderr()).toBe(
        `kube-aws serve: ${stateDir} must be owned by uid 0, the user running the backend (received uid ${NOBODY}); ` +
          `choose another state directory, or if you trust its content run chown -R 0 ${stateDir}\n`,
      );
      expect(await readFile(victim, 'utf8')).toBe('precious\n');
      expect(await readdir(stateDir)).toEqual(['backend.json']);
    },
  );

  it.skipIf(!isRoot)(
    'refuses up on a shared state dir whose backend.json points at another listener',
    async () => {
      const received: string[] = [];
      const listener = createServer((request, response) => {
        received.push(`${request.method} ${request.url}`);
        response.end('{}');
      });
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      const port = (listener.address() as { port: number }).port;
      try {
        const stateDir = path.join(root, 'shared');
        await mkdir(stateDir);
        await chmod(stateDir, 0o777);
        await writeFile(
          path.join(stateDir, 'backend.json'),
          JSON.stringify({ pid: 1, apiUrl: `http://127.0.0.1:${port}` }),
        );
        await chown(stateDir, NOBODY, NOBODY);
        const io = captureIo();

        expect(await main(['up', EXAMPLE, '--state-dir', stateDir], io)).toBe(1);
        expect(io.stderr()).toBe(
          `kube-aws up: ${stateDir} must be owned by uid 0, the user running the backend (received uid ${NOBODY}); ` +
            `choose another state directory, or if you trust its content run chown -R 0 ${stateDir}\n`,
        );
        expect(received).toEqual([]);
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    },
  );

  it('says once that a truncated backend.json is stale, naming it, then answers from its own backend', async () => {
    const stateDir = path.join(root, 'state');
    await mkdir(stateDir, { mode: 0o700 });
    const file = path.join(stateDir, 'backend.json');
    await writeFile(file, '{"pid":', { mode: 0o600 });
    const io = captureIo();

    expect(await main(['status', 'demo', '--state-dir', stateDir], io)).toBe(1);
    expect(io.stderr()).toBe(
      `${file} must hold the JSON that kube-aws serve writes (received 7 bytes that are not complete JSON); ` +
        'treating it as stale: no backend runs on this state dir\n' +
        `using embedded backend in this process (state in ${stateDir})\n` +
        'kube-aws status: cluster demo has no revisions; an upload refused at submit records no revision: ' +
        'its findings are in s3://kube-aws-submissions/clusters/demo/validation.json\n',
    );
  });
});
