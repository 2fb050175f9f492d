import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { toApiRequest } from '../../../functions/api-gateway-event.ts';

const REST_EVENT = {
  httpMethod: 'GET',
  path: '/clusters/demo/revisions',
  headers: {},
  body: null,
  isBase64Encoded: false,
  requestContext: { requestId: 'req-1', identity: { userArn: 'arn:aws:iam::1:user/a' } },
};

describe('toApiRequest', () => {
  it('keeps every value of a repeated parameter of a REST API event, comma-joined', () => {
    const event = {
      ...REST_EVENT,
      queryStringParameters: { limit: '3' },
      multiValueQueryStringParameters: { limit: ['2', '3'], before: ['9'] },
    } as unknown as APIGatewayProxyEvent;

    expect(toApiRequest(event).query).toEqual({ limit: '2,3', before: '9' });
  });

  it('answers an empty query for an event without parameters', () => {
    const event = { ...REST_EVENT, queryStringParameters: null } as unknown as APIGatewayProxyEvent;

    expect(toApiRequest(event).query).toEqual({});
  });

  it('takes the query of an HTTP API event as API Gateway gives it', () => {
    const event = {
      version: '2.0',
      rawPath: '/clusters/demo/revisions',
      queryStringParameters: { limit: '2,3' },
      headers: {},
      isBase64Encoded: false,
      requestContext: { requestId: 'req-2', http: { method: 'GET' } },
    } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

    expect(toApiRequest(event)).toMatchObject({
      method: 'GET',
      path: '/clusters/demo/revisions',
      query: { limit: '2,3' },
    });
  });
});
