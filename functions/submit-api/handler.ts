import middy from '@middy/core';
import { handleApiRequest } from '../../http-api/handle-api-request.ts';
import {
  type ApiGatewayEvent,
  findCorrelationId,
  toApiRequest,
  toProxyResult,
} from '../api-gateway-event.ts';
import { loadAwsDeps, logWithCorrelation, serialiseErrorName } from '../lambda-runtime.ts';

/** `POST /clusters`: the shared router answers; 4xx are answers, only 5xx reach the error chain. */
export const handler = middy(async (event: ApiGatewayEvent) =>
  toProxyResult(await handleApiRequest(toApiRequest(event), loadAwsDeps())),
)
  .use(logWithCorrelation(findCorrelationId))
  .use(serialiseErrorName());
