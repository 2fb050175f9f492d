import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalWorkflow } from '../../../adapters/embedded/local-workflow.ts';
import { STATE } from '../../../state-machines/state-names.ts';

interface TaskCall {
  step: string;
  stateName: string;
}

/** Answers each step with the smallest payload the definition's Choice and Wait states read. */
function scriptedRunner(calls: TaskCall[], script: Record<string, () => unknown> = {}) {
  let checks = 0;

  return async (input: unknown, stateName: string) => {
    const { step } = input as { step: string };
    calls.push({ step, stateName });
    const scripted = script[step];
    if (scripted !== undefined) return scripted();
    if (step === 'start-apply') return { state: 'IN_PROGRESS', waitSeconds: 30 };
    if (step === 'check-apply')
      return { state: ++checks < 2 ? 'IN_PROGRESS' : 'APPLIED', waitSeconds: 30 };

    return { step };
  };
}

describe('LocalWorkflow running provision.asl.json', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-workflow-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs every task state in order and loops through the wait until the apply finishes', async () => {
    const calls: TaskCall[] = [];
    const workflow = new LocalWorkflow({
      stateDir,
      runTask: scriptedRunner(calls),
      waitOverrideMs: 1,
    });

    const { executionArn } = await workflow.start('demo-1', {
      cluster: 'demo',
      revision: 1,
      correlationId: 'c-1',
    });
    const done = await workflow.waitForCompletion(executionArn);

    expect(done?.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      { step: 'validate', stateName: STATE.validate },
      { step: 'generate-assets', stateName: STATE.generateAssets },
      { step: 'encrypt', stateName: STATE.encryptAssets },
      { step: 'render', stateName: STATE.renderStack },
      { step: 'start-apply', stateName: STATE.startApply },
      { step: 'check-apply', stateName: STATE.checkApply },
      { step: 'check-apply', stateName: STATE.checkApply },
      { step: 'record', stateName: STATE.recordResult },
    ]);
    const history = await workflow.history(executionArn);
    expect(history[0]?.type).toBe('ExecutionStarted');
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    const exited = history
      .filter((event) => event.type === 'StateExited')
      .map((event) => event.state);
    expect(exited).toContain(STATE.waitForStack);
  });

  it('runs at most the configured number of executions at once and the rest after them', async () => {
    let active = 0;
    let most = 0;
    const validated: string[] = [];
    const workflow = new LocalWorkflow({
      stateDir,
      runTask: async (input: unknown) => {
        const { step, cluster } = input as { step: string; cluster: string };
        if (step === 'validate') validated.push(cluster);
        active += 1;
        most = Math.max(most, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        if (step === 'start-apply') return { state: 'PLANNED', waitSeconds: 1 };
        return { step };
      },
      waitOverrideMs: 1,
      maxConcurrentExecutions: 2,
    });
    const names = ['a', 'b', 'c', 'd', 'e'];

    const arns = await Promise.all(
      names.map((name) =>
        workflow.start(`${name}-1`, { cluster: name, revision: 1, correlationId: 'c' }),
      ),
    );
    await workflow.waitForIdle();

    expect(most).toBe(2);
    expect([...validated].sort()).toEqual(names);
    for (const { executionArn } of arns) {
      expect((await workflow.describe(executionArn))?.status).toBe('SUCCEEDED');
    }
  });

  it('runs a name once when fifteen starts of it race', async () => {
    const calls: TaskCall[] = [];
    const workflow = new LocalWorkflow({
      stateDir,
      runTask: scriptedRunner(calls),
      waitOverrideMs: 1,
    });
    const input = { cluster: 'demo', revision: 3, correlationId: 'c' };

    const arns = await Promise.all(
      Array.from({ length: 15 }, () => workflow.start('demo-3', input)),
    );
    await workflow.waitForIdle();

    expect(new Set(arns.map((arn) => arn.executionArn)).size).toBe(1);
    expect(calls.filter((call) => call.step === 'validate')).toHaveLength(1);
  });

  it('returns the first ARN and starts no second run for a repeated name', async () => {
    const calls: TaskCall[] = [];
    const workflow = new LocalWorkflow({
      stateDir,
      runTask: scriptedRunner(calls),
      waitOverrideMs: 1,
    });

    const first = await workflow.start('demo-2', {
      cluster: 'demo',
      revision: 2,
      correlationId: 'c',
    });
    const second = await workflow.start('demo-2', {
      cluster: 'demo',
      revision: 2,
      correlationId: 'c',
    });
    await workflow.waitForIdle();

    expect(second.executionArn).toBe(first.executionArn);
    expect(calls.filter((call) => call.step === 'validate')).toHaveLength(1);
  });

  it('retries a DependencyError, then catches a ValidationError into Record Failure and fails the run', async () => {
    const calls: TaskCall[] = [];
    let attempts = 0;
    const workflow = new LocalWorkflow({
      stateDir,
      retryIntervalOverrideMs: 0,
      runTask: scriptedRunner(calls, {
        'generate-assets': () => {
          attempts += 1;
          const error = new Error(attempts === 1 ? 'kms throttled' : 'keyName must not be empty');
          error.name = attempts === 1 ? 'DependencyError' : 'ValidationError';
          throw error;
        },
      }),
    });

    const { executionArn } = await workflow.start('demo-3', {
      cluster: 'demo',
      revision: 3,
      correlationId: 'c',
    });
    const done = await workflow.waitForCompletion(executionArn);

    expect(done?.status).toBe('FAILED');
    expect(calls.map((call) => call.step)).toEqual([
      'validate',
      'generate-assets',
      'generate-assets',
      'record-failure',
    ]);
    const history = await workflow.history(executionArn);
    const notable = history
      .filter((event) =>
        ['StateFailed', 'StateRetried', 'StateCaught', 'ExecutionFailed'].includes(event.type),
      )
      .map(({ type, state, error, cause }) => ({ type, state, error, cause }));
    expect(notable).toEqual([
      {
        type: 'StateFailed',
        state: STATE.generateAssets,
        error: 'DependencyError',
        cause: 'kms throttled',
      },
      {
        type: 'StateRetried',
        state: STATE.generateAssets,
        error: undefined,
        cause: 'retry attempt 1',
      },
      {
        type: 'StateFailed',
        state: STATE.generateAssets,
        error: 'ValidationError',
        cause: 'keyName must not be empty',
      },
      {
        type: 'StateCaught',
        state: STATE.generateAssets,
        error: undefined,
        cause: 'caught, next Record Failure',
      },
      {
        type: 'StateFailed',
        state: STATE.runFailed,
        error: 'ValidationError',
        cause: 'keyName must not be empty',
      },
      {
        type: 'ExecutionFailed',
        state: undefined,
        error: 'ValidationError',
        cause: 'keyName must not be empty',
      },
    ]);
  });

  it('keeps the history readable by a new instance after a restart', async () => {
    const first = new LocalWorkflow({ stateDir, runTask: scriptedRunner([]), waitOverrideMs: 1 });
    const { executionArn } = await first.start('demo-4', {
      cluster: 'demo',
      revision: 4,
      correlationId: 'c',
    });
    await first.waitForCompletion(executionArn);

    const second = new LocalWorkflow({ stateDir, runTask: scriptedRunner([]) });

    expect((await second.describe(executionArn))?.status).toBe('SUCCEEDED');
    expect(await second.history(executionArn)).toEqual(await first.history(executionArn));
  });
});
