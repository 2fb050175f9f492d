import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENDPOINT_ACCESS_KEY_ID } from '../../../embedded/endpoint-credentials.ts';
import { guardS3Requests } from '../../../embedded/guard-s3-requests.ts';
import { closeServer } from '../../../embedded/listen-on-loopback.ts';
import { registerS3rverKey } from '../../../embedded/register-s3rver-key.ts';
import { requireTool } from '../../support/external-tools.ts';
import { sendRawRequest } from '../../unit/embedded/raw-request.ts';

/** Now as SigV4 writes it (`20261204T190000Z`): forged signatures must fail on the signature, not the date. */
const AMZ_NOW = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
const AMZ_TODAY = AMZ_NOW.slice(0, 8);

const require = createRequire(import.meta.url);
interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): RequestListener;
  logger?: { close(): void; exceptions?: { unhandle(): void } };
  on(event: 'event', listener: (event: { Records: Array<{ eventName: string }> }) => void): void;
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

const BUCKET = 'kube-aws-submissions';
const CREDENTIALS = {
  accessKeyId: ENDPOINT_ACCESS_KEY_ID,
  secretAccessKey: randomBytes(32).toString('base64url'),
};
/** s3rver's built-in key, printed in its README: the guard must not let it in. */
const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const hasAwsCli = requireTool('aws', ['--version']);

/** Lists every file under `root`, relative and sorted. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });

  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

const denied = (message: string) => ({
  status: 403,
  contentType: 'application/xml',
  body:
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>AccessDenied</Code><Message>${message}</Message></Error>\n`,
});

describe('the guard in front of s3rver', () => {
  let root: string;
  let server: Server;
  let s3rver: S3rverInstance;
  let port: number;
  let endpoint: string;
  let created: number;
  let s3: S3Client;

  beforeAll(async () => {
    // The state dir is nested so that a key climbing out of it lands in `root`, where we look.
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-guard-s3-'));
    await mkdir(path.join(root, 'state', 'deeper'), { recursive: true });
    s3rver = new S3rver({
      silent: true,
      directory: path.join(root, 'state', 'deeper', 's3'),
      configureBuckets: [{ name: BUCKET }],
    });
    await s3rver.configureBuckets();
    registerS3rverKey(CREDENTIALS);
    s3rver.on('event', (event) => {
      created += event.Records.filter((record) =>
        record.eventName.startsWith('ObjectCreated:'),
      ).length;
    });
    server = createServer(
      guardS3Requests(s3rver.callback(), { buckets: [BUCKET], credentials: CREDENTIALS }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: CREDENTIALS,
    });
  });
  afterAll(async () => {
    s3?.destroy();
    if (server) await closeServer(server);
    s3rver?.logger?.exceptions?.unhandle();
    s3rver?.logger?.close();
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    created = 0;
  });

  it('stores and returns an object uploaded with the SDK and the emulator key', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'clusters/demo/cluster.yaml', Body: 'a: 1\n' }),
    );
    const object = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'clusters/demo/cluster.yaml' }),
    );

    expect(await object.Body?.transformToString()).toBe('a: 1\n');
    expect(created).toBe(1);
  });

  it.each([
    [
      'another secret',
      { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' },
      'the request signature is refused: the signature does not match',
    ],
    [
      "s3rver's built-in key",
      S3RVER_KEY,
      'the request signature is refused: the access key id is unknown',
    ],
  ])('refuses an SDK upload signed with %s and stores nothing', async (_, credentials, message) => {
    const before = await listFiles(root);
    const stranger = new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials,
    });
    const error = await stranger
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'clusters/x/cluster.yaml', Body: 'b' }))
      .then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
    stranger.destroy();

    expect([error?.name, error?.message]).toEqual(['AccessDenied', message]);
    expect(await listFiles(root)).toEqual(before);
    expect(created).toBe(0);
  });

  it.each([
    ['clusters/../../../../x/escape.txt', 'the object key must not have . or .. segments'],
    ['../../../x/escape.txt', 'the object key must not have . or .. segments'],
    ['clusters/./x/cluster.yaml', 'the object key must not have . or .. segments'],
    ['/x/cluster.yaml', 'the object key must not start with /'],
    ['clusters\\..\\..\\x', 'the object key has a backslash'],
    ['clusters/esc\u001b[2J/cluster.yaml', 'the object key has a control character'],
    ['junk/\u0001', 'the object key has a control character'],
  ])('refuses a signed SDK upload to %s and writes nothing anywhere', async (key, message) => {
    const before = await listFiles(root);
    const error = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'escape' }))
      .then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );

    expect([error?.name, error?.message]).toEqual(['AccessDenied', message]);
    expect(await listFiles(root)).toEqual(before);
    expect(created).toBe(0);
  });

  const form = [
    '--b',
    'Content-Disposition: form-data; name="key"',
    '',
    '../../../x/form-escape.txt',
    '--b',
    'Content-Disposition: form-data; name="file"; filename="f.yaml"',
    'Content-Type: application/yaml',
    '',
    'a: 1',
    '--b--',
    '',
  ].join('\r\n');

  it.each([
    [
      'a cross-site form post',
      'POST',
      `/${BUCKET}`,
      { origin: 'http://attacker.example', 'content-type': 'multipart/form-data; boundary=b' },
      form,
      'requests from web pages are refused',
    ],
    [
      'a form post without Origin',
      'POST',
      `/${BUCKET}`,
      { 'content-type': 'multipart/form-data; boundary=b' },
      form,
      'form uploads are refused',
    ],
    [
      'a form post with an upper-case content type',
      'POST',
      `/${BUCKET}`,
      { 'content-type': 'Multipart/Form-Data; boundary=b' },
      form,
      'form uploads are refused',
    ],
    [
      'an unsigned PUT',
      'PUT',
      `/${BUCKET}/clusters/x/cluster.yaml`,
      {},
      'a: 1',
      'requests must be signed',
    ],
    [
      'an unsigned GET',
      'GET',
      `/${BUCKET}/clusters/demo/cluster.yaml`,
      {},
      undefined,
      'requests must be signed',
    ],
    [
      'a PUT whose SigV4 header s3rver would take on trust',
      'PUT',
      `/${BUCKET}/clusters/x/cluster.yaml`,
      {
        authorization:
          `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${AMZ_TODAY}/us-east-1/s3/aws4_request, ` +
          `SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
        'x-amz-date': AMZ_NOW,
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
      'a: 1',
      'the request signature is refused: the signature does not match',
    ],
    [
      'a GET with a forged presigned query',
      'GET',
      `/${BUCKET}/clusters/demo/cluster.yaml?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${CREDENTIALS.accessKeyId}%2F${AMZ_TODAY}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${AMZ_NOW}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${'1'.repeat(64)}`,
      {},
      undefined,
      'the request signature is refused: the signature does not match',
    ],
    [
      'a GET from a page',
      'GET',
      `/${BUCKET}/clusters/demo/cluster.yaml`,
      { 'sec-fetch-site': 'same-origin' },
      undefined,
      'requests from web pages are refused',
    ],
    [
      'a rebinding Host',
      'GET',
      `/${BUCKET}/clusters/demo/cluster.yaml`,
      { host: 'attacker.example' },
      undefined,
      'the Host header must name this loopback server',
    ],
    [
      'a virtual-host style Host',
      'GET',
      '/clusters/demo/cluster.yaml',
      { host: `${BUCKET}.localhost` },
      undefined,
      'the Host header must name this loopback server',
    ],
    [
      'an encoded .. key',
      'PUT',
      `/${BUCKET}/clusters/%2e%2e/%2E%2E/%2e%2e/x/escape.txt`,
      {},
      'x',
      'the object key must not have . or .. segments',
    ],
    [
      'an encoded slash before ..',
      'PUT',
      `/${BUCKET}/clusters%2F..%2F..%2Fx`,
      {},
      'x',
      'the object key must not have . or .. segments',
    ],
    [
      'a NUL in the key',
      'PUT',
      `/${BUCKET}/clusters/a%00b`,
      {},
      'x',
      'the object key has a control character',
    ],
    ['a .. bucket', 'PUT', '/%2e%2e/x/escape.txt', {}, 'x', 'the bucket is unknown'],
    ['an unknown bucket', 'PUT', '/other/x', {}, 'x', 'the bucket is unknown'],
    [
      'broken percent-encoding',
      'GET',
      `/${BUCKET}/%E0%A4%A`,
      {},
      undefined,
      'the path is not valid percent-encoding',
    ],
    [
      'a DeleteObjects request',
      'POST',
      `/${BUCKET}?delete`,
      {},
      '<Delete/>',
      'this POST request is refused',
    ],
    [
      'a copy from outside the bucket',
      'PUT',
      `/${BUCKET}/clusters/x/cluster.yaml`,
      { 'x-amz-copy-source': `/${BUCKET}/..%2F..%2Fetc%2Fpasswd` },
      undefined,
      'the copy source is refused: the object key must not have . or .. segments',
    ],
  ])('refuses %s and writes nothing', async (_label, method, target, headers, body, message) => {
    const before = await listFiles(root);
    const response = await sendRawRequest(port, { method, path: target, headers, body });

    expect(response).toEqual(denied(message));
    expect(await listFiles(root)).toEqual(before);
    expect(created).toBe(0);
  });

  /**
   * A version 2 signature made with s3rver's built-in key, as s3rver 3 computes it (it leaves
   * the Date header out of the string to sign).
   */
  const signVersion2 = (target: string, date: string) => {
    const signature = createHmac('sha1', S3RVER_KEY.secretAccessKey)
      .update(`PUT\n\ntext/plain\n\n${target}`)
      .digest('base64');

    return {
      authorization: `AWS ${S3RVER_KEY.accessKeyId}:${signature}`,
      date,
      'content-type': 'text/plain',
    };
  };

  it.each([
    [
      'a forged header',
      `/${BUCKET}/clusters/x/cluster.yaml`,
      { authorization: 'AWS S3RVER:Zm9yZ2Vk', date: new Date().toUTCString() },
    ],
    [
      'a forged query',
      `/${BUCKET}/clusters/x/cluster.yaml?AWSAccessKeyId=S3RVER&Expires=4102444800&Signature=Zm9yZ2Vk`,
      {},
    ],
    [
      "a header made with s3rver's built-in key",
      `/${BUCKET}/clusters/x/cluster.yaml`,
      signVersion2(`/${BUCKET}/clusters/x/cluster.yaml`, new Date().toUTCString()),
    ],
  ])('refuses a version 2 signature (%s) and writes nothing', async (_label, target, headers) => {
    const before = await listFiles(root);
    const response = await sendRawRequest(port, {
      method: 'PUT',
      path: target,
      headers,
      body: 'a',
    });

    expect(response).toEqual(denied('signature version 2 is refused'));
    expect(await listFiles(root)).toEqual(before);
    expect(created).toBe(0);
  });

  it("stores an upload signed with s3rver's built-in version 2 key when no guard stands in front", async () => {
    const target = `/${BUCKET}/clusters/control/cluster.yaml`;
    const unguarded = createServer(s3rver.callback());
    await new Promise<void>((resolve) => unguarded.listen(0, '127.0.0.1', resolve));
    const response = await sendRawRequest((unguarded.address() as AddressInfo).port, {
      method: 'PUT',
      path: target,
      headers: signVersion2(target, new Date().toUTCString()),
      body: 'a',
    }).finally(() => closeServer(unguarded));

    expect([response.status, created]).toEqual([200, 1]);
  });

  it.skipIf(!hasAwsCli)('serves a GET presigned by the aws CLI with SigV4', async () => {
    // aws CLI v1 presigns with version 2 unless told otherwise; the guard takes SigV4 only.
    const config = path.join(root, 'aws-config');
    await writeFile(config, '[default]\ns3 =\n    signature_version = s3v4\n');
    const url = execFileSync(
      'aws',
      [
        '--region',
        'us-east-1',
        '--endpoint-url',
        endpoint,
        's3',
        'presign',
        `s3://${BUCKET}/clusters/demo/cluster.yaml`,
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_CONFIG_FILE: config,
          AWS_S3_ADDRESSING_STYLE: 'path',
        },
      },
    ).trim();
    const response = await fetch(url);

    expect([response.status, await response.text()]).toEqual([200, 'a: 1\n']);
  });
});
