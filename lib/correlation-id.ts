import { logger } from './logger.ts';

/**
 * A caller's correlation id travels in the revision, the execution input and every state's
 * payload and log line, so it must stay small and plain: a UUID, an API Gateway request id or a
 * CI job id fits easily.
 */
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The caller's correlation id when it is a short plain token, else undefined so a new one is
 * made: an id is a tracing aid, so a bad one is replaced (with a WARN) rather than failing the
 * submission, and it can never grow a state payload or carry control characters into logs.
 */
export function acceptCorrelationId(value: string | undefined): string | undefined {
  if (value === undefined || CORRELATION_ID.test(value)) return value;
  logger.warn('correlation id replaced', { received_length: value.length });

  return undefined;
}
