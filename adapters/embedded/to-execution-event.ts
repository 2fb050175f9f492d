import type { ExecutionEvent } from '../../ports/workflow.ts';

/** The fields of an aws-local-stepfunctions event log entry that the history keeps. */
interface LocalEventLog {
  type: string;
  timestamp: number;
  state?: { name: string; input?: unknown; output?: unknown };
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  retry?: { attempt: number };
  catch?: { catcher: { Next: string } };
}

/** Maps one local event to the console-shaped history entry both workflow adapters return. */
export function toExecutionEvent(event: LocalEventLog): ExecutionEvent {
  const entry: ExecutionEvent = {
    type: event.type,
    timestamp: new Date(event.timestamp).toISOString(),
  };
  if (event.state !== undefined) entry.state = event.state.name;

  switch (event.type) {
    case 'ExecutionStarted':
      entry.input = event.input;
      break;
    case 'ExecutionSucceeded':
      entry.output = event.output;
      break;
    case 'StateEntered':
      entry.input = event.state?.input;
      break;
    case 'StateExited':
      entry.output = event.state?.output;
      break;
    case 'StateRetried':
      entry.cause = `retry attempt ${event.retry?.attempt ?? 0}`;
      break;
    case 'StateCaught':
      entry.cause = `caught, next ${event.catch?.catcher.Next ?? 'unknown'}`;
      break;
    default:
      break;
  }
  if (event.Error !== undefined) entry.error = event.Error;
  if (event.Cause !== undefined && event.type !== 'StateCaught')
    entry.cause = describeCause(event.Cause);

  return entry;
}

function describeCause(cause: unknown): string {
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;

  return JSON.stringify(cause) ?? '';
}
