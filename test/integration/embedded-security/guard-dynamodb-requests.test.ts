import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedBackend,
  REVISIONS_TABLE,
  startEmbeddedBackend,
} from '../../../embedded/start-embedded-backend.ts';
import { logger } from '../../../lib/logger.ts';
import { readExampleClusterYaml, renameCluster } from '../../fixtures/bench/generate-node-pools.ts';
import { sendRawRequest } from '../../unit/embedded/raw-request.ts';

/** Now as SigV4 writes it (`20261204T190000Z`): forged signatures must fail on the signature, not the date. */
const AMZ_NOW = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
const AMZ_TODAY = AMZ_NOW.slice(0, 8);

const HOSTILE_ITEM = {
  pk: { S: 'CLUSTER#hostile' },
  sk: { S: 'META' },
  latestRevision: { N: '99' },
};

const refused = (message: string) => ({
  status: 403,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazon.coral.service#UnrecognizedClientException',
    message,
  }),
});

/** The revision table as `serve` runs it: dynalite behind the state dir's SigV4 key. */
describe('the guard in front of the revision table', () => {
  let root: string;
  let backend: EmbeddedBackend;
  let port: number;
  let owner: DynamoDBClient;

  const clientWith = (credentials: DynamoDBClientConfig['credentials']) =>
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: backend.revisionTableEndpoint,
      credentials,
      maxAttempts: 1,
    });
  /** Every item and every table, read with the right key: equal snapshots mean nothing changed. */
  const snapshotTable = async () => {
    const items = await owner.send(new ScanCommand({ TableName: REVISIONS_TABLE }));
    const tables = await owner.send(new ListTablesCommand({}));

    return { items: items.Items, tables: tables.TableNames };
  };
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (caught: unknown) => [(caught as Error).name, (caught as Error).message],
    );

  beforeAll(async () => {
    logger.setLogLevel('SILENT');
    root = await mkdtemp(path.join(tmpdir(), 'kube-aws-guard-dynamodb-'));
    backend = await startEmbeddedBackend({
      stateDir: path.join(root, 'state'),
      apiPort: 0,
      s3Port: 0,
      waitOverrideMs: 0,
    });
    port = Number(new URL(backend.revisionTableEndpoint).port);
    owner = clientWith(backend.endpointCredentials);
    // One real revision, so a snapshot has something to lose.
    const answer = await fetch(`${backend.apiUrl}/clusters`, {
      method: 'POST',
      body: renameCluster(readExampleClusterYaml(), 'demo'),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(answer.status).toBe(202);
    await backend.waitForIdle();
  }, 60_000);
  afterAll(async () => {
    owner?.destroy();
    await backend?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ["s3rver's built-in key", { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }],
    [
      'the right key id and another secret',
      { accessKeyId: 'kube-aws-local', secretAccessKey: 'x' },
    ],
  ])(
    'refuses a PutItem and a DeleteTable signed with %s and changes nothing',
    async (_label, key) => {
      const before = await snapshotTable();
      const stranger = clientWith(key);
      const expected = [
        'UnrecognizedClientException',
        key.accessKeyId === 'S3RVER'
          ? 'the request signature is refused: the access key id is unknown'
          : 'the request signature is refused: the signature does not match',
      ];

      const put = await failureOf(
        stranger.send(new PutItemCommand({ TableName: REVISIONS_TABLE, Item: HOSTILE_ITEM })),
      );
      const drop = await failureOf(
        stranger.send(new DeleteTableCommand({ TableName: REVISIONS_TABLE })),
      );
      stranger.destroy();

      expect([put, drop]).toEqual([expected, expected]);
      expect(await snapshotTable()).toEqual(before);
      expect(before.items?.length).toBeGreaterThan(0);
    },
  );

  it('refuses a request whose body was changed after signing and changes nothing', async () => {
    const before = await snapshotTable();
    const tamperer = clientWith(backend.endpointCredentials);
    // After signing (the deserialize step runs last), same length: only the body hash differs.
    tamperer.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string };
        request.body = request.body.replace('"99"', '"98"');

        return next(args);
      },
      { step: 'deserialize' },
    );

    const put = await failureOf(
      tamperer.send(new PutItemCommand({ TableName: REVISIONS_TABLE, Item: HOSTILE_ITEM })),
    );
    tamperer.destroy();

    expect(put).toEqual([
      'UnrecognizedClientException',
      'the request signature is refused: the signature does not match',
    ]);
    expect(await snapshotTable()).toEqual(before);
  });

  const putBody = JSON.stringify({ TableName: REVISIONS_TABLE, Item: HOSTILE_ITEM });
  const dynamoHeaders = {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.PutItem',
  };

  it.each([
    ['an unsigned PutItem', '/', dynamoHeaders, 'requests must be signed'],
    [
      'a PutItem with a forged signature',
      '/',
      {
        ...dynamoHeaders,
        authorization:
          `AWS4-HMAC-SHA256 Credential=kube-aws-local/${AMZ_TODAY}/us-east-1/dynamodb/aws4_request, ` +
          `SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
        'x-amz-date': AMZ_NOW,
      },
      'the request signature is refused: the signature does not match',
    ],
    [
      'a PutItem signed for S3',
      '/',
      {
        ...dynamoHeaders,
        authorization:
          `AWS4-HMAC-SHA256 Credential=kube-aws-local/${AMZ_TODAY}/us-east-1/s3/aws4_request, ` +
          `SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`,
        'x-amz-date': AMZ_NOW,
      },
      'the request signature is refused: the credential scope is not <date>/<region>/dynamodb/aws4_request',
    ],
    [
      'a PutItem from a web page',
      '/',
      { ...dynamoHeaders, origin: 'http://attacker.example' },
      'requests from web pages are refused',
    ],
    [
      'a PutItem from a rebinding Host',
      '/',
      { ...dynamoHeaders, host: 'attacker.example' },
      'the Host header must name this loopback server',
    ],
    [
      'a PutItem to another path',
      '/x',
      { ...dynamoHeaders, authorization: 'AWS4-HMAC-SHA256' },
      'only POST / is served',
    ],
  ])('refuses %s and changes nothing', async (_label, target, headers, message) => {
    const before = await snapshotTable();

    const response = await sendRawRequest(port, {
      method: 'POST',
      path: target,
      headers,
      body: putBody,
    });

    expect(response).toEqual(refused(message));
    expect(await snapshotTable()).toEqual(before);
  });

  it('refuses a GET (dynalite answers it unsigned) and a body over 1 MiB', async () => {
    const get = await sendRawRequest(port, { method: 'GET', path: '/' });
    const large = await sendRawRequest(port, {
      method: 'POST',
      path: '/',
      headers: { ...dynamoHeaders, authorization: 'AWS4-HMAC-SHA256' },
      body: ' '.repeat(1024 * 1024 + 1),
    });

    expect([get, large]).toEqual([
      refused('only POST / is served'),
      refused('the request body is larger than 1 MiB'),
    ]);
  });

  it('stores and returns an item written with the state dir key', async () => {
    const item = { pk: { S: 'CLUSTER#probe' }, sk: { S: 'PROBE' } };

    await owner.send(new PutItemCommand({ TableName: REVISIONS_TABLE, Item: item }));
    const scanned = await owner.send(new ScanCommand({ TableName: REVISIONS_TABLE }));

    expect(scanned.Items).toContainEqual(item);
  });
});
