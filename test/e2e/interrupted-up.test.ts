import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CliChild,
  pauseWhenPrinted,
  pollUntil,
  runCli,
  type ServeProcess,
  spawnCli,
  startServe,
} from './cli-process.ts';
import { startRelay } from './http-relay.ts';

const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/cluster.yaml');
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** An in-process `up` cut short: nothing may stay locked or RUNNING behind it. */
describe('an interrupted in-process up', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-interrupt-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /**
   * Starts an in-process `up` and pauses it the moment it prints its first state line, so the
   * run is certainly still going when the test signals it (the whole run takes under a second).
   */
  const startUp = async () => {
    const up = spawnCli(['up', EXAMPLE, '--state-dir', stateDir], env);
    await pauseWhenPrinted(up, 'Validate Cluster');

    return up;
  };
  /** Delivers `signal` to the paused `up`, then lets it run to handle it. */
  const signalPaused = (up: CliChild, signal: NodeJS.Signals) => {
    up.child.kill(signal);
    up.child.kill('SIGCONT');
  };
  const status = async () => {
    const run = await runCli(['status', 'demo', '--state-dir', stateDir], env);

    return { ...run, stdout: run.stdout.replace(/\(updated [^)]+\)/, '(updated T)') };
  };

  it('records the revision FAILED (interrupted), frees the lock and says so on SIGINT', async () => {
    const up = await startUp();
    signalPaused(up, 'SIGINT');

    expect(await up.exited).toBe(1);
    expect(up.stderr()).toBe(
      'kube-aws up: interrupted (SIGINT); revision 1 of cluster demo recorded FAILED (interrupted) and the cluster lock released\n',
    );
    const after = await status();
    const reason =
      'States.Aborted: interrupted (SIGINT) while kube-aws up ran it in-process; submit the file again';
    expect(after.stdout).toBe(
      `cluster       demo\nlatest        1 FAILED (updated T)\nerror         ${reason}\nlast applied  none\nlock          free\nqueued        none\n`,
    );
    // history says why under its table, as status does.
    const history = await runCli(['history', 'demo', '--state-dir', stateDir], env);
    expect(history.stdout.split('\n').slice(2)).toEqual([`revision 1: ${reason}`, '']);
  });

  it('recovers a killed run on the next start, and the next up runs at once', async () => {
    const up = await startUp();
    signalPaused(up, 'SIGKILL');
    await up.exited;

    const next = await runCli(['up', EXAMPLE, '--state-dir', stateDir], env);

    expect(next.stderr).toBe(
      'recovered: revision 1 of cluster demo was cut off by a stopped process; recorded FAILED and its lock released\n',
    );
    expect(next.stdout).not.toContain('queued');
    expect(next.stdout).toMatch(/^revision 2 of cluster demo: PLANNED \(\d+\.\d+s\)$/m);
    expect(next.code).toBe(0);
  });
});

/** A reader that stops early (`| head`) ends the output quietly: no EPIPE stack trace. */
describe('a closed output pipe', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-epipe-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  const pipeToHead = (args: string, lines: number) =>
    runCli(
      ['-c', `"${process.execPath}" bin/kube-aws.js ${args} | head -${lines}`],
      env,
      120_000,
      '/bin/sh',
    );

  it('records an in-process up FAILED (interrupted) when its stdout reader goes away', async () => {
    const run = await pipeToHead(`up ${EXAMPLE} --state-dir ${stateDir}`, 2);

    expect(run.stdout).toBe(
      `using embedded backend in this process (state in ${stateDir})\nrevision 1 of cluster demo submitted\n`,
    );
    expect(run.stderr).toBe(
      'kube-aws up: interrupted (EPIPE); revision 1 of cluster demo recorded FAILED (interrupted) and the cluster lock released\n',
    );
    const status = await runCli(['status', 'demo', '--state-dir', stateDir], env);
    expect(status.stdout).toContain('lock          free\n');
  });

  it('prints the head of history --format json and only its backend line on stderr', async () => {
    expect((await runCli(['up', EXAMPLE, '--state-dir', stateDir], env)).code).toBe(0);

    const run = await pipeToHead(`history demo --format json --state-dir ${stateDir}`, 1);

    expect(run.stdout).toBe('[\n');
    expect(run.stderr).toBe(`using embedded backend in this process (state in ${stateDir})\n`);
    expect(run.code).toBe(0);
  });
});

/** A second `up` while the first runs says whom it waits for, then follows its own run. */
describe('a queued up', () => {
  const stateDirs: string[] = [];
  const backends: ServeProcess[] = [];

  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.stop();
    for (const stateDir of stateDirs.splice(0))
      await rm(stateDir, { recursive: true, force: true });
  });

  /**
   * Runs two `up`s of one cluster on a fresh backend. The backend is paused whenever it has just
   * answered a POST, and resumed only by the second CLI's requests: revision 1's run has barely
   * started when its POST is answered, and it only moves on while the backend handles revision
   * 2's submission and the second CLI's questions. While revision 1 generates keys on every
   * core, though, the submission of revision 2 can take as long as the rest of revision 1's run
   * (seen once in CI), so the caller checks which of the two happened.
   */
  const runTwoUps = async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-queued-'));
    stateDirs.push(stateDir);
    const backend = await startServe(stateDir, env);
    backends.push(backend);
    let paused = false;
    const pauseAfterPost = (method: string) => {
      if (method !== 'POST') return;
      process.kill(backend.pid, 'SIGSTOP');
      paused = true;
    };
    const resume = () => {
      if (paused) process.kill(backend.pid, 'SIGCONT');
      paused = false;
    };
    const target = new URL(backend.apiUrl);
    const firstRelay = await startRelay(target, { onAnswer: pauseAfterPost });
    const secondRelay = await startRelay(target, { onRequest: resume, onAnswer: pauseAfterPost });
    try {
      const first = spawnCli(['up', EXAMPLE, '--api', firstRelay.url], env);
      await pollUntil('the first submission', async () =>
        first.stdout().includes('submitted') ? true : undefined,
      );
      const second = spawnCli(['up', EXAMPLE, '--api', secondRelay.url], env);
      await second.exited;
      resume();
      await first.exited;

      return { backend, first, second };
    } finally {
      resume();
      await firstRelay.close();
      await secondRelay.close();
    }
  };

  /** When a revision's run ended and when the next one was submitted, as the backend records. */
  const readTimes = async (apiUrl: string) => {
    const read = async (revision: number) => {
      const answer = await fetch(`${apiUrl}/clusters/demo/revisions/${revision}`);
      expect(answer.status).toBe(200);
      return (await answer.json()) as {
        createdAt: string;
        transitions: Array<{ status: string; at: string }>;
      };
    };
    const [one, two] = [await read(1), await read(2)];
    const ended = one.transitions.find((step) => step.status === 'PLANNED')?.at;
    expect(ended).toBeDefined();

    return { firstEnded: Date.parse(ended ?? ''), secondCreated: Date.parse(two.createdAt) };
  };

  it('prints the lock holder, when it leaves the queue, and its own states', async () => {
    const attempts: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const { backend, first, second } = await runTwoUps();
      expect(await first.exited).toBe(0);
      expect({ code: await second.exited, stderr: second.stderr() }).toEqual({
        code: 0,
        stderr: '',
      });
      const lines = second.stdout().split('\n');
      expect(lines[1]).toBe('revision 2 of cluster demo submitted');
      if (lines[2]?.startsWith('execution ')) {
        // Not queued: only right if revision 1 had ended before revision 2 was submitted, and
        // then the scenario did not happen; it is run again on a fresh backend.
        const { firstEnded, secondCreated } = await readTimes(backend.apiUrl);
        expect(firstEnded).toBeLessThanOrEqual(secondCreated);
        attempts.push(`attempt ${attempt}: revision 1 ended before revision 2 was submitted`);
        continue;
      }

      expect(lines[2]).toMatch(
        /^queued at position 1: waiting for revision 1 of cluster demo, which holds the lock \(lease until \d{4}-\d\d-\d\dT[\d:.]+Z\)$/,
      );
      // Revision 2 reuses every asset of revision 1, so it may be over before the next poll; the
      // line names the status it left the queue into all the same.
      expect(second.stdout()).toMatch(/^revision 2 left the queue after \d+\.\d s: RUNNING$/m);
      expect(second.stdout()).toMatch(/^ {2}Validate Cluster +succeeded/m);
      expect(second.stdout()).toMatch(/^revision 2 of cluster demo: PLANNED/m);
      return;
    }
    expect.fail(`revision 2 was never submitted while revision 1 ran:\n${attempts.join('\n')}`);
  }, 180_000);
});

/** Usage mistakes end before any backend starts, with the remedy on stderr. */
describe('up and command usage mistakes', () => {
  it('exits 2 for up --rotate with an empty list, before reading the file or starting a backend', async () => {
    const run = await runCli(['up', EXAMPLE, '--rotate', '', '--state-dir', '/nonexistent/x'], env);

    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'kube-aws up: --rotate must name at least one TLS asset, comma-separated with none empty (received ""); pass e.g. --rotate apiserver,kubelet or --rotate all; run kube-aws up --help\n',
    });
  });

  it('suggests history for histroy and exits 2', async () => {
    const run = await runCli(['histroy', 'demo'], env);

    expect(run).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'kube-aws: unknown command "histroy"; did you mean history?\n',
    });
  });
});
