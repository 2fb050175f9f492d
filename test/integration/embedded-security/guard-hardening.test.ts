import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS_BUCKET,
  type EmbeddedBackend,
  REVISIONS_TABLE,
  SUBMISSIONS_BUCKET,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { logger } from '../../../lib/logger.ts';
import { openEmbeddedS3Client } from '../../support/embedded-s3-client.ts';
import { requireTool } from '../../support/external-tools.ts';
import { sendRawRequest } from '../../unit/embedded/raw-request.ts';

const run = promisify(execFile);
/** SigV4 signing wants a hash class; node:crypto stands behind it. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function toBytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

  return new Uint8Array(data);
}

const hasAwsCli = requireTool('aws', ['--version']);
const YEAR_2001 = Date.parse('2001-06-01T00:00:00Z');
const YEAR_2099 = Date.parse('2099-06-01T00:00:00Z');
const s3Denied = (message: string, status = 403, code = 'AccessDenied') => ({
  status,
  contentType: 'application/xml',
  body:
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message></Error>\n`,
});

/** The holes a security tester found in the embedded backend's guards, each closed. */
describe('the hardened guards of the embedded backend', () => {
  let root: string;
  let backend: EmbeddedBackend;
  let s3Port: number;
  let tablePort: number;
  let signer: SignatureV4;

  const s3With = (config: Partial<S3ClientConfig> = {}) =>
    openEmbeddedS3Client(backend, { maxAttempts: 1, ...config });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (caught: unknown) => [(caught as Error).name, (caught as Error).message],
    );
  /** A `method` request presigned at `signingDate` for `expiresIn` seconds, as path and query. */
  const presign = async (
    method: string,
    key: string,
    options: { signingDate?: Date; expiresIn?: number } = {},
  ) => {
    const presigned = await signer.presign(
      {
        method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: s3Port,
        path: `/${ARTIFACTS_BUCKET}/${key}`,
        // What the S3 presigner sends: the body stays out of the signature.
        headers: { host: `127.0.0.1:${s3Port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        query: {},
      },
      { expiresIn: options.expiresIn ?? 300, signingDate: options.signingDate ?? new Date() },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();

    return `${presigned.path}?${query}`;
  };

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-guard-hardening-'));
    backend = await startEmbeddedBackend({
      stateDir: path.join(root, 'state'),
      apiPort: 0,
      s3Port: 0,
      waitOverrideMs: 0,
    });
    s3Port = Number(new URL(backend.s3Endpoint).port);
    tablePort = Number(new URL(backend.revisionTableEndpoint).port);
    signer = new SignatureV4({
      credentials: backend.endpointCredentials,
      region: 'us-east-1',
      service: 's3',
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const s3 = s3With();
    await s3.send(
      new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'secret/artefact', Body: 'secret' }),
    );
    s3.destroy();
  }, 60_000);
  afterAll(async () => {
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses an S3 upload whose body was swapped after signing and stores nothing', async () => {
    const s3 = s3With();
    // The deserialize step runs after signing, just before the request is sent.
    s3.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: string }).body = 'body B';

        return next(args);
      },
      { step: 'deserialize' },
    );

    const put = await failureOf(
      s3.send(new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'swapped', Body: 'body A' })),
    );
    s3.destroy();
    const reader = s3With();
    const read = await reader
      .send(new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'swapped' }))
      .then(
        () => 'stored',
        (error: unknown) => (error instanceof NoSuchKey ? 'absent' : String(error)),
      );
    reader.destroy();

    expect([put, read]).toEqual([
      ['XAmzContentSHA256Mismatch', 'the body does not match the signed x-amz-content-sha256'],
      'absent',
    ]);
  });

  it('refuses a presigned PUT carrying an unsigned x-amz-copy-source header', async () => {
    const target = await presign('PUT', 'copied');

    const response = await sendRawRequest(s3Port, {
      method: 'PUT',
      path: target,
      headers: { 'x-amz-copy-source': `/${ARTIFACTS_BUCKET}/secret/artefact` },
    });

    expect(response).toEqual(
      s3Denied('the request signature is refused: every x-amz-* header must be signed'),
    );
  });

  it('refuses a presigned PUT even with no extra header: the product presigns no upload', async () => {
    const response = await sendRawRequest(s3Port, {
      method: 'PUT',
      path: await presign('PUT', 'presigned-upload'),
      body: 'x',
    });

    expect(response).toEqual(s3Denied('presigned urls may only GET or HEAD'));
  });

  it('refuses a presigned GET dated in 2099 with a 60 s expiry', async () => {
    const target = await presign('GET', 'secret/artefact', {
      signingDate: new Date(YEAR_2099),
      expiresIn: 60,
    });

    const response = await sendRawRequest(s3Port, { path: target });

    expect(response).toEqual(
      s3Denied(
        'the request signature is refused: the presigned url is dated more than 15 minutes ahead of the server clock',
      ),
    );
  });

  it('serves a presigned GET made now and refuses one whose expiry has passed', async () => {
    const fresh = await sendRawRequest(s3Port, { path: await presign('GET', 'secret/artefact') });
    const expired = await sendRawRequest(s3Port, {
      path: await presign('GET', 'secret/artefact', {
        signingDate: new Date(Date.now() - 120_000),
        expiresIn: 60,
      }),
    });

    expect([fresh.status, fresh.body]).toEqual([200, 'secret']);
    expect(expired).toEqual(
      s3Denied('the request signature is refused: the presigned url has expired'),
    );
  });

  it('refuses a header-signed PUT with an unsigned payload', async () => {
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: s3Port,
      path: `/${ARTIFACTS_BUCKET}/unsigned`,
      headers: { host: `127.0.0.1:${s3Port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: 'x',
    });

    const response = await sendRawRequest(s3Port, {
      method: 'PUT',
      path: `/${ARTIFACTS_BUCKET}/unsigned`,
      headers: signed.headers,
      body: 'x',
    });

    expect(response).toEqual(
      s3Denied('the x-amz-content-sha256 header must be the hex sha256 of the body'),
    );
  });

  it.each([
    ['2001', YEAR_2001],
    ['2099', YEAR_2099],
  ])('refuses S3 and revision-table requests signed in %s', async (_label, signedAt) => {
    const offset = signedAt - Date.now();
    const s3 = s3With({ systemClockOffset: offset });
    const table = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: backend.revisionTableEndpoint,
      credentials: backend.endpointCredentials,
      systemClockOffset: offset,
      maxAttempts: 1,
    });

    const get = await failureOf(
      s3.send(new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'secret/artefact' })),
    );
    const list = await failureOf(table.send(new ListTablesCommand({})));
    s3.destroy();
    table.destroy();

    const skewed =
      'the request signature is refused: the x-amz-date is more than 15 minutes from the server clock';
    expect([get, list]).toEqual([
      ['AccessDenied', skewed],
      ['UnrecognizedClientException', skewed],
    ]);
  });

  /** Sends headers and part of a body, and resolves with what comes back before the rest. */
  const sendPartialRequest = (headers: string[], partialBody: number) =>
    new Promise<{ socket: Socket; firstLine: Promise<string> }>((resolve, reject) => {
      const socket = connect(tablePort, '127.0.0.1', () => {
        socket.write(
          `POST / HTTP/1.1\r\nHost: 127.0.0.1:${tablePort}\r\n${headers.join('\r\n')}\r\n\r\n`,
        );
        socket.write(Buffer.alloc(partialBody, 0x20));
        const firstLine = new Promise<string>((answer) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            if (text.includes('\r\n')) answer(text.slice(0, text.indexOf('\r\n')));
          });
          socket.on('close', () => answer(text === '' ? 'closed' : (text.split('\r\n')[0] ?? '')));
        });
        resolve({ socket, firstLine });
      });
      socket.on('error', reject);
    });
  const withDeadline = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([
      promise,
      new Promise<string>((resolve) => setTimeout(() => resolve(`no answer in ${ms} ms`), ms)),
    ]);

  it('refuses a revision-table request with a malformed signature before its 1 MiB body arrives', async () => {
    const { socket, firstLine } = await sendPartialRequest(
      ['Authorization: x', 'Content-Length: 1048576'],
      1024,
    );

    const answer = await withDeadline(firstLine, 5_000);
    socket.destroy();

    expect(answer).toBe('HTTP/1.1 403 Forbidden');
  });

  it('answers 503 once 8 MiB of revision-table bodies are in flight, and serves again after', async () => {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const headers = [
      `Authorization: AWS4-HMAC-SHA256 Credential=kube-aws-local/${amzDate.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
      `X-Amz-Date: ${amzDate}`,
      'Content-Length: 1048576',
    ];
    const held = [];
    for (let index = 0; index < 8; index += 1) held.push(await sendPartialRequest(headers, 1024));
    const extra = await sendPartialRequest(headers, 1024);

    const answers = await Promise.all(
      [...held, extra].map(({ firstLine }) => withDeadline(firstLine, 500)),
    );
    for (const { socket } of [...held, extra]) socket.destroy();
    const table = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: backend.revisionTableEndpoint,
      credentials: backend.endpointCredentials,
      maxAttempts: 1,
    });
    // The held bodies' reservations go back as their sockets close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const tables = await table.send(new ListTablesCommand({}));
    table.destroy();

    expect(answers).toEqual([
      ...Array.from({ length: 8 }, () => 'no answer in 500 ms'),
      'HTTP/1.1 503 Service Unavailable',
    ]);
    expect(tables.TableNames).toEqual([REVISIONS_TABLE]);
  });

  it('closes revision-table connections past 64 and serves again once they go', async () => {
    const sockets = await Promise.all(
      Array.from(
        { length: 70 },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(tablePort, '127.0.0.1', () => resolve(socket));
            socket.on('error', reject);
          }),
      ),
    );
    const closed = await Promise.all(
      sockets.map((socket) =>
        withDeadline(
          new Promise<string>((resolve) => socket.once('close', () => resolve('closed'))),
          500,
        ),
      ),
    );
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const table = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: backend.revisionTableEndpoint,
      credentials: backend.endpointCredentials,
      maxAttempts: 1,
    });
    const tables = await table.send(new ListTablesCommand({}));
    table.destroy();

    expect(closed.filter((outcome) => outcome === 'closed').length).toBeGreaterThanOrEqual(6);
    expect(tables.TableNames).toEqual([REVISIONS_TABLE]);
  });

  it.skipIf(!hasAwsCli)(
    'still takes a 20 MiB artefact from aws s3 cp, which uploads it in checked 8 MiB parts',
    async () => {
      const file = path.join(root, 'large-artefact');
      await writeFile(file, Buffer.alloc(20 * 1024 * 1024, 0x61));
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: root,
        AWS_ACCESS_KEY_ID: backend.endpointCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: backend.endpointCredentials.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
      };
      const endpoint = ['--endpoint-url', backend.s3Endpoint];

      await run('aws', [...endpoint, 's3', 'cp', file, `s3://${ARTIFACTS_BUCKET}/large`], { env });
      const { stdout } = await run(
        'aws',
        [...endpoint, 's3api', 'head-object', '--bucket', ARTIFACTS_BUCKET, '--key', 'large'],
        { env },
      );

      expect(JSON.parse(stdout).ContentLength).toBe(20 * 1024 * 1024);
    },
    60_000,
  );

  it('still takes a submission uploaded with the SDK and the state dir key', async () => {
    const s3 = s3With();
    await s3.send(
      new PutObjectCommand({ Bucket: SUBMISSIONS_BUCKET, Key: 'notes/probe.txt', Body: 'probe' }),
    );
    const object = await s3.send(
      new GetObjectCommand({ Bucket: SUBMISSIONS_BUCKET, Key: 'notes/probe.txt' }),
    );

    expect(await object.Body?.transformToString()).toBe('probe');
    s3.destroy();
  });
});

const canSwitchUser =
  process.getuid?.() === 0 &&
  (await run('setpriv', ['--version']).then(
    () => true,
    () => false,
  )) &&
  (await run('curl', ['--version']).then(
    () => true,
    () => false,
  ));
if (!canSwitchUser) {
  console.warn('skipped: the foreign-user tests need root, setpriv and curl to act as uid 65534');
}

describe.skipIf(!canSwitchUser)('the embedded backend as seen by another local user', () => {
  let root: string;
  let backend: EmbeddedBackend;

  /** curl as uid 65534 (nobody): status line and body. */
  const curlAsNobody = async (args: string[]) => {
    const { stdout } = await run('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'curl',
      '--silent',
      '--show-error',
      '--write-out',
      '~~%{http_code}',
      ...args,
    ]);
    const cut = stdout.lastIndexOf('~~');

    return { status: Number(stdout.slice(cut + 2)), body: stdout.slice(0, cut) };
  };

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-foreign-user-'));
    backend = await startEmbeddedBackend({
      stateDir: path.join(root, 'state'),
      apiPort: 0,
      s3Port: 0,
      waitOverrideMs: 0,
    });
  }, 60_000);
  afterAll(async () => {
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a replacing submission from uid 65534 and records nothing', async () => {
    const answer = await curlAsNobody([
      '-X',
      'POST',
      '-H',
      'Content-Type: application/yaml',
      '-H',
      'X-Kube-Aws-Allow-Replace: true',
      '--data-binary',
      'clusterName: foreign\n',
      `${backend.apiUrl}/clusters`,
    ]);
    const own = await fetch(`${backend.apiUrl}/clusters/foreign`);

    expect(answer).toEqual({
      status: 403,
      body: '{"error":{"code":"FORBIDDEN","message":"the connection comes from another local user"}}\n',
    });
    expect(own.status).toBe(404);
  });

  it('refuses uid 65534 on the S3 endpoint and the revision table too', async () => {
    const s3 = await curlAsNobody([`${backend.s3Endpoint}/${SUBMISSIONS_BUCKET}/x`]);
    const table = await curlAsNobody([
      '-X',
      'POST',
      '--data',
      '{}',
      `${backend.revisionTableEndpoint}/`,
    ]);

    expect(s3).toEqual({
      status: 403,
      body:
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<Error><Code>AccessDenied</Code><Message>the connection comes from another local user</Message></Error>\n',
    });
    expect(table).toEqual({
      status: 403,
      body: JSON.stringify({
        __type: 'com.amazon.coral.service#UnrecognizedClientException',
        message: 'the connection comes from another local user',
      }),
    });
  });

  it('serves the same request from its own user', async () => {
    const response = await fetch(`${backend.apiUrl}/healthz`);

    expect([response.status, await response.text()]).toEqual([200, '{"status":"ok"}\n']);
  });
});
