import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { findCorrelationId } from '../../../functions/api-gateway-event.ts';

function eventWith(headers: Record<string, string>): APIGatewayProxyEvent {
  return { headers, requestContext: { requestId: 'req-1' } } as unknown as APIGatewayProxyEvent;
}

describe('findCorrelationId', () => {
  it("keeps the caller's short plain id", () => {
    expect(findCorrelationId(eventWith({ 'X-Correlation-Id': 'ci-job.42:a' }))).toBe('ci-job.42:a');
  });

  it("uses API Gateway's request id for an id that is long or not plain", () => {
    expect(
      [`${'a'.repeat(65)}`, 'two words', 'line\nbreak'].map((id) =>
        findCorrelationId(eventWith({ 'x-correlation-id': id })),
      ),
    ).toEqual(['req-1', 'req-1', 'req-1']);
  });
});
