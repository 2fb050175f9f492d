import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { buildClusterPk, META_SK } from '../revisions/revision-item-keys.ts';

/** Bounded: 100 pages of cluster records is far beyond what one laptop's state dir holds. */
const MAX_PAGES = 100;

/**
 * Every cluster that has a record in the embedded revisions table. The RevisionStore port lists
 * by cluster only; recovery at start needs them all, and the local table is small.
 */
export async function listClusterNames(
  client: ConstructorParameters<typeof DynamoDBClient>[0],
  tableName: string,
): Promise<string[]> {
  const dynamodb = new DynamoDBClient(client ?? {});
  const prefix = buildClusterPk('');
  const names: string[] = [];
  try {
    let start: ScanCommandOutput['LastEvaluatedKey'];
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await dynamodb.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'sk = :meta',
          ExpressionAttributeValues: { ':meta': { S: META_SK } },
          ProjectionExpression: 'pk',
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of answer.Items ?? []) {
        const pk = item.pk?.S;
        if (pk?.startsWith(prefix)) names.push(pk.slice(prefix.length));
      }
      start = answer.LastEvaluatedKey;
      if (start === undefined) break;
    }
  } finally {
    dynamodb.destroy();
  }

  return names.sort();
}
