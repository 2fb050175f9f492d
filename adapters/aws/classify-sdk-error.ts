import { DependencyError } from '../../lib/errors.ts';

/** Error names AWS services use for throttling; a retry with back-off cures them. */
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'RequestThrottled',
  'SlowDown',
  'LimitExceededException',
]);

/** Node's network failures: the service could not be reached at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

/**
 * An error the service itself answered with (any client's modelled or base exception), as opposed
 * to a network failure or timeout that never reached it. Checked by shape, because the adapters
 * load SDK modules lazily and a sync caller may not have the exception class at hand.
 */
export function isServiceException(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;

  return (
    (shape.$fault === 'client' || shape.$fault === 'server') &&
    typeof shape.$metadata === 'object' &&
    shape.$metadata !== null
  );
}

/** The service refused a conditional write because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (error as SdkErrorShape | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Throttling, a 5xx answer or an unreachable endpoint: worth retrying later. */
export function isRetryableSdkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  if (typeof shape.name === 'string' && THROTTLING_NAMES.has(shape.name)) return true;
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;

  return shape.$fault === 'server';
}

/**
 * Rethrows a retryable SDK failure as DependencyError (which the state machine retries) and any
 * other error unchanged, so a caller's own bug is never disguised as a flaky dependency.
 */
export function rethrowSdkError(error: unknown, service: string, operation: string): never {
  if (isRetryableSdkError(error)) {
    const { name, message } = error as { name: string; message: string };
    throw new DependencyError(`${service} ${operation} failed (received ${name}: ${message})`, {
      cause: error,
    });
  }
  throw error;
}
