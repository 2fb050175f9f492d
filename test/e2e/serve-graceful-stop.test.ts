import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliChild, pauseWhenPrinted, pollUntil, spawnCli } from './cli-process.ts';
import { startRelay } from './http-relay.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** `serve` stopped by a signal while `up` follows a run in it. */
describe('a serve stopped while up follows its run', () => {
  let stateDir: string;
  const children: CliChild[] = [];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-graceful-stop-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.child.exitCode === null && child.child.signalCode === null) {
        child.child.kill('SIGCONT');
        child.child.kill('SIGKILL');
        await child.exited;
      }
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  /** `serve` on free ports in the test's state dir; resolves with its API URL once it answers. */
  const serve = async () => {
    const child = spawnCli(
      ['serve', '--port', '0', '--s3-port', '0', '--state-dir', stateDir],
      env,
    );
    children.push(child);
    const apiUrl = await pollUntil('the serve banner', async () => {
      if (child.child.exitCode !== null) throw new Error(`serve exited: ${child.stderr()}`);

      return /HTTP API {5}(http:\/\/127\.0\.0\.1:\d+)/.exec(child.stdout())?.[1];
    });

    return { process: child, apiUrl, pid: child.child.pid as number };
  };
  /** The CLI's own lines from the stop on (the backend's JSON log lines share stdout). */
  const stopLines = (output: string) => {
    const lines = output.split('\n').filter((line) => !line.startsWith('{'));

    return lines.slice(lines.findIndex((line) => line.startsWith('received ')));
  };

  it('lets the run finish, refuses a submission meanwhile, and up prints PLANNED and exits 0', async () => {
    const backend = await serve();
    // The backend is paused the moment it has answered up's submission, so the run has barely
    // begun when SIGINT and the second submission reach it, both while it is paused.
    let paused = false;
    const relay = await startRelay(new URL(backend.apiUrl), {
      onAnswer: (method) => {
        if (method !== 'POST' || paused) return;
        process.kill(backend.pid, 'SIGSTOP');
        paused = true;
      },
    });
    try {
      const up = spawnCli(['up', EXAMPLE, '--rotate', 'all', '--api', relay.url], env);
      children.push(up);
      await pollUntil('the backend paused after the submission', async () =>
        paused ? true : undefined,
      );
      process.kill(backend.pid, 'SIGINT');
      // Queued by the kernel; the backend reads it only after it has handled the signal.
      const late = fetch(`${backend.apiUrl}/clusters`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: await readFile(EXAMPLE),
      });
      process.kill(backend.pid, 'SIGCONT');

      const refused = await late;
      expect({ status: refused.status, body: await refused.json() }).toEqual({
        status: 503,
        body: {
          error: {
            code: 'UNAVAILABLE',
            message: 'the backend is stopping; submit again after it restarts',
          },
        },
      });
      expect(await up.exited).toBe(0);
      expect(up.stderr()).toBe('');
      expect(up.stdout()).toMatch(/^ {2}Record Result +succeeded/m);
      expect(up.stdout()).toMatch(/^revision 1 of cluster demo: PLANNED \(\d+\.\ds\)$/m);
      expect(await backend.process.exited).toBe(0);
    } finally {
      await relay.close();
    }
    expect(stopLines(backend.process.stdout())).toEqual([
      'received SIGINT; finishing runs in progress and stopping',
      'waiting for revision 1 of cluster demo to finish; press Ctrl-C again to stop now and record it FAILED (interrupted)',
      'stopped',
      '',
    ]);
    // s3rver's logger stays open while it still handles a write: no winston warning.
    expect(backend.process.stderr()).not.toContain('[winston]');
  });

  it('says the backend stopped while following, where the status is, and exits 1', async () => {
    const backend = await serve();
    const up = spawnCli(['up', EXAMPLE, '--rotate', 'all', '--state-dir', stateDir], env);
    children.push(up);
    // up is paused at its first state line, and resumed only once the backend is gone.
    await pauseWhenPrinted(up, 'Validate Cluster');
    backend.process.child.kill('SIGKILL');
    await backend.process.exited;
    up.child.kill('SIGCONT');

    expect(await up.exited).toBe(1);
    expect(up.stderr()).toMatch(
      new RegExp(
        `^kube-aws up: the backend at ${escapeRegExp(backend.apiUrl)} stopped while following revision 1 of cluster demo \\(received [^)]+\\); the run's final status is recorded in the state dir ${escapeRegExp(stateDir)}: read it with kube-aws history demo --state-dir ${escapeRegExp(stateDir)}\\n$`,
      ),
    );
    expect(up.stdout()).not.toContain('revision 1 of cluster demo:');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
