import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** A second `serve` on taken ports: one clear line, exit 1, no state dir made, no hang. */
describe('serve on a taken port', () => {
  let parent: string;
  let taken: Server;
  let port: number;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'kube-aws-ports-'));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => taken.close(resolve));
    await rm(parent, { recursive: true, force: true });
  });

  it.each([
    ['--s3-port', ['--port', '0', '--s3-port']],
    ['--port', ['--s3-port', '0', '--port']],
  ])('names the port and %s, exits 1 and leaves no state dir', async (flag, args) => {
    const stateDir = path.join(parent, `state${flag}`);
    const run = await runCli(
      ['serve', '--state-dir', stateDir, ...args, String(port)],
      env,
      60_000,
    );

    expect(run.stderr).toBe(
      `kube-aws serve: port ${port} on 127.0.0.1 is in use (received EADDRINUSE); choose another with ${flag} or stop the other process\n`,
    );
    expect(run.stdout).toBe('');
    expect(run.code).toBe(1);
    await expect(stat(stateDir)).rejects.toThrow('ENOENT');
  });
});

/** Readers never create state: a mistyped or missing state dir is said, not answered empty. */
describe('status and history without a state dir', () => {
  let parent: string;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'kube-aws-nostate-'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it.each(['status', 'history'])(
    '%s exits 1 naming the dir and the flag, and creates nothing',
    async (command) => {
      const stateDir = path.join(parent, 'missing');
      const run = await runCli([command, 'demo', '--state-dir', stateDir], env, 60_000);

      expect(run.stderr).toBe(
        `kube-aws ${command}: ${stateDir} does not exist, and no backend runs on it (received no state); pass --state-dir or set KUBE_AWS_STATE_DIR to the state dir that up or serve used\n`,
      );
      expect(run.stdout).toBe('');
      expect(run.code).toBe(1);
      await expect(stat(stateDir)).rejects.toThrow('ENOENT');
    },
  );
});
