import middy from '@middy/core';
import { handleApiRequest } from '../../http-api/handle-api-request.ts';
import {
  type ApiGatewayEvent,
  findCorrelationId,
  toApiRequest,
  toProxyResult,
} from '../api-gateway-event.ts';
import { loadAwsDeps, logWithCorrelation, serialiseErrorName } from '../lambda-runtime.ts';

/** The `GET /clusters/...` routes: cluster record, revisions, template and execution history. */
export const handler = middy(async (event: ApiGatewayEvent) =>
  toProxyResult(await handleApiRequest(toApiRequest(event), loadAwsDeps())),
)
  .use(logWithCorrelation(findCorrelationId))
  .use(serialiseErrorName());
