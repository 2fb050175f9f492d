/** One HTTP request as both edges see it: the embedded server and the API Gateway handler. */
export interface ApiRequest {
  method: string;
  /** Path without query string, e.g. `/clusters/demo/revisions/2`. */
  path: string;
  /** Query string parameters, decoded; a repeated one as the edge gives it. */
  query?: Record<string, string | undefined>;
  /** Header names in any case; the router compares them lower-cased. */
  headers: Record<string, string | undefined>;
  /** Bytes as received when the edge has them (not-UTF-8 input is then reported, not mangled). */
  body: string | Uint8Array | undefined;
  /**
   * The body's whole size in bytes when the edge kept only its start (a body over the limit is
   * not held in memory to be refused); the size of `body` otherwise.
   */
  bodyBytes?: number;
  /** Who is calling: the IAM principal in AWS, the local user when embedded. */
  identity: string;
  /** Carried into the submission and every log line of its run. */
  correlationId?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** API Gateway and the Step Functions state limit both sit at 256 KiB; refuse larger bodies early. */
export const MAX_BODY_BYTES = 256 * 1024;

export function jsonResponse(status: number, value: unknown): ApiResponse {
  return {
    status,
    headers: { 'content-type': 'application/json' },
    body: `${JSON.stringify(value, null, 2)}\n`,
  };
}

export function errorResponse(status: number, code: string, message: string): ApiResponse {
  return jsonResponse(status, { error: { code, message } });
}
