import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  ExecutionAbortedError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { InvariantError } from '../../lib/errors.ts';
import { logger } from '../../lib/logger.ts';
import type { ExecutionDescription, ExecutionEvent, Workflow } from '../../ports/workflow.ts';
import { FUNCTION_ARN_VARIABLES, STATE, TASK_FUNCTIONS } from '../../state-machines/state-names.ts';
import { toExecutionEvent } from './to-execution-event.ts';

const DEFINITION_FILE = new URL('../../state-machines/provision.asl.json', import.meta.url);
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

const EXECUTION_ARN_PREFIX = 'arn:aws:states:us-east-1:000000000000:execution:provision:';

/** What one task binding receives: the Task's input after `Parameters`, and its state name. */
export type LocalTaskRunner = (input: unknown, stateName: string) => Promise<unknown>;

export interface LocalWorkflowOptions {
  /** Executions are kept as JSON files under `<stateDir>/executions/`. */
  stateDir: string;
  runTask: LocalTaskRunner;
  /** Milliseconds the `Wait For Stack` state pauses instead of `$.apply.waitSeconds`. */
  waitOverrideMs?: number;
  /** Milliseconds between retries instead of the definition's back-off (tests). */
  retryIntervalOverrideMs?: number;
  /**
   * Executions that run at once; the rest wait for a free slot. Key generation keeps a
   * core busy, so more runs than cores only make every run finish late. Default: the CPU count.
   */
  maxConcurrentExecutions?: number;
}

/** The error an aborted execution's closing event names, as Step Functions' Error and Cause. */
export interface AbortReason {
  Error: string;
  Cause: string;
}

export interface StoredExecution extends ExecutionDescription {
  name: string;
  input: unknown;
  /** The process running it; a RUNNING record whose owner is gone was cut off by a stop. */
  ownerPid: number;
  events: ExecutionEvent[];
}

/**
 * The provision state machine run in-process by aws-local-stepfunctions from the very file the
 * CDK app deploys. Every Task is bound by state name to a local handler, so nothing ever calls
 * AWS Lambda; each execution's history is kept on disk and survives a restart.
 */
export class LocalWorkflow implements Workflow {
  private readonly machine: StateMachine;
  private readonly directory: string;
  private readonly running = new Map<string, Promise<void>>();
  private readonly maxConcurrent: number;
  private activeExecutions = 0;
  private readonly slotWaiters: Array<() => void> = [];
  /** Starts in flight, set before the first await so racing starts of one name share it. */
  private readonly starting = new Map<string, Promise<{ executionArn: string }>>();
  private readonly writes = new Map<string, Promise<void>>();
  /** A write queued behind the one in progress: it takes the newest record when it starts. */
  private readonly queuedWrites = new Map<string, Promise<void>>();
  private readonly newestRecords = new Map<string, StoredExecution>();
  private readonly aborts = new Map<string, () => void>();
  /** Why an execution was aborted, written into its closing ExecutionAborted event. */
  private readonly abortReasons = new Map<string, AbortReason>();
  /** Task handlers in flight: an aborted execution does not wait for them, a stop must. */
  private readonly tasks = new Set<Promise<unknown>>();
  private deferring = false;

  constructor(private readonly options: LocalWorkflowOptions) {
    this.machine = new StateMachine(loadDefinition());
    this.directory = path.join(options.stateDir, 'executions');
    this.maxConcurrent = Math.max(1, options.maxConcurrentExecutions ?? availableParallelism());
  }

  start(name: string, input: unknown): Promise<{ executionArn: string }> {
    const pending = this.starting.get(name);
    if (pending !== undefined) return pending;
    const started = this.startOnce(name, input).finally(() => this.starting.delete(name));
    this.starting.set(name, started);

    return started;
  }

  private async startOnce(name: string, input: unknown): Promise<{ executionArn: string }> {
    const executionArn = `${EXECUTION_ARN_PREFIX}${name}`;
    if (this.running.has(name) || (await this.readExecution(name)) !== undefined) {
      return { executionArn };
    }
    // A stopping process must not begin a run it cannot finish: the revision stays RUNNING with
    // no execution, and the next backend start on this state dir starts it (recoverRuns).
    if (this.deferring) return { executionArn };

    const record: StoredExecution = {
      executionArn,
      name,
      input,
      status: 'RUNNING',
      startedAt: new Date().toISOString(),
      ownerPid: process.pid,
      events: [],
    };
    await mkdir(this.directory, { recursive: true });
    await this.persist(record);
    this.running.set(name, this.executeInTurn(record));

    return { executionArn };
  }

  async describe(executionArn: string): Promise<ExecutionDescription | undefined> {
    const record = await this.readExecution(nameOf(executionArn));
    if (record === undefined) return undefined;
    const { executionArn: arn, status, startedAt, stoppedAt } = record;

    return { executionArn: arn, status, startedAt, ...(stoppedAt ? { stoppedAt } : {}) };
  }

  async history(executionArn: string): Promise<ExecutionEvent[]> {
    return (await this.readExecution(nameOf(executionArn)))?.events ?? [];
  }

  /** Resolves when the execution, if this process runs it, has finished and been written. */
  async waitForCompletion(executionArn: string): Promise<ExecutionDescription | undefined> {
    await this.running.get(nameOf(executionArn));
    await this.writes.get(nameOf(executionArn));

    return this.describe(executionArn);
  }

  /** Resolves when every execution this process started has finished (clean shutdown, tests). */
  async waitForIdle(): Promise<void> {
    while (this.running.size > 0 || this.tasks.size > 0) {
      await Promise.allSettled([...this.running.values(), ...this.tasks]);
    }
    await Promise.all([...this.writes.values()]);
  }

  /** From now on `start` runs nothing (see `start`); called when this process is stopping. */
  deferNewStarts(): void {
    this.deferring = true;
  }

  /** Whether `start` would defer: tests and recovery read it. */
  get defersNewStarts(): boolean {
    return this.deferring;
  }

  /**
   * Aborts every execution this process runs and resolves, once they and their in-flight tasks
   * have stopped and been written ABORTED, with their names and inputs (to be recorded). The
   * closing `ExecutionAborted` event of each carries `reason` when given.
   */
  async abortRunning(reason?: AbortReason): Promise<Array<{ name: string; input: unknown }>> {
    const aborted = [...this.aborts.entries()].map(([name, abort]) => {
      if (reason !== undefined) this.abortReasons.set(name, reason);
      abort();
      return name;
    });
    await this.waitForIdle();
    const stopped: Array<{ name: string; input: unknown }> = [];
    for (const name of aborted) {
      const record = await this.readRawExecution(name);
      if (record?.status === 'ABORTED') stopped.push({ name, input: record.input });
    }

    return stopped;
  }

  /** Runs the execution once a slot is free; a finished run hands its slot to the next waiter. */
  private async executeInTurn(record: StoredExecution): Promise<void> {
    if (this.activeExecutions < this.maxConcurrent) {
      this.activeExecutions += 1;
    } else {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    try {
      await this.execute(record);
    } finally {
      const next = this.slotWaiters.shift();
      if (next === undefined) this.activeExecutions -= 1;
      else next();
    }
  }

  private async execute(record: StoredExecution): Promise<void> {
    const execution = this.machine.run(record.input as never, {
      overrides: {
        taskResourceLocalHandlers: this.bindTasks(),
        ...(this.options.waitOverrideMs === undefined
          ? {}
          : { waitTimeOverrides: { [STATE.waitForStack]: this.options.waitOverrideMs } }),
        ...(this.options.retryIntervalOverrideMs === undefined
          ? {}
          : { retryIntervalOverrides: this.retryOverrides(this.options.retryIntervalOverrideMs) }),
      },
      context: { Execution: { Id: record.executionArn, Name: record.name } },
    });
    this.aborts.set(record.name, () => execution.abort());

    const collect = (async () => {
      for await (const event of execution.eventLogs) {
        const entry = toExecutionEvent(event);
        const reason = this.abortReasons.get(record.name);
        if (entry.type === 'ExecutionAborted' && reason !== undefined) {
          entry.error = reason.Error;
          entry.cause = reason.Cause;
        }
        record.events.push(entry);
        void this.persist(record);
      }
    })();
    try {
      await execution.result;
      record.status = 'SUCCEEDED';
    } catch (error: unknown) {
      record.status =
        error instanceof ExecutionAbortedError
          ? 'ABORTED'
          : error instanceof Error && error.name === 'ExecutionTimeoutError'
            ? 'TIMED_OUT'
            : 'FAILED';
    }
    this.aborts.delete(record.name);
    await collect;
    this.abortReasons.delete(record.name);
    record.stoppedAt = new Date().toISOString();
    await this.persist(record);
    logger.info('local execution finished', { execution_name: record.name, status: record.status });
    this.running.delete(record.name);
  }

  private bindTasks(): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const stateName of Object.keys(TASK_FUNCTIONS)) {
      handlers[stateName] = async (input) => {
        const task = runIsolated(this.options.runTask, input, stateName);
        this.tasks.add(task);
        try {
          return (await task) as never;
        } finally {
          this.tasks.delete(task);
        }
      };
    }

    return handlers;
  }

  private retryOverrides(ms: number): Record<string, number> {
    return Object.fromEntries(Object.keys(TASK_FUNCTIONS).map((stateName) => [stateName, ms]));
  }

  private async readExecution(name: string): Promise<StoredExecution | undefined> {
    const record = await this.readRawExecution(name);
    if (record?.status === 'RUNNING' && !this.running.has(name) && !isAlive(record.ownerPid)) {
      // The process that ran it stopped mid-run; Step Functions would call that ABORTED.
      return { ...record, status: 'ABORTED' };
    }

    return record;
  }

  /** The execution as stored, RUNNING even when its process is gone. */
  async readRawExecution(name: string): Promise<StoredExecution | undefined> {
    if (!isSafeName(name)) return undefined;
    let text: string;
    try {
      text = await readFile(path.join(this.directory, `${name}.json`), 'utf8');
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }

    return JSON.parse(text) as StoredExecution;
  }

  /**
   * Writes are chained per execution and land by rename, so a reader never sees half a file.
   * Events arrive faster than the disk takes them; the write queued behind the one in progress
   * stores the newest record, so a burst of events costs two writes, not one each.
   */
  private persist(record: StoredExecution): Promise<void> {
    this.newestRecords.set(record.name, record);
    const queued = this.queuedWrites.get(record.name);
    if (queued !== undefined) return queued;

    const target = path.join(this.directory, `${record.name}.json`);
    const previous = this.writes.get(record.name) ?? Promise.resolve();
    // A failed write is reported to its own callers; the next one still tries.
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        this.queuedWrites.delete(record.name);
        const snapshot = JSON.stringify(this.newestRecords.get(record.name) ?? record, null, 2);
        const temporary = `${target}.${process.pid}.tmp`;
        await writeFile(temporary, snapshot, { mode: 0o600 });
        await rename(temporary, target);
        if (this.writes.get(record.name) === next) {
          // Nothing queued behind: the execution holds no memory here until its next event.
          this.writes.delete(record.name);
          this.newestRecords.delete(record.name);
        }
      });
    this.queuedWrites.set(record.name, next);
    this.writes.set(record.name, next);

    return next;
  }

  /**
   * Executions left RUNNING by a process that is gone (Step Functions would call them ABORTED),
   * marked ABORTED on disk so each is reported once, their history closed by an
   * `ExecutionAborted` event carrying the error `describe` gives for the run's input, which each
   * result carries too. Their revisions still need recording. Called only by the holder of the
   * state dir's lock, so no other process can be running any of them: the owner's pid is not
   * consulted, as it may since belong to an unrelated process.
   */
  async takeInterrupted(
    describe: (input: unknown) => Promise<AbortReason> | AbortReason,
  ): Promise<Array<{ name: string; input: unknown; error: AbortReason }>> {
    const interrupted: Array<{ name: string; input: unknown; error: AbortReason }> = [];
    for (const name of await this.listExecutionNames()) {
      const record = await this.readRawExecution(name);
      if (record?.status !== 'RUNNING' || this.running.has(name)) continue;
      const error = await describe(record.input);
      const stoppedAt = new Date().toISOString();
      await this.persist({
        ...record,
        status: 'ABORTED',
        stoppedAt,
        events: [...record.events, toAbortedEvent(stoppedAt, error)],
      });
      interrupted.push({ name, input: record.input, error });
    }

    return interrupted;
  }

  /** Names of every execution on disk, for listings and tests. */
  async listExecutionNames(): Promise<string[]> {
    try {
      const files = await readdir(this.directory);

      return files.filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -5));
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

/**
 * Reads the definition file and replaces each function ARN variable with a placeholder Lambda
 * ARN; every Task is then bound locally, so the placeholders are never called.
 */
export function loadDefinition(): StateMachineDefinition {
  let text = readFileSync(DEFINITION_FILE, 'utf8');
  for (const [fn, variable] of Object.entries(FUNCTION_ARN_VARIABLES)) {
    text = text.replaceAll(
      `\${${variable}}`,
      `arn:aws:lambda:us-east-1:000000000000:function:kube-aws-${fn}`,
    );
  }
  const definition = JSON.parse(text) as StateMachineDefinition;
  const bound = new Set<string>(Object.keys(TASK_FUNCTIONS));
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task' && !bound.has(name)) {
      throw new InvariantError(`task state ${name} has no local binding in TASK_FUNCTIONS`);
    }
  }

  return definition;
}

/**
 * Runs one task and rethrows a failure as a bare Error with the same name and message, so the
 * recorded Cause is a plain string and no stack or nested cause reaches the history.
 */
async function runIsolated(runTask: LocalTaskRunner, input: unknown, stateName: string) {
  try {
    return await runTask(input, stateName);
  } catch (error: unknown) {
    const bare = new Error(error instanceof Error ? error.message : String(error));
    bare.name = error instanceof Error ? error.name : 'Error';
    throw bare;
  }
}

/** The closing event of an execution aborted outside the runner (its process was gone). */
function toAbortedEvent(timestamp: string, reason: AbortReason): ExecutionEvent {
  return { type: 'ExecutionAborted', timestamp, error: reason.Error, cause: reason.Cause };
}

function nameOf(executionArn: string): string {
  return executionArn.startsWith(EXECUTION_ARN_PREFIX)
    ? executionArn.slice(EXECUTION_ARN_PREFIX.length)
    : '';
}

function isSafeName(name: string): boolean {
  return /^[a-zA-Z0-9][-a-zA-Z0-9_]{0,79}$/.test(name);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);

    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
