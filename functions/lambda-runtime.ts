import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import { isRetryableSdkError } from '../adapters/aws/classify-sdk-error.ts';
import { type AwsDeps, createAwsDeps } from '../adapters/aws/create-aws-deps.ts';
import { DependencyError, describeError, isProductError } from '../lib/errors.ts';
import { logger } from '../lib/logger.ts';

let deps: AwsDeps | undefined;

/** The adapters of this container, made on first use and reused by every later invocation. */
export function loadAwsDeps(): AwsDeps {
  deps ??= createAwsDeps();

  return deps;
}

/** Powertools context keys plus the run's correlation id on every log line of the invocation. */
export function logWithCorrelation<TEvent>(
  findCorrelationId: (event: TEvent) => string | undefined,
): Array<MiddlewareObj<TEvent>> {
  return [
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj<TEvent>,
    {
      before: (request) => {
        const correlationId = findCorrelationId(request.event);
        if (correlationId !== undefined) logger.appendKeys({ correlation_id: correlationId });
      },
    },
  ];
}

/**
 * Logs a failure once at the boundary and rethrows it with a name Step Functions can match: our
 * own error classes keep theirs, a retryable SDK failure that escaped an adapter becomes
 * DependencyError, anything else keeps its own name (caught by `States.ALL`, never retried).
 */
export function serialiseErrorName<TEvent>(): MiddlewareObj<TEvent> {
  return {
    onError: (request) => {
      const error = request.error;
      logger.error('invocation failed', { error: describeError(error) });
      if (
        error !== null &&
        error !== undefined &&
        !isProductError(error) &&
        isRetryableSdkError(error)
      ) {
        request.error = new DependencyError(describeError(error).message, { cause: error });
      }
    },
  };
}
