import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openEndpointCredentials } from '../../../embedded/endpoint-credentials.ts';
import { type RevisionTable, startRevisionTable } from '../../../embedded/start-revision-table.ts';

const TABLE = 'kube-aws-revisions';

/** The abstract-level copy dynalite's LevelDB store is built on, found from dynalite's folder. */
function loadAbstractLevel(): { prototype: Record<string, (resource: unknown) => void> } {
  const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const classicLevel = fromDynalite.resolve('classic-level');
  const { AbstractLevel } = createRequire(classicLevel)('abstract-level') as {
    AbstractLevel: { prototype: Record<string, (resource: unknown) => void> };
  };

  return AbstractLevel;
}

/**
 * Counts the LevelDB iterators the revision table opens and does not close. Each open one holds
 * a snapshot and its read-ahead in native memory, which is how the soak's RSS grew with every run
 * before patches/dynalite+4.0.0.patch.
 */
function countOpenResources(): { open: () => number; restore: () => void } {
  const { prototype } = loadAbstractLevel();
  const attach = prototype.attachResource;
  const detach = prototype.detachResource;
  const live = new Set<unknown>();
  prototype.attachResource = function (this: unknown, resource: unknown) {
    live.add(resource);
    attach?.call(this, resource);
  };
  prototype.detachResource = function (this: unknown, resource: unknown) {
    live.delete(resource);
    detach?.call(this, resource);
  };

  return {
    open: () => live.size,
    restore: () => {
      prototype.attachResource = attach as (resource: unknown) => void;
      prototype.detachResource = detach as (resource: unknown) => void;
    },
  };
}

describe('embedded revision table', () => {
  let stateDir: string;
  let table: RevisionTable;
  let dynamodb: DynamoDBClient;
  let counter: ReturnType<typeof countOpenResources>;

  beforeAll(async () => {
    counter = countOpenResources();
    stateDir = await mkdtemp(path.join(tmpdir(), 'kube-aws-iterators-'));
    table = await startRevisionTable({
      directory: path.join(stateDir, 'dynamodb'),
      tableName: TABLE,
      region: 'us-east-1',
      credentials: await openEndpointCredentials(stateDir),
    });
    dynamodb = new DynamoDBClient(table.client);
    for (const revision of [1, 2, 3]) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'CLUSTER#demo' }, sk: { S: `REV#${revision}` } },
        }),
      );
    }
  });
  afterEach(async () => {
    // Closing is asynchronous after the response; a few turns of the loop let it finish.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    dynamodb?.destroy();
    await table?.stop();
    counter?.restore();
    await rm(stateDir, { recursive: true, force: true });
  });

  const query = (limit?: number) =>
    dynamodb.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'CLUSTER#demo' } },
        ...(limit === undefined ? {} : { Limit: limit }),
      }),
    );

  it('closes the iterator of every query that reads to the end', async () => {
    const before = counter.open();

    for (let i = 0; i < 40; i += 1) expect((await query()).Count).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(counter.open() - before).toBe(0);
  });

  it('closes the iterator of every query that stops at its limit', async () => {
    const before = counter.open();

    for (let i = 0; i < 40; i += 1) expect((await query(1)).Count).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(counter.open() - before).toBe(0);
  });
});
