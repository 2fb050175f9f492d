import {
  type CreateTableCommandInput,
  DynamoDBClient,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../../lib/errors.ts';
import type { NewRevision, RevisionStore } from '../../ports/revision-store.ts';
import { deriveExecutionName } from '../../revisions/execution-name.ts';
import {
  buildClusterPk,
  buildIdempotencyPk,
  buildRevisionSk,
  IDEMPOTENCY_SK,
  META_SK,
  REVISION_SK_PREFIX,
} from '../../revisions/revision-item-keys.ts';
import {
  type ClusterRecord,
  ClusterRecordSchema,
  type Revision,
  RevisionSchema,
  type RevisionStatus,
  TERMINAL_STATUSES,
} from '../../schemas/revision.ts';
import { isConditionFailure, rethrowSdkError } from './classify-sdk-error.ts';

export interface DynamoDbRevisionStoreOptions {
  tableName: string;
  client: Pick<DynamoDBClientConfig, 'region' | 'endpoint' | 'credentials'>;
  /** Clock for transitions and lock leases; tests move it. */
  now?: () => Date;
}

/** Upper bound on allocation rounds; each lost round means another writer took a number. */
const MAX_ALLOCATION_ATTEMPTS = 200;

/** Fields a patch may never overwrite: identity and the append-only history. */
const IMMUTABLE_FIELDS = new Set(['cluster', 'revision', 'transitions', 'createdAt']);

/** The CreateTable input of the revisions table; infra/ declares the same shape in CDK. */
export function revisionTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

/**
 * The revision store over DynamoDB, built on conditional writes only (dynalite has no
 * transactions). Invariant: `meta.latestRevision = k` implies revision items 1..k exist, because a
 * writer creates item k+1 only after reading k, and raises the counter only after its item exists.
 */
export class DynamoDbRevisionStore implements RevisionStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => Date;

  constructor(options: DynamoDbRevisionStoreOptions) {
    this.table = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.doc = DynamoDBDocumentClient.from(new DynamoDBClient(options.client), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  /** Closes the underlying HTTP connections. */
  destroy(): void {
    this.doc.destroy();
  }

  async allocate(input: NewRevision): Promise<Revision> {
    for (let attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
      const record = await this.getCluster(input.cluster);
      const next = (record?.latestRevision ?? 0) + 1;
      const revision = this.buildRevision(input, next);
      const created = await this.putIfAbsent(revision);

      // Raising the counter also repairs it after a writer crashed between its two writes: the
      // item `next` exists either way, so the counter may safely point at it.
      await this.raiseLatestRevision(input.cluster, next);
      if (created) return revision;

      await pauseBriefly(attempt);
    }

    throw new ConflictError(
      `revision allocation for ${input.cluster} lost ${MAX_ALLOCATION_ATTEMPTS} races in a row; retry the submission`,
    );
  }

  async get(cluster: string, revision: number): Promise<Revision | undefined> {
    const result = await this.guard(
      'Get',
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: buildClusterPk(cluster), sk: buildRevisionSk(revision) },
          ConsistentRead: true,
        }),
      ),
    );

    return result.Item === undefined ? undefined : RevisionSchema.parse(result.Item);
  }

  async list(cluster: string): Promise<Revision[]> {
    const revisions: Revision[] = [];
    let startKey: Record<string, unknown> | undefined;
    // Bounded: a cluster with more than 10,000 pages of revisions is beyond any real use.
    for (let page = 0; page < 10_000; page++) {
      const result = await this.guard(
        'Query',
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: {
              ':pk': buildClusterPk(cluster),
              ':prefix': REVISION_SK_PREFIX,
            },
            ScanIndexForward: false,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of result.Items ?? []) revisions.push(RevisionSchema.parse(item));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }

    return revisions;
  }

  async getCluster(cluster: string): Promise<ClusterRecord | undefined> {
    const result = await this.guard(
      'Get',
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: buildClusterPk(cluster), sk: META_SK },
          ConsistentRead: true,
        }),
      ),
    );
    if (result.Item === undefined) return undefined;

    return ClusterRecordSchema.parse({ latestRevision: 0, ...result.Item, cluster });
  }

  async transition(
    cluster: string,
    revision: number,
    status: RevisionStatus,
    detail: { state?: string; detail?: string } = {},
    patch: Partial<Revision> = {},
  ): Promise<Revision> {
    const at = this.now().toISOString();
    const update = buildSetExpression({ ...patch, status, updatedAt: at });
    update.values[':transition'] = [{ status, at, ...detail }];
    const terminalNames = TERMINAL_STATUSES.map((terminal, index) => {
      update.values[`:terminal${index}`] = terminal;
      return `:terminal${index}`;
    });

    // A terminal revision never changes status again: a re-run of a step cannot rewrite history.
    return this.updateExisting(
      cluster,
      revision,
      {
        UpdateExpression: `${update.expression}, transitions = list_append(transitions, :transition)`,
        ConditionExpression: `attribute_exists(pk) AND NOT (#status IN (${terminalNames.join(', ')}))`,
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: update.values,
      },
      `revision ${revision} of ${cluster} is already final; it cannot become ${status}`,
    );
  }

  async update(cluster: string, revision: number, patch: Partial<Revision>): Promise<Revision> {
    // Status moves only through transition(), so the history and the status never disagree.
    const { status: _ignored, ...fields } = patch;
    const update = buildSetExpression({ ...fields, updatedAt: this.now().toISOString() });

    return this.updateExisting(cluster, revision, {
      UpdateExpression: update.expression,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
    });
  }

  async setLastApplied(cluster: string, revision: number): Promise<void> {
    // The check is a conditional write on the revision item itself; APPLIED is terminal, so the
    // status cannot change between this check and the pointer update below.
    await this.updateExisting(
      cluster,
      revision,
      {
        UpdateExpression: 'SET #status = :applied',
        ConditionExpression: 'attribute_exists(pk) AND #status = :applied',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':applied': 'APPLIED' },
      },
      `revision ${revision} of ${cluster} is not APPLIED; only an applied revision becomes lastApplied`,
    );

    // Never moves backwards; re-running with the same revision is a no-op.
    await this.conditionalMetaUpdate(cluster, {
      UpdateExpression: 'SET lastApplied = :revision',
      ConditionExpression: 'attribute_not_exists(lastApplied) OR lastApplied <= :revision',
      ExpressionAttributeValues: { ':revision': revision },
    });
  }

  async acquireLock(cluster: string, revision: number, leaseMs: number): Promise<boolean> {
    const now = this.now();

    return this.conditionalMetaUpdate(cluster, {
      UpdateExpression: 'SET #lock = :lock',
      ConditionExpression:
        'attribute_not_exists(#lock) OR #lock.expiresAt < :now OR #lock.revision = :revision',
      ExpressionAttributeNames: { '#lock': 'lock' },
      ExpressionAttributeValues: {
        ':lock': { revision, expiresAt: new Date(now.getTime() + leaseMs).toISOString() },
        ':now': now.toISOString(),
        ':revision': revision,
      },
    });
  }

  async releaseLock(cluster: string, revision: number): Promise<void> {
    await this.conditionalMetaUpdate(cluster, {
      UpdateExpression: 'REMOVE #lock',
      ConditionExpression: '#lock.revision = :revision',
      ExpressionAttributeNames: { '#lock': 'lock' },
      ExpressionAttributeValues: { ':revision': revision },
    });
  }

  async claimIdempotencyKey(
    scope: string,
    key: string,
    revision: number,
  ): Promise<number | undefined> {
    try {
      await this.guard(
        'Put',
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: buildIdempotencyPk(scope, key), sk: IDEMPOTENCY_SK, revision },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );

      return undefined;
    } catch (error: unknown) {
      if (!isConditionFailure(error)) throw error;
    }

    return this.lookupIdempotencyKey(scope, key);
  }

  async lookupIdempotencyKey(scope: string, key: string): Promise<number | undefined> {
    const result = await this.guard(
      'Get',
      this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: buildIdempotencyPk(scope, key), sk: IDEMPOTENCY_SK },
          ConsistentRead: true,
        }),
      ),
    );
    const revision = result.Item?.revision;

    return typeof revision === 'number' ? revision : undefined;
  }

  private buildRevision(input: NewRevision, revision: number): Revision {
    const at = this.now().toISOString();

    return RevisionSchema.parse({
      cluster: input.cluster,
      revision,
      status: 'QUEUED',
      transitions: [{ status: 'QUEUED', at }],
      source: input.source,
      submitter: input.submitter,
      correlationId: input.correlationId,
      inputKey: input.inputKey,
      inputSha256: input.inputSha256,
      executionName: deriveExecutionName(input.cluster, revision),
      rotate: input.rotate,
      createdAt: at,
      updatedAt: at,
    });
  }

  private async putIfAbsent(revision: Revision): Promise<boolean> {
    try {
      await this.guard(
        'Put',
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: buildClusterPk(revision.cluster),
              sk: buildRevisionSk(revision.revision),
              ...revision,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );

      return true;
    } catch (error: unknown) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async raiseLatestRevision(cluster: string, revision: number): Promise<void> {
    await this.conditionalMetaUpdate(cluster, {
      UpdateExpression: 'SET latestRevision = :revision, #cluster = :cluster',
      ConditionExpression: 'attribute_not_exists(latestRevision) OR latestRevision < :revision',
      ExpressionAttributeNames: { '#cluster': 'cluster' },
      ExpressionAttributeValues: { ':revision': revision, ':cluster': cluster },
    });
  }

  /** Returns false when the condition did not hold (the update was not applied). */
  private async conditionalMetaUpdate(
    cluster: string,
    command: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.guard(
        'Update',
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: buildClusterPk(cluster), sk: META_SK },
            ...command,
          }),
        ),
      );

      return true;
    } catch (error: unknown) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async updateExisting(
    cluster: string,
    revision: number,
    command: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    conflictMessage?: string,
  ): Promise<Revision> {
    try {
      const result = await this.guard(
        'Update',
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: buildClusterPk(cluster), sk: buildRevisionSk(revision) },
            ReturnValues: 'ALL_NEW',
            ...command,
          }),
        ),
      );

      return RevisionSchema.parse(result.Attributes);
    } catch (error: unknown) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(cluster, revision);
      if (existing === undefined) {
        throw new NotFoundError(`revision ${revision} of cluster ${cluster} does not exist`, {
          cause: error,
        });
      }
      throw new ConflictError(conflictMessage ?? `revision ${revision} of ${cluster} changed`, {
        cause: error,
      });
    }
  }

  /** Maps throttling and 5xx answers to DependencyError; condition failures pass unchanged. */
  private async guard<T>(operation: string, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error: unknown) {
      if (isConditionFailure(error)) throw error;
      return rethrowSdkError(error, 'DynamoDB', operation);
    }
  }
}

/** `SET #f0 = :f0, ...` over the defined, mutable fields of a patch. */
function buildSetExpression(patch: Record<string, unknown>): {
  expression: string;
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined || IMMUTABLE_FIELDS.has(field)) continue;
    const index = assignments.length;
    const name = field === 'status' ? '#status' : `#f${index}`;
    names[name] = field;
    values[`:f${index}`] = value;
    assignments.push(`${name} = :f${index}`);
  }

  return { expression: `SET ${assignments.join(', ')}`, names, values };
}

/** Spreads losers of an allocation race apart so they do not collide again in lockstep. */
function pauseBriefly(attempt: number): Promise<void> {
  const ceilingMs = Math.min(100, 5 * (attempt + 1));

  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
}
