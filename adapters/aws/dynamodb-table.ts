import type * as LowLevelSdk from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type * as DocumentSdk from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, rethrowSdkError } from './classify-sdk-error.ts';
import { LazyClient, loadOnce } from './load-once.ts';

/** The document client needs the low-level one; both load on the first table call. */
const loadDynamoDbSdk = loadOnce(async (): Promise<DynamoDbSdk> => {
  const [low, doc] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
  ]);

  return { DynamoDBClient: low.DynamoDBClient, ...doc };
});

type DynamoDbSdk = typeof DocumentSdk & Pick<typeof LowLevelSdk, 'DynamoDBClient'>;

type Item = Record<string, unknown>;

export interface ConditionalUpdate {
  update: string;
  condition: string;
  names?: Record<string, string>;
  values: Record<string, unknown>;
}

/** Pages read by one query; 10,000 pages of 1 MB is beyond any single partition we keep. */
const MAX_QUERY_PAGES = 10_000;

/**
 * The handful of DynamoDB calls the revision store is built from, all strongly consistent. A
 * failed condition is an answer (false or undefined), throttling and 5xx become DependencyError.
 */
export class DynamoDbTable {
  private readonly doc: LazyClient<DynamoDbSdk, DynamoDBDocumentClient>;

  constructor(
    private readonly tableName: string,
    client: Pick<DynamoDBClientConfig, 'region' | 'endpoint' | 'credentials'>,
  ) {
    this.doc = new LazyClient(loadDynamoDbSdk, (sdk) =>
      sdk.DynamoDBDocumentClient.from(new sdk.DynamoDBClient(client), {
        marshallOptions: { removeUndefinedValues: true },
      }),
    );
  }

  destroy(): void {
    this.doc.destroy();
  }

  async get(pk: string, sk: string): Promise<Item | undefined> {
    const { sdk, client } = await this.doc.get();
    const command = new sdk.GetCommand({
      TableName: this.tableName,
      Key: { pk, sk },
      ConsistentRead: true,
    });

    return (await this.guard('GetItem', client.send(command))).Item;
  }

  /** Items of one partition whose sort key starts with `prefix`, highest sort key first. */
  async queryDescending(pk: string, prefix: string): Promise<Item[]> {
    const { sdk, client } = await this.doc.get();
    const items: Item[] = [];
    let startKey: Item | undefined;
    for (let page = 0; page < MAX_QUERY_PAGES; page++) {
      const command = new sdk.QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      });
      const result = await this.guard('Query', client.send(command));
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }

    return items;
  }

  /**
   * At most `limit` items of one partition with a sort key from `low` to `high` (inclusive),
   * highest first, and whether more lie below the last one. DynamoDB may end a page early at
   * 1 MB, so pages are read until the limit is reached or the range is exhausted.
   */
  async queryDescendingRange(
    pk: string,
    range: { low: string; high: string; limit: number },
  ): Promise<{ items: Item[]; more: boolean }> {
    const { sdk, client } = await this.doc.get();
    const items: Item[] = [];
    let startKey: Item | undefined;
    // One item past the limit says whether there are more, without a second query.
    while (items.length <= range.limit) {
      const command = new sdk.QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: { ':pk': pk, ':low': range.low, ':high': range.high },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: range.limit + 1 - items.length,
        ExclusiveStartKey: startKey,
      });
      const result = await this.guard('Query', client.send(command));
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }

    return { items: items.slice(0, range.limit), more: items.length > range.limit };
  }

  /** Writes the item unless one with its key exists; false when it already existed. */
  async putIfAbsent(item: Item & { pk: string; sk: string }): Promise<boolean> {
    const { sdk, client } = await this.doc.get();
    const command = new sdk.PutCommand({
      TableName: this.tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk)',
    });

    return (await this.whenConditionHolds('PutItem', client.send(command))) !== undefined;
  }

  /** Applies the update when its condition holds; returns the new item, else undefined. */
  async updateIf(pk: string, sk: string, request: ConditionalUpdate): Promise<Item | undefined> {
    const { sdk, client } = await this.doc.get();
    const command = new sdk.UpdateCommand({
      TableName: this.tableName,
      Key: { pk, sk },
      UpdateExpression: request.update,
      ConditionExpression: request.condition,
      ExpressionAttributeNames: request.names,
      ExpressionAttributeValues: request.values,
      ReturnValues: 'ALL_NEW',
    });
    const result = await this.whenConditionHolds('UpdateItem', client.send(command));

    return result === undefined ? undefined : (result.Attributes ?? {});
  }

  private async whenConditionHolds<T>(
    operation: string,
    request: Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await this.guard(operation, request);
    } catch (error: unknown) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  private async guard<T>(operation: string, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error: unknown) {
      if (isConditionFailure(error)) throw error;
      return rethrowSdkError(error, 'DynamoDB', operation);
    }
  }
}

/** `SET #f0 = :f0, ...` over the defined fields of a patch, skipping the excluded ones. */
export function buildSetExpression(
  patch: Record<string, unknown>,
  excluded: ReadonlySet<string>,
): { assignments: string[]; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || excluded.has(field)) continue;
    const index = assignments.length;
    names[`#f${index}`] = field;
    values[`:f${index}`] = value;
    assignments.push(`#f${index} = :f${index}`);
  }

  return { assignments, names, values };
}
