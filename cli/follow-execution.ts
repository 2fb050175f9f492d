import type { ExecutionEvent } from '../ports/workflow.ts';
import { type Revision, TERMINAL_STATUSES } from '../schemas/revision.ts';
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
    const answer = await callApi(session, 'GET', `${base}/history`);
    if (answer.status !== 200) throw new Error(describeApiError(answer));
    const events = (answer.body as { events: ExecutionEvent[] }).events;
    for (; seen < events.length; seen++)
      options.onEvent?.(events[seen]!, events.slice(0, seen + 1));

    const revisionAnswer = await callApi(session, 'GET', base);
    if (revisionAnswer.status !== 200) throw new Error(describeApiError(revisionAnswer));
    revision = revisionAnswer.body as Revision;
    checkInterrupted();
    await options.onPoll?.(revision);
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
