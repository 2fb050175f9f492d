import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBackend } from '../../embedded/start-embedded-backend.ts';
import { MAX_BODY_BYTES } from '../../http-api/api-types.ts';
import { readExampleClusterYaml, renameCluster } from '../fixtures/bench/generate-node-pools.ts';
import { callJson, sendRaw, snapshotState, startHostileBackend } from './hostile-support.ts';

const VALID = renameCluster(readExampleClusterYaml(), 'hostile');
/** Valid YAML that fails validation, so a request the server wrongly accepted would not run. */
const INVALID = VALID.replace(/^workerCount: .*$/m, 'workerCount: two');

/** Hostile HTTP requests against the embedded backend: each gets a clear 4xx and writes nothing. */
describe('the HTTP API under hostile requests', () => {
  let stateDir: string;
  let backend: EmbeddedBackend;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-hostile-http-'));
    backend = await startHostileBackend(stateDir);
  });
  afterAll(async () => {
    await backend?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  const expectServing = async () => {
    const answer = await callJson(backend, 'GET', '/clusters/hostile');
    expect(answer).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'cluster hostile has no revisions' } },
    });
  };

  it('answers 413 PAYLOAD_TOO_LARGE to a valid document padded past 256 KiB and stores nothing', async () => {
    const before = await snapshotState(backend, stateDir);
    const body = `${VALID}# ${'x'.repeat(MAX_BODY_BYTES)}\n`;
    const size = Buffer.byteLength(body);

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
    });

    expect(answer).toEqual({
      status: 413,
      body: {
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: `body must be at most ${MAX_BODY_BYTES} bytes (received ${size})`,
        },
      },
    });
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('answers 413 to an 8 MiB body with its whole size and keeps serving', async () => {
    const before = await snapshotState(backend, stateDir);

    const answer = await callJson(backend, 'POST', '/clusters', {
      body: Buffer.alloc(8 * 2 ** 20, 0x61),
      contentType: 'application/yaml',
    });

    // The server keeps only the start of such a body, but the answer counts every byte.
    expect(answer).toEqual({
      status: 413,
      body: {
        error: {
          code: 'PAYLOAD_TOO_LARGE',
          message: `body must be at most ${MAX_BODY_BYTES} bytes (received ${8 * 2 ** 20})`,
        },
      },
    });
    await expectServing();
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['multipart/form-data; boundary=x', 'multipart/form-data'],
    ['application/yaml-patch', 'application/yaml-patch'],
  ])(
    'answers 415 to a valid document sent as %s and stores nothing',
    async (contentType, shown) => {
      const before = await snapshotState(backend, stateDir);

      const answer = await callJson(backend, 'POST', '/clusters', { body: VALID, contentType });

      expect(answer).toEqual({
        status: 415,
        body: {
          error: {
            code: 'UNSUPPORTED_MEDIA_TYPE',
            message: `content-type must be application/yaml, text/yaml, application/x-yaml or application/json (received ${shown})`,
          },
        },
      });
      expect(await snapshotState(backend, stateDir)).toEqual(before);
    },
  );

  it('answers 400 to a repeated limit instead of picking one of its values', async () => {
    const answer = await callJson(backend, 'GET', '/clusters/hostile/revisions?limit=2&limit=3');

    expect(answer).toEqual({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION',
          message: 'limit must be an integer from 1 to 100 (received "2,3"); give limit once',
        },
      },
    });
  });

  it('answers 415 naming none to a valid document without a content type', async () => {
    const before = await snapshotState(backend, stateDir);
    const request = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${Buffer.byteLength(VALID)}\r\nConnection: close\r\n\r\n${VALID}`;

    const answer = await sendRaw(backend.apiUrl, [request]);

    expect(answer.status).toBe(415);
    expect(answer.text).toContain('(received none)');
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('answers 400 to half a valid body followed by a half-close, and keeps serving', async () => {
    const before = await snapshotState(backend, stateDir);
    const half = VALID.slice(0, Math.floor(VALID.length / 2));
    const head = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\nContent-Length: ${Buffer.byteLength(VALID)}\r\n\r\n`;

    const answer = await sendRaw(backend.apiUrl, [head, half], { endAfter: true });

    expect(answer.timedOut).toBe(false);
    expect(answer.status).toBe(400);
    await expectServing();
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('keeps answering others while a client holds half a body open, and stores nothing from it', async () => {
    const before = await snapshotState(backend, stateDir);
    const head = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\nContent-Length: ${Buffer.byteLength(VALID) + 500}\r\n\r\n`;
    const stalled = sendRaw(backend.apiUrl, [head, VALID], { deadlineMs: 2_000 });

    await expectServing();
    await expectServing();
    const answer = await stalled;

    // Nothing is answered for a body that never completes; the connection is dropped at our deadline.
    expect(answer).toEqual({ status: undefined, text: '', timedOut: true });
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('reads a body that trickles in over a second and answers its findings', async () => {
    const before = await snapshotState(backend, stateDir);
    const length = Buffer.byteLength(INVALID);
    const head = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`;
    const pieces = Array.from({ length: 10 }, (_, index) =>
      INVALID.slice((index * length) / 10, ((index + 1) * length) / 10),
    );

    const answer = await sendRaw(backend.apiUrl, [head, ...pieces], { pauseMs: 100 });

    expect(answer.status).toBe(400);
    expect(answer.text).toContain('"rule": "invalid-type"');
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it.each([
    ['a CR inside Idempotency-Key', 'Idempotency-Key: abc\rX-Injected: 1\r\n'],
    ['a bare LF inside Idempotency-Key', 'Idempotency-Key: abc\nX-Injected: 1\r\n'],
    ['a NUL inside Idempotency-Key', 'Idempotency-Key: abc\u0000def\r\n'],
    ['a header name with a space', 'Idempotency Key: abc\r\n'],
  ])('answers 400 to %s before any handler runs, and keeps serving', async (_label, header) => {
    const before = await snapshotState(backend, stateDir);
    const request = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\n${header}Content-Length: ${Buffer.byteLength(VALID)}\r\n\r\n${VALID}`;

    const answer = await sendRaw(backend.apiUrl, [request]);

    expect(answer.status).toBe(400);
    await expectServing();
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('answers 431 to 64 KiB of headers and keeps serving', async () => {
    const before = await snapshotState(backend, stateDir);
    const request = `POST /clusters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/yaml\r\nIdempotency-Key: ${'k'.repeat(64 * 1024)}\r\nContent-Length: ${Buffer.byteLength(VALID)}\r\n\r\n${VALID}`;

    const answer = await sendRaw(backend.apiUrl, [request]);

    expect(answer.status).toBe(431);
    await expectServing();
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it.each([
    ['/clusters/..%2F..%2Fetc/revisions', '../../etc'],
    ['/clusters/demo%00/revisions', 'demo\u0000'],
    ['/clusters/%E0%A4%A/revisions', '%E0%A4%A'],
  ])('answers 400 BAD_PATH to GET %s', async (route, shown) => {
    const answer = await callJson(backend, 'GET', route);

    expect(answer).toEqual({
      status: 400,
      body: {
        error: {
          code: 'BAD_PATH',
          message: `cluster name must match ^[a-zA-Z][-a-zA-Z0-9]*$ and be at most 128 characters (received ${JSON.stringify(shown)})`,
        },
      },
    });
  });

  it('answers 404 to an encoded dot-dot segment, which URL parsing resolves outside /clusters', async () => {
    const answer = await callJson(backend, 'GET', '/clusters/%2E%2E/revisions');

    expect(answer).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'no route for "/revisions"' } },
    });
  });

  it('answers 404 to a raw ../ path, which resolves outside /clusters', async () => {
    const answer = await sendRaw(backend.apiUrl, [
      'GET /clusters/../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    ]);

    expect(answer.status).toBe(404);
    expect(answer.text).toContain('no route for \\"/etc/passwd\\"');
  });

  it.each([
    ['YAML', 'application/yaml', VALID.replace('clusterName: hostile', 'clusterName: ../../x')],
    [
      'JSON',
      'application/json',
      JSON.stringify({
        clusterName: '../../x',
        externalDNSName: 'x.example.com',
        keyName: 'k',
        region: 'us-east-1',
        availabilityZone: 'us-east-1a',
      }),
    ],
  ])(
    'answers 400 to clusterName ../../x in a %s body and stores nothing',
    async (_label, contentType, body) => {
      const before = await snapshotState(backend, stateDir);

      const answer = await callJson(backend, 'POST', '/clusters', { body, contentType });

      expect(answer.status).toBe(400);
      expect(answer.body.valid).toBe(false);
      expect(answer.body.errors).toContainEqual(
        expect.objectContaining({
          path: 'clusterName',
          message:
            'clusterName must start with a letter and hold only letters, digits and hyphens (received "../../x")',
        }),
      );
      expect(await snapshotState(backend, stateDir)).toEqual(before);
    },
  );

  it('answers 400 yaml-alias-limit to a billion-laughs document within the test deadline', async () => {
    const before = await snapshotState(backend, stateDir);
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 10; level += 1) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const body = `${VALID}${levels.join('\n')}\n`;

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
    });

    expect(answer.status).toBe(400);
    expect((answer.body.errors as Array<{ rule: string }>).map((error) => error.rule)).toContain(
      'yaml-alias-limit',
    );
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('answers 400 nesting-too-deep to 100 000 nested brackets', async () => {
    const before = await snapshotState(backend, stateDir);
    const body = `clusterName: hostile\nstackTags: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;

    const answer = await callJson(backend, 'POST', '/clusters', {
      body,
      contentType: 'application/yaml',
    });

    expect(answer.status).toBe(400);
    expect((answer.body.errors as Array<{ rule: string }>).map((error) => error.rule)).toEqual([
      'nesting-too-deep',
    ]);
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });

  it('answers 400 json-syntax to a truncated JSON body', async () => {
    const before = await snapshotState(backend, stateDir);

    const answer = await callJson(backend, 'POST', '/clusters', {
      body: '{"clusterYaml": "clusterName: x',
      contentType: 'application/json',
    });

    expect(answer.status).toBe(400);
    expect((answer.body.errors as Array<{ rule: string }>).map((error) => error.rule)).toEqual([
      'json-syntax',
    ]);
    expect(await snapshotState(backend, stateDir)).toEqual(before);
  });
});
