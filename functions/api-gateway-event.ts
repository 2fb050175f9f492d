import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyResult,
} from 'aws-lambda';
import type { ApiRequest, ApiResponse } from '../http-api/api-types.ts';
import { acceptCorrelationId } from '../lib/correlation-id.ts';

export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2WithIAMAuthorizer;

/** Both API Gateway payload versions (REST v1, HTTP v2) to the router's request shape. */
export function toApiRequest(event: ApiGatewayEvent): ApiRequest {
  const body =
    event.body === null || event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64')
        : event.body;
  if ('version' in event && event.version === '2.0') {
    const v2 = event as APIGatewayProxyEventV2WithIAMAuthorizer;

    return {
      method: v2.requestContext.http.method,
      path: v2.rawPath,
      query: v2.queryStringParameters ?? {},
      headers: v2.headers,
      body,
      identity: v2.requestContext.authorizer?.iam?.userArn ?? 'unknown',
      correlationId: findCorrelationId(v2),
    };
  }
  const v1 = event as APIGatewayProxyEvent;

  return {
    method: v1.httpMethod,
    path: v1.path,
    // A REST API keeps only the last value of a repeated parameter there; all are in the other.
    query: Object.fromEntries(
      Object.entries(v1.multiValueQueryStringParameters ?? v1.queryStringParameters ?? {}).map(
        ([name, value]) => [name, Array.isArray(value) ? value.join(',') : value],
      ),
    ),
    headers: v1.headers,
    body,
    identity: v1.requestContext.identity?.userArn ?? 'unknown',
    correlationId: findCorrelationId(v1),
  };
}

/** The caller's `x-correlation-id` when it is a short plain token, else API Gateway's request id. */
export function findCorrelationId(event: ApiGatewayEvent): string | undefined {
  const header = Object.entries(event.headers ?? {}).find(
    ([name]) => name.toLowerCase() === 'x-correlation-id',
  )?.[1];

  return acceptCorrelationId(header) ?? event.requestContext.requestId;
}

export function toProxyResult(response: ApiResponse): APIGatewayProxyResult {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
