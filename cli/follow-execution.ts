import type { ExecutionEvent } from '../ports/workflow.ts';
import { readableCause } from '../revisions/readable-cause.ts';
import { type Revision, TERMINAL_STATUSES } from '../schemas/revision.ts';
import { STATE } from '../state-machines/state-names.ts';
import { type BackendSession, callApi, describeApiError } from './backend-session.ts';
import { describeInterruption, InterruptedError } from './cli-io.ts';

const POLL_MS = 250;
const END_EVENTS = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionTimedOut',
  'ExecutionAborted',
]);

export interface FollowOptions {
  cluster: string;
  revision: number;
  deadlineMs: number;
  /** Called once per new history event, in order. */
  onEvent?: (event: ExecutionEvent, events: readonly ExecutionEvent[]) => void;
  /** Called after each poll with the revision as it stands (queued progress). */
  onPoll?: (revision: Revision) => Promise<void> | void;
  /** Ends the follow with an InterruptedError (Ctrl-C, a closed pipe). */
  signal?: AbortSignal;
}

/**
 * Polls the revision and its execution history until the revision reaches a terminal status and
 * the execution has ended, or the deadline passes (then it throws, naming the last status).
 */
export async function followExecution(
  session: BackendSession,
  options: FollowOptions,
): Promise<Revision> {
  const base = `/clusters/${options.cluster}/revisions/${options.revision}`;
  const deadline = Date.now() + options.deadlineMs;
  let seen = 0;
  let revision: Revision | undefined;
  let terminalSince: number | undefined;
  const checkInterrupted = () => {
    if (options.signal?.aborted) throw new InterruptedError(describeInterruption(options.signal));
  };
  while (Date.now() < deadline) {
    checkInterrupted();
    // The revision first: a queued revision's progress (it left the queue) is reported before
    // the states its run went through since the last poll.
    const revisionAnswer = await callApi(session, 'GET', base);
    if (revisionAnswer.status !== 200) throw new Error(describeApiError(revisionAnswer));
    revision = revisionAnswer.body as Revision;
    checkInterrupted();
    await options.onPoll?.(revision);

    const answer = await callApi(session, 'GET', `${base}/history`);
    if (answer.status !== 200) throw new Error(describeApiError(answer));
    const events = (answer.body as { events: ExecutionEvent[] }).events;
    for (; seen < events.length; seen++)
      options.onEvent?.(events[seen]!, events.slice(0, seen + 1));
    checkInterrupted();
    if (TERMINAL_STATUSES.includes(revision.status)) {
      terminalSince ??= Date.now();
      // The execution ends right after the Record task; wait briefly for its last events.
      if (events.some((event) => END_EVENTS.has(event.type)) || Date.now() - terminalSince > 3000) {
        return revision;
      }
    }
    await sleep(POLL_MS, options.signal);
  }

  throw new Error(
    `revision ${options.revision} is still ${revision?.status ?? 'unknown'} after ${Math.round(options.deadlineMs / 1000)} s; follow it with kube-aws history ${options.cluster}`,
  );
}

/** Waits `ms`, or less when the signal aborts meanwhile. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const NAME_WIDTH = 18;
const RESULT_WIDTH = 10;

/**
 * The lines one history event adds to `up`'s progress, given the events up to and including it.
 * A failed attempt is printed once its fate is known: `retrying` when another attempt follows,
 * `failed` when it was caught (the run goes on to Record Failure) or ended the execution. A state
 * whose error was caught exits too, but that exit is no success and prints nothing. Both
 * histories are read: the local runner's (StateRetried, StateCaught) and Step Functions' (a
 * failure followed by another attempt's failure, or directly by the state's exit).
 */
export function formatExecutionEvent(
  event: ExecutionEvent,
  events: readonly ExecutionEvent[],
): string[] {
  const state = event.state ?? '';
  const earlier = events.slice(0, -1);
  const pending = findPendingFailure(earlier, state);
  switch (event.type) {
    case 'StateRetried':
    case 'StateFailed':
      // A second failure with no retry event between: Step Functions retried the first.
      return pending === undefined ? [] : formatRetry(pending, earlier);
    case 'StateCaught':
      return pending === undefined ? [] : formatFailure(pending);
    case 'StateExited': {
      if (pending !== undefined) return formatFailure(pending);
      if (lastEventOf(earlier, state)?.type === 'StateCaught') return [];
      const entered = earlier.findLast(
        (candidate) => candidate.type === 'StateEntered' && candidate.state === state,
      );
      const seconds =
        entered === undefined
          ? 0
          : (Date.parse(event.timestamp) - Date.parse(entered.timestamp)) / 1000;

      const detail = state === STATE.generateAssets ? describeAssets(event.output) : '';

      return [formatLine(state, 'succeeded', `${seconds.toFixed(2)}s${detail}`)];
    }
    // A failure that no exit followed was caught straight into the next state, or ended the run.
    case 'StateEntered':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimedOut': {
      const last = earlier.findLast((candidate) => candidate.state !== undefined);
      const unresolved = last === undefined ? undefined : findPendingFailure(earlier, last.state!);

      return unresolved === undefined ? [] : formatFailure(unresolved);
    }
    default:
      return [];
  }
}

/** Issued names shown in full up to this many; a count beyond. */
const ISSUED_NAMES_SHOWN = 5;

/**
 * What Generate Assets did, from its output (`assets.issued` and `assets.reused`, names only):
 * a rotation or a new CA is never silent. A CA re-issued replaces the trust every node and
 * client holds, so it is named whatever the count.
 */
function describeAssets(output: unknown): string {
  const assets = (output as { assets?: { issued?: unknown; reused?: unknown } } | undefined)
    ?.assets;
  if (!Array.isArray(assets?.issued) || !Array.isArray(assets?.reused)) return '';
  const issued = assets.issued.filter((name): name is string => typeof name === 'string');
  const shown =
    issued.length === 0
      ? 'none'
      : issued.length <= ISSUED_NAMES_SHOWN
        ? issued.join(', ')
        : String(issued.length);
  const authorities = issued.filter((name) => name.endsWith('-ca'));
  const newTrust = authorities.length === 0 ? '' : ` (new CAs: ${authorities.join(', ')})`;

  return `  issued ${shown}${newTrust}, reused ${assets.reused.length}`;
}

/** The last event of `state`, when that state is the one the history is in. */
function lastEventOf(events: readonly ExecutionEvent[], state: string): ExecutionEvent | undefined {
  const last = events.findLast((candidate) => candidate.state !== undefined);

  return last?.state === state ? last : undefined;
}

/** A failure of `state` whose fate (retried, caught, final) no later event has told yet. */
function findPendingFailure(
  events: readonly ExecutionEvent[],
  state: string,
): ExecutionEvent | undefined {
  const last = lastEventOf(events, state);

  return last?.type === 'StateFailed' ? last : undefined;
}

function formatRetry(failure: ExecutionEvent, earlier: readonly ExecutionEvent[]): string[] {
  const state = failure.state ?? '';
  const enteredAt = earlier.findLastIndex(
    (candidate) => candidate.type === 'StateEntered' && candidate.state === state,
  );
  const attempt = earlier
    .slice(enteredAt + 1)
    .filter((candidate) => candidate.type === 'StateFailed' && candidate.state === state).length;
  const [first, ...rest] = describeFailure(failure);

  return [formatLine(state, 'retrying', `attempt ${attempt} failed: ${first}`), ...rest];
}

/**
 * A caught failure goes on to Record Failure, which records its error on the revision, and `up`
 * prints that error once at the end: the state's line says only the error's name. Record
 * Failure's own failure is recorded nowhere, so its line keeps the message.
 */
function formatFailure(failure: ExecutionEvent): string[] {
  if (failure.state === STATE.recordFailure) {
    const [first, ...rest] = describeFailure(failure);
    return [formatLine(failure.state, 'failed', first ?? ''), ...rest];
  }
  const { name } = readableCause({
    Error: failure.error ?? 'Error',
    ...(failure.cause === undefined ? {} : { Cause: failure.cause }),
  });

  return [formatLine(failure.state ?? '', 'failed', name)];
}

/**
 * `<name>: <message>` with a Lambda error's JSON cause made readable. A message of several lines
 * (one finding each) keeps them all, each on its own indented line under the state's line.
 */
function describeFailure(failure: ExecutionEvent): string[] {
  const { name, message } = readableCause({
    Error: failure.error ?? 'Error',
    ...(failure.cause === undefined ? {} : { Cause: failure.cause }),
  });
  const [first, ...rest] = message.split('\n');

  return [
    `${name}: ${first ?? ''}`,
    ...rest.filter((line) => line.trim() !== '').map((line) => `${' '.repeat(4)}${line.trim()}\n`),
  ];
}

function formatLine(state: string, result: string, detail: string): string {
  return `  ${state.padEnd(NAME_WIDTH)} ${result.padEnd(RESULT_WIDTH)} ${detail}\n`;
}
