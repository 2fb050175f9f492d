import type { CaughtError } from '../schemas/state-payloads.ts';

/** Longest message kept on a revision; a stack trace or payload dump never belongs there. */
const MAX_MESSAGE_CHARS = 2000;

/**
 * Turns Step Functions' caught error into a name and message a person can read. A Lambda error
 * arrives as JSON in `Cause` (`{"errorType": ..., "errorMessage": ..., "trace": [...]}`); the
 * trace is dropped. Service errors (States.Timeout, ...) carry plain text or nothing.
 */
export function readableCause(error: CaughtError | undefined): { name: string; message: string } {
  if (error === undefined) {
    return { name: 'UnknownError', message: 'the run failed without an error payload' };
  }
  const parsed = parseLambdaCause(error.Cause);
  const name = parsed?.errorType ?? error.Error;
  const message = parsed?.errorMessage ?? error.Cause ?? describeServiceError(error.Error);

  return { name, message: truncate(message) };
}

function parseLambdaCause(
  cause: string | undefined,
): { errorType?: string; errorMessage?: string } | undefined {
  if (cause === undefined || !cause.trimStart().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(cause) as Record<string, unknown>;
    return {
      ...(typeof value.errorType === 'string' ? { errorType: value.errorType } : {}),
      ...(typeof value.errorMessage === 'string' ? { errorMessage: value.errorMessage } : {}),
    };
  } catch {
    // Not JSON after all: the Cause text is shown as it is.
    return undefined;
  }
}

function describeServiceError(name: string): string {
  if (name === 'States.Timeout') return 'the task ran past its timeout';
  if (name === 'States.HeartbeatTimeout') return 'the task stopped sending heartbeats';

  return `the task failed with ${name}`;
}

function truncate(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}…`;
}
