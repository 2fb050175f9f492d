import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../http-api/api-types.ts';
import { handleApiRequest } from '../../../http-api/handle-api-request.ts';
import type { Deps } from '../../../pipeline/deps.ts';

// These routes answer before any adapter is touched; a deps bag that throws proves it.
const untouchableDeps = new Proxy({} as Deps, {
  get(_target, property) {
    throw new Error(`deps.${String(property)} must not be used`);
  },
});

function request(
  method: string,
  path: string,
  extra: Partial<{ headers: Record<string, string>; body: string }> = {},
) {
  return { method, path, headers: extra.headers ?? {}, body: extra.body, identity: 'test-user' };
}

describe('handleApiRequest before any lookup', () => {
  it('answers 404 JSON for an unknown route', async () => {
    const response = await handleApiRequest(request('GET', '/nothing'), untouchableDeps);

    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'NOT_FOUND', message: 'no route for "/nothing"' },
    });
  });

  it('rejects an encoded path traversal in the cluster name with 400', async () => {
    const response = await handleApiRequest(
      request('GET', '/clusters/..%2F..%2Fetc/revisions'),
      untouchableDeps,
    );

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'BAD_PATH',
        message:
          'cluster name must match ^[a-zA-Z][-a-zA-Z0-9]*$ and be at most 128 characters (received "../../etc")',
      },
    });
  });

  it('rejects a revision that is not a positive integer with 400', async () => {
    const response = await handleApiRequest(
      request('GET', '/clusters/demo/revisions/0'),
      untouchableDeps,
    );

    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.message).toBe(
      'revision must be a positive integer (received "0")',
    );
  });

  it('answers 415 for a POST with an unsupported content type', async () => {
    const response = await handleApiRequest(
      request('POST', '/clusters', { headers: { 'Content-Type': 'text/plain' }, body: 'x' }),
      untouchableDeps,
    );

    expect(response.status).toBe(415);
    expect(JSON.parse(response.body).error).toEqual({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message:
        'content-type must be application/yaml, text/yaml, application/x-yaml or application/json (received text/plain)',
    });
  });

  it('answers 413 for a body over the size limit', async () => {
    const body = 'a'.repeat(MAX_BODY_BYTES + 1);
    const response = await handleApiRequest(
      request('POST', '/clusters', { headers: { 'content-type': 'application/yaml' }, body }),
      untouchableDeps,
    );

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).error.message).toBe(
      `body must be at most 262144 bytes (received ${MAX_BODY_BYTES + 1})`,
    );
  });

  it('answers 400 with a json-syntax finding for a malformed JSON body', async () => {
    const response = await handleApiRequest(
      request('POST', '/clusters', { headers: { 'content-type': 'application/json' }, body: '{' }),
      untouchableDeps,
    );

    expect(response.status).toBe(400);
    const body = JSON.parse(response.body);
    expect(body.valid).toBe(false);
    expect(body.errors[0].rule).toBe('json-syntax');
    expect(body.error).toEqual({
      code: 'VALIDATION',
      message: 'body is not valid JSON (received 1 bytes)',
    });
  });

  it('answers 405 with an Allow header for a DELETE of a cluster', async () => {
    const response = await handleApiRequest(request('DELETE', '/clusters/demo'), untouchableDeps);

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
  });
});
