/**
 * The closed set of errors the product raises. `name` is what Step Functions `Retry` and `Catch`
 * match on, `code` is stable for scripts, `status` is the HTTP answer at the API edge.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'DEPENDENCY'
  | 'INTEGRITY'
  | 'INVARIANT';

abstract class KubeAwsError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly status: number;
}

/** The user's input is wrong; `findings` carries file, line and column when known. */
export class ValidationError extends KubeAwsError {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION';
  readonly status = 400;

  constructor(
    message: string,
    readonly findings: readonly unknown[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class NotFoundError extends KubeAwsError {
  override readonly name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}

export class ConflictError extends KubeAwsError {
  override readonly name = 'ConflictError';
  readonly code = 'CONFLICT';
  readonly status = 409;
}

/** A dependency (AWS, an emulator) failed in a way that a retry may cure. */
export class DependencyError extends KubeAwsError {
  override readonly name = 'DependencyError';
  readonly code = 'DEPENDENCY';
  readonly status = 502;
}

/**
 * A stored artefact does not match what the revision table recorded for it: it was changed
 * outside the product (tampering, or a copy from elsewhere). Not the submitter's input, not a
 * transient fault a retry could cure, and not our bug; the message names the object and the check
 * that failed, and the remedy (re-issue the named assets, or submit again to rewrite the object).
 */
export class IntegrityError extends KubeAwsError {
  override readonly name = 'IntegrityError';
  readonly code = 'INTEGRITY';
  readonly status = 500;
}

/** Our own bug: an invariant did not hold. */
export class InvariantError extends KubeAwsError {
  override readonly name = 'InvariantError';
  readonly code = 'INVARIANT';
  readonly status = 500;
}

export type ProductError =
  | ValidationError
  | NotFoundError
  | ConflictError
  | DependencyError
  | IntegrityError
  | InvariantError;

export function isProductError(error: unknown): error is ProductError {
  return error instanceof KubeAwsError;
}

/** Names the Step Functions definition retries; kept beside the classes so they cannot drift. */
export const RETRYABLE_ERROR_NAMES = ['DependencyError'] as const;

/** Turns any thrown value into a message safe to store and show (no stack, no payload dump). */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };

  return { name: 'Error', message: String(error) };
}
