import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalWorkflow } from '../../../adapters/embedded/local-workflow.ts';
import { type StoppableBackend, stopOnSignals } from '../../../cli/serve-command.ts';
import { captureIo } from './capture-io.ts';

/** A promise with its resolver, for steps the test releases one at a time. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((done) => {
    resolve = done;
  });

  return { promise, resolve };
}

/**
 * Waits one of up's poll intervals (250 ms): the API must still answer then, so the grace's own
 * timer, due later, cannot have fired, and a grace shorter than a poll would have.
 */
function waitOnePoll(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 250));
}

describe('stopOnSignals', () => {
  let stateDir: string;
  let calls: string[];
  let idle: ReturnType<typeof deferred<void>>;
  let waiting: ReturnType<typeof deferred<void>>;
  let backend: StoppableBackend;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-serve-stop-'));
    // Revision 1's execution, run by this process: the stop waits for it.
    await mkdir(path.join(stateDir, 'executions'));
    await writeFile(
      path.join(stateDir, 'executions', 'demo-1.json'),
      JSON.stringify({
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:provision:demo-1',
        name: 'demo-1',
        input: { cluster: 'demo', revision: 1, correlationId: 'c-1' },
        status: 'RUNNING',
        startedAt: '2026-12-04T21:00:00.000Z',
        ownerPid: process.pid,
        events: [],
      }),
    );
    calls = [];
    idle = deferred<void>();
    waiting = deferred<void>();
    backend = {
      workflow: new LocalWorkflow({ stateDir, runTask: async () => ({}) }),
      refuseSubmissions: () => calls.push('refuseSubmissions'),
      waitForIdle: () => {
        calls.push('waitForIdle');
        waiting.resolve();
        return idle.promise;
      },
      interrupt: async () => {
        calls.push('interrupt');
        return [{ cluster: 'demo', revision: 1 }];
      },
      stop: async () => {
        calls.push('stop');
      },
    };
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /** The first signal at once; the second when the test resolves it. */
  const signals = () => {
    const second = deferred<NodeJS.Signals>();
    const queue = [Promise.resolve<NodeJS.Signals>('SIGINT'), second.promise];

    return { next: () => queue.shift() ?? new Promise<NodeJS.Signals>(() => {}), second };
  };

  it('refuses submissions first, keeps the API up past the last run, and a second SIGINT then stops at once recording nothing', async () => {
    const io = captureIo();
    const { next, second } = signals();
    const stopped = stopOnSignals(backend, io, next);
    await waiting.promise;

    expect(calls).toEqual(['refuseSubmissions', 'waitForIdle']);
    expect(backend.workflow.defersNewStarts).toBe(true);
    idle.resolve();
    await waitOnePoll();
    expect(calls).toEqual(['refuseSubmissions', 'waitForIdle']);

    second.resolve('SIGINT');

    expect(await stopped).toBe(0);
    expect(calls).toEqual(['refuseSubmissions', 'waitForIdle', 'stop']);
    expect(io.stdout()).toBe(
      'received SIGINT; finishing runs in progress and stopping\n' +
        'waiting for revision 1 of cluster demo to finish; press Ctrl-C again to stop now and record it FAILED (interrupted)\n',
    );
  });

  it('records the runs FAILED (interrupted) at a second SIGTERM before they finish, and exits 1', async () => {
    const io = captureIo();
    const { next, second } = signals();
    const stopped = stopOnSignals(backend, io, next);
    await waiting.promise;

    second.resolve('SIGTERM');

    expect(await stopped).toBe(1);
    expect(calls).toEqual(['refuseSubmissions', 'waitForIdle', 'interrupt', 'stop']);
    expect(io.stdout().split('\n').at(-2)).toBe(
      'received SIGTERM again; revision 1 of cluster demo recorded FAILED (interrupted) and the cluster lock released',
    );
  });
});
